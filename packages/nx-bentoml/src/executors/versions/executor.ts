import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { hasHandoff, readHandoff } from '../../lib/chain/handoff-files';
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
import { resolveOption } from '../../lib/executor-context';
import { assertRegistry } from '../../lib/names';
import { writeOutputDirectory } from '../../lib/outputs';
import { runExecutor } from '../../lib/run-executor';
import { configuredTargetName } from '../configured-targets';
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
    const imageName = options.imageName ?? imageNameOf(options, context);
    const registry = registryOf(options, context).replace(/\/+$/, '');
    assertRegistry(registry);
    const repository = `${registry}/${imageName}`;
    const auth = await resolveRegistryAuth(registry, { username: options.username, passwordEnv: options.passwordEnv, ...credentials });

    const tags = await listTags(repository, auth, fetchImpl).catch((error: unknown) => {
      throw error instanceof RegistryReadError ? registryReadError(error, repository, context) : error;
    });
    const tagged = [];
    for (const tag of tags) {
      const image = await readRemoteImage(`${repository}:${tag}`, auth, fetchImpl);
      if (image) tagged.push({ tag, image });
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

function imageNameOf(options: VersionsExecutorSchema, context: ExecutorContext): string {
  const dir = resolveOption(options.imagePath, context);
  const containerize = configuredTargetName(context, 'containerize');
  if (!hasHandoff('image', dir)) {
    throw new UserError(
      `No image name to look up: pass --imageName=<name>, or run the ${containerize} target once so that it records the image's name.`,
    );
  }
  return readHandoff('image', { dir, workspaceRoot: context.root, producer: containerize }).imageName;
}

/** The registry option, else the first registry the docker-push target publishes to. */
function registryOf(options: VersionsExecutorSchema, context: ExecutorContext): string {
  if (options.registry) return options.registry;
  const push = configuredTargetName(context, 'docker-push');
  const pushOptions = context.projectsConfigurations?.projects[context.projectName!]?.targets?.[push]?.options ?? {};
  const registry = pushOptions.registry ?? pushOptions.registries?.[0];
  if (typeof registry === 'string' && registry) return registry;
  throw new UserError(
    `No registry to list: pass --registry=<host[/path]>, or set "registry" in the options of the ${push} target in project.json.`,
  );
}

function registryReadError(error: RegistryReadError, repository: string, context: ExecutorContext): UserError {
  if (error.status === 404) {
    return new UserError(
      `${repository} does not exist in the registry: nothing was published under this name. Publish first (nx run ${context.projectName}:${configuredTargetName(context, 'publish')} --registry=...), or check the registry and image name.`,
    );
  }
  if (error.status === 401 || error.status === 403) {
    return new UserError(
      `The registry refused to list ${repository} (HTTP ${error.status}): the credentials are missing or lack read access. ` +
        `Log in with docker login, or set NX_BENTOML_REGISTRY_USERNAME and NX_BENTOML_REGISTRY_PASSWORD, then run again.`,
    );
  }
  return new UserError(`The registry could not list ${repository} (HTTP ${error.status}). Try again, or check the registry's state.`);
}
