import type { ExecutorContext } from '@nx/devkit';
import { type ImageHandoff, type PushHandoff, hasHandoff, readHandoff } from '../../lib/chain/handoff-files';
import { UserError } from '../../lib/errors';
import { configuredTargetName } from './configured-targets';
import { resolveOption } from './executor-context';
import smokeTestSchema from '../smoke-test/schema.json';

/**
 * The hand-off files (lib/chain/handoff-files.ts) as executors read them: under the directory an
 * option names, a missing one explained with the producing target's name in this project.
 */

/** Where smoke-test writes gate.json and docker-push reads it, unless an option says otherwise: smoke-test's outputPath default. */
export const gateOutputDir = smokeTestSchema.properties.outputPath.default;

/** The image containerize handed off (image.json under the imagePath option), and containerize's name in this project. */
export function readImageHandoff(imagePath: string, context: ExecutorContext): { image: ImageHandoff; containerizeTarget: string } {
  const containerizeTarget = configuredTargetName(context, 'containerize');
  const image = readHandoff('image', { dir: resolveOption(imagePath, context), workspaceRoot: context.root, producer: containerizeTarget });
  return { image, containerizeTarget };
}

/** The name containerize gave the image, for targets that work on the registry alone (versions, promote). */
export function handedOffImageName(imagePath: string, context: ExecutorContext): string {
  if (!hasHandoff('image', resolveOption(imagePath, context))) {
    throw new UserError(
      `No image name to look up: pass --imageName=<name>, or run the ${configuredTargetName(context, 'containerize')} target once so that it records the image's name.`,
    );
  }
  return readImageHandoff(imagePath, context).image.imageName;
}

/** What docker-push published (push.json under the pushPath option). */
export function readPushHandoff(pushPath: string, context: ExecutorContext): PushHandoff {
  const producer = configuredTargetName(context, 'docker-push');
  return readHandoff('push', { dir: resolveOption(pushPath, context), workspaceRoot: context.root, producer });
}

/** The digest the project's last docker-push published to this registry: the version of its current inputs. */
export function publishedDigest(pushPath: string, context: ExecutorContext, registry: string): string {
  const entry = hasHandoff('push', resolveOption(pushPath, context))
    ? readPushHandoff(pushPath, context).pushed.find((pushed) => pushed.registry === registry)
    : undefined;
  if (!entry) {
    throw new UserError(
      `No published version of this project in ${registry} to promote: run the ${configuredTargetName(context, 'publish')} target (with --registry=${registry}) first, or give --from=<tag or digest>.`,
    );
  }
  return entry.digest;
}
