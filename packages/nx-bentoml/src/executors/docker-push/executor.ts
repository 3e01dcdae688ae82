import { type ExecutorContext, logger } from '@nx/devkit';
import { type DockerClient, createDockerClient } from '../../lib/docker/client';
import { type CredentialSources, resolveRegistryAuth } from '../../lib/docker/credentials';
import { type PushManifest, readImageManifest, writePushManifest } from '../../lib/docker/image-manifest';
import { explainPushError, isTransientPushError } from '../../lib/docker/push-errors';
import { UserError } from '../../lib/errors';
import { resolveOption } from '../../lib/executor-context';
import { assertRegistry } from '../../lib/names';
import { writeOutputDirectory } from '../../lib/outputs';
import { withRetries } from '../../lib/retry';
import { runExecutor } from '../../lib/run-executor';
import type { DockerPushExecutorSchema } from './schema';

export default async function dockerPushExecutor(
  options: DockerPushExecutorSchema,
  context: ExecutorContext,
  docker: DockerClient = createDockerClient(),
  credentials: CredentialSources = {},
) {
  return runExecutor(async () => {
    const image = readImageManifest(resolveOption(options.imagePath, context), context.root);
    const registry = options.registry?.replace(/\/+$/, '');
    if (!registry) {
      throw new UserError(
        `No registry to push ${image.imageName} to. Pass --registry=<host[/path]>, or set "registry" in the options of the docker-push target in project.json.`,
      );
    }
    assertRegistry(registry);
    const auth = await resolveRegistryAuth(registry, { username: options.username, passwordEnv: options.passwordEnv, ...credentials });
    await docker.ping();

    const repository = `${registry}/${image.imageName}`;
    const pushed: PushManifest['pushed'] = [];
    for (const tag of image.tags) {
      const reference = `${repository}:${tag}`;
      await docker.tagImage(image.imageId, repository, tag);
      logger.info(`Pushing ${reference}${auth ? ` as ${auth.username ?? 'token'}` : ''}...`);
      const result = await withRetries(() => docker.pushImage(repository, tag, auth, (line) => logger.info(`  ${line}`)), {
        attempts: options.retries ?? 3,
        isRetryable: (error) => isTransientPushError(error.message),
        onRetry: (error, attempt) => logger.warn(`Push of ${reference} failed (${error.message}); retrying (attempt ${attempt + 1}).`),
      }).catch((error: Error) => {
        throw explainPushError(error.message, reference, registry);
      });
      pushed.push({ reference, tag, digest: result.digest, size: result.size });
      logger.info(`Pushed ${reference}@${result.digest}`);
    }

    await writeOutputDirectory(resolveOption(options.outputPath, context), async (dir) =>
      writePushManifest(dir, { registry, imageName: image.imageName, imageId: image.imageId, pushed }),
    );
    return { success: true };
  });
}
