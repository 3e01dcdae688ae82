import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import {
  type PublishedVersion,
  compareVersions,
  findVersion,
  formatDifferences,
  formatVersions,
  publishedVersions,
} from '../../lib/chain/published-versions';
import { versionSignatures } from '../../lib/attest/signatures';
import { ownImages } from '../../lib/chain/project-images';
import { UserError } from '../../lib/errors';
import { writeOutputDirectory } from '../../lib/outputs';
import { type RegistryClient, createRegistryClient } from '../../lib/registry/client';
import { resolveOption } from '../shared/executor-context';
import { projectIdentity } from '../shared/project-images';
import { explainRefusals, registryRepository } from '../shared/registry-target';
import { runExecutor } from '../shared/run-executor';
import type { VersionsExecutorSchema } from './schema';

export const versionsFileName = 'versions.json';

/** Lists what the registry holds of this service: each image, its tags and its lineage labels. */
export default async function versionsExecutor(
  options: VersionsExecutorSchema,
  context: ExecutorContext,
  registryClient: RegistryClient = createRegistryClient(),
) {
  return runExecutor(async () => {
    const { registry, repository } = registryRepository(options, context);
    const auth = await registryClient.credentials(registry, options);
    const { images, unread } = await registryClient.listImages(repository, auth).catch(explainRefusals(context, options.passwordEnv));
    if (unread.length > 0) {
      logger.warn(
        `Left out ${unread.length} tag${unread.length > 1 ? 's' : ''} of ${repository} whose image could not be read ` +
          `(a manifest list of several platforms, or a manifest or config the registry refused): ${unread.join(', ')}.`,
      );
    }
    // A repository shared with another project (before docker-push refused that) lists its images too: only ours are versions.
    const { own, others } = ownImages(await projectIdentity(context), images);
    if (others.length > 0) {
      const left = images.length - own.length;
      logger.warn(
        `Left out ${left} tag${left > 1 ? 's' : ''} of ${repository} that hold${left > 1 ? '' : 's'} images of another project (${others.join(', ')}): ` +
          `two projects should not share one repository; set "imageName" in the containerize options of one of them.`,
      );
    }
    const versions = publishedVersions(own);
    const signatures = await versionSignatures(
      registryClient,
      repository,
      versions.map((version) => version.digest),
      auth,
    );
    for (const version of versions) version.signatures = signatures.get(version.digest);

    // The versions to compare are checked before anything is written.
    const comparison = options.compare ? compare(options.compare, versions, repository) : undefined;
    await writeOutputDirectory(resolveOption(options.outputPath, context), async (dir) =>
      writeFileSync(join(dir, versionsFileName), `${JSON.stringify({ repository, versions }, null, 2)}\n`),
    );
    if (comparison) {
      const { a, b, differences } = comparison;
      if (options.json) process.stdout.write(`${JSON.stringify({ repository, a, b, differences }, null, 2)}\n`);
      else logger.info(formatDifferences(a, b, differences));
    } else if (options.json) {
      process.stdout.write(`${JSON.stringify({ repository, versions }, null, 2)}\n`);
    } else {
      logger.info(
        versions.length ? `${repository}: ${versions.length} versions\n${formatVersions(versions)}` : `${repository} holds no image.`,
      );
    }
    return { success: true };
  });
}

function compare(pair: string, versions: PublishedVersion[], repository: string) {
  const [a, b] = pair.split(',').map((reference) => reference.trim());
  if (!a || !b) throw new UserError(`--compare takes two versions as "a,b" (tags or digests), not "${pair}".`);
  return { a, b, differences: compareVersions(findVersion(versions, a, repository), findVersion(versions, b, repository)) };
}
