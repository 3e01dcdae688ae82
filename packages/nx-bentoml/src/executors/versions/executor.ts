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
} from '../../lib/chain/versions';
import { type CredentialSources, resolveRegistryAuth } from '../../lib/docker/credentials';
import { RegistryReadError, listTags, readRemoteImage } from '../../lib/docker/registry-api';
import { UserError } from '../../lib/errors';
import { resolveOption } from '../shared/executor-context';
import { writeOutputDirectory } from '../../lib/outputs';
import { runExecutor } from '../shared/run-executor';
import { explainRegistryError, registryRepository } from '../registry-target';
import type { VersionsExecutorSchema } from './schema';

export const versionsFileName = 'versions.json';

/** Lists what the registry holds of this service: each image, its tags and its lineage labels. */
export default async function versionsExecutor(
  options: VersionsExecutorSchema,
  context: ExecutorContext,
  credentials: CredentialSources = {},
  fetchImpl: typeof fetch = fetch,
) {
  return runExecutor(async () => {
    const { registry, repository } = registryRepository(options, context);
    const auth = await resolveRegistryAuth(registry, { username: options.username, passwordEnv: options.passwordEnv, ...credentials });

    const tags = await listTags(repository, auth, fetchImpl).catch((error: unknown) => {
      throw error instanceof RegistryReadError ? explainRegistryError(error, repository, context, options.passwordEnv) : error;
    });
    const tagged = [];
    const unread: string[] = [];
    for (const tag of tags) {
      const image = await readRemoteImage(`${repository}:${tag}`, auth, fetchImpl);
      if (image) tagged.push({ tag, image });
      else unread.push(tag);
    }
    if (unread.length > 0) {
      logger.warn(
        `Left out ${unread.length} tag${unread.length > 1 ? 's' : ''} of ${repository} whose image could not be read ` +
          `(a manifest list of several platforms, or a manifest or config the registry refused): ${unread.join(', ')}.`,
      );
    }
    const versions = publishedVersions(tagged);

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
