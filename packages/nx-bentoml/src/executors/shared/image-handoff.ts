import type { ExecutorContext } from '@nx/devkit';
import { type ImageHandoff, hasHandoff, readHandoff } from '../../lib/chain/handoff-files';
import { UserError } from '../../lib/errors';
import { configuredTargetName } from './configured-targets';
import { resolveOption } from './executor-context';

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
