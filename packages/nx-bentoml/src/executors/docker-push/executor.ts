import { type ExecutorContext, logger } from '@nx/devkit';
import { type DockerClient, createDockerClient } from '../../lib/docker/client';
import { type CredentialSources, type RegistryAuth, resolveRegistryAuth } from '../../lib/docker/credentials';
import { type ImageManifest, type PushManifest, readImageManifest, writePushManifest } from '../../lib/docker/image-manifest';
import { explainPushError, isTransientPushError } from '../../lib/docker/push-errors';
import { UserError } from '../../lib/errors';
import { resolveOption } from '../../lib/executor-context';
import { assertRegistry } from '../../lib/names';
import { writeOutputDirectory } from '../../lib/outputs';
import { withRetries } from '../../lib/retry';
import { runExecutor } from '../../lib/run-executor';
import type { DockerPushExecutorSchema } from './schema';

type PushedTag = PushManifest['pushed'][number];

export default async function dockerPushExecutor(
  options: DockerPushExecutorSchema,
  context: ExecutorContext,
  docker: DockerClient = createDockerClient(),
  credentials: CredentialSources = {},
) {
  return runExecutor(async () => {
    const image = readImageManifest(resolveOption(options.imagePath, context), context.root);
    const registries = targetRegistries(options, image.imageName);
    await docker.ping();

    const pushed: PushedTag[] = [];
    for (const registry of registries) {
      const auth = await resolveRegistryAuth(registry, { username: options.username, passwordEnv: options.passwordEnv, ...credentials });
      for (const tag of image.tags) pushed.push(await pushTag(docker, image, registry, tag, auth, options));
    }
    const imageSizeBytes = (await docker.inspectImage(image.imageId))?.sizeBytes ?? 0;

    await writeOutputDirectory(resolveOption(options.outputPath, context), async (dir) =>
      writePushManifest(dir, { imageName: image.imageName, imageId: image.imageId, imageSizeBytes, pushed }),
    );
    return { success: true };
  });
}

/** `registries` and `registry` together, without duplicates; at least one is required. */
function targetRegistries(options: DockerPushExecutorSchema, imageName: string): string[] {
  const registries = [...new Set([...(options.registries ?? []), ...(options.registry ? [options.registry] : [])].map((r) => r.replace(/\/+$/, '')))];
  if (registries.length === 0) {
    throw new UserError(
      `No registry to push ${imageName} to. Pass --registry=<host[/path]>, or set "registry" (or "registries") in the options of the docker-push target in project.json.`,
    );
  }
  registries.forEach(assertRegistry);
  return registries;
}

/** Pushes one tag, unless the registry already holds this very image under it (and force is off). */
async function pushTag(docker: DockerClient, image: ImageManifest, registry: string, tag: string, auth: RegistryAuth | undefined, options: DockerPushExecutorSchema): Promise<PushedTag> {
  const repository = `${registry}/${image.imageName}`;
  const reference = `${repository}:${tag}`;
  await docker.tagImage(image.imageId, repository, tag);

  if (!options.force) {
    const local = (await docker.inspectImage(image.imageId))?.repoDigests.find((entry) => entry.startsWith(`${repository}@`))?.split('@')[1];
    const remote = local ? await docker.registryDigest(reference, auth) : undefined;
    if (local && remote === local) {
      logger.info(`${reference} is up to date (${remote}); not pushing.`);
      return { registry, reference, tag, digest: remote, status: 'up-to-date' };
    }
  }

  logger.info(`Pushing ${reference}${auth?.username ? ` as ${auth.username}` : ''}...`);
  const result = await withRetries(() => docker.pushImage(repository, tag, auth, (line) => logger.info(`  ${line}`)), {
    attempts: options.retries ?? 3,
    isRetryable: (error) => isTransientPushError(error.message),
    onRetry: (error, attempt) => logger.warn(`Push of ${reference} failed (${error.message}); retrying (attempt ${attempt + 1}).`),
  }).catch((error: Error) => {
    throw explainPushError(error.message, reference, registry);
  });
  logger.info(`Pushed ${reference}@${result.digest}`);
  return { registry, reference, tag, digest: result.digest, status: 'pushed' };
}
