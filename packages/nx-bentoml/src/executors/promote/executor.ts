import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { otherProject, sharedRepositoryError } from '../../lib/chain/project-images';
import { UserError } from '../../lib/errors';
import { assertDockerTag } from '../../lib/names';
import { writeOutputDirectory } from '../../lib/outputs';
import { type RegistryClient, createRegistryClient } from '../../lib/registry/client';
import { isWholeReference, registryOption } from '../../lib/registry/reference';
import { configuredTargetName } from '../shared/configured-targets';
import { resolveOption } from '../shared/executor-context';
import { publishedDigest } from '../shared/handoffs';
import { projectIdentity } from '../shared/project-images';
import { explainRefusals, registryRepository } from '../shared/registry-target';
import { runExecutor } from '../shared/run-executor';
import type { PromoteExecutorSchema } from './schema';

export const promoteFileName = 'promote.json';

/**
 * Points a tag at an exact published version through the registry API (lib/registry/promote.ts):
 * within one registry no layer moves; to another, the blobs it lacks are copied first. Running it
 * again changes nothing.
 */
export default async function promoteExecutor(
  options: PromoteExecutorSchema,
  context: ExecutorContext,
  registryClient: RegistryClient = createRegistryClient(),
) {
  return runExecutor(async () => {
    assertDockerTag(options.to);
    const { registry, imageName, repository } = registryRepository(options, context);
    const targetRegistry = options.toRegistry ? registryOption(options.toRegistry) : registry;
    const target = `${targetRegistry}/${imageName}`;
    const from = options.from ?? publishedDigest(options.pushPath, context, registry);
    const versionsCommand = `nx run ${context.projectName}:${configuredTargetName(context, 'versions')}`;
    if (!isWholeReference(from)) {
      throw new UserError(
        `--from=${from} is not a whole digest: the registry API takes a tag or the full sha256:<64 hex digits>. ${versionsCommand} --json lists them.`,
      );
    }
    const sourceAuth = await registryClient.credentials(registry, options);
    const targetAuth = targetRegistry === registry ? sourceAuth : await registryClient.credentials(targetRegistry, options);
    // Neither the version promoted nor the one the tag holds now may be another project's that shares the
    // repository (the version docker-push recorded is this project's: not read again).
    const ours = await projectIdentity(context);
    const ownedIn = (where: string) => (image: { labels: Record<string, string> }) => {
      const other = otherProject(ours, image.labels);
      if (other) throw sharedRepositoryError(ours, imageName, where, other);
    };
    const {
      digest,
      changed,
      blobs,
      referrers = 0,
    } = await registryClient
      .promote({
        from: { repository, reference: from, auth: sourceAuth, ...(options.from ? { accept: ownedIn(repository) } : {}) },
        to: { repository: target, tag: options.to, auth: targetAuth, accept: ownedIn(target) },
        versionsCommand,
      })
      .catch(explainRefusals(context, options.passwordEnv));

    const result = { from, to: options.to, digest, source: repository, target, changed, blobs, referrers };
    await writeOutputDirectory(resolveOption(options.outputPath, context), async (dir) =>
      writeFileSync(join(dir, promoteFileName), `${JSON.stringify(result, null, 2)}\n`),
    );
    const carried = referrers ? ` ${referrers} referrers (signed statements) carried.` : '';
    logger.info(
      changed
        ? `Promoted ${repository}@${digest} (${from}) to ${target}:${options.to}` +
            (targetRegistry === registry
              ? ': no layer moved.'
              : `: ${blobs.uploaded} blobs copied, ${blobs.mounted} mounted, ${blobs.present} already there.`) +
            carried
        : `${target}:${options.to} already points at ${digest} (${from})${carried ? `;${carried}` : '; nothing to do.'}`,
    );
    return { success: true, digest };
  });
}
