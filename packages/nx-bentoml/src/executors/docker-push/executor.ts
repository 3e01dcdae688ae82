import { type ExecutorContext, logger } from '@nx/devkit';
import { type ImageHandoff, type PushHandoff, readHandoff, writeHandoff } from '../../lib/chain/handoff-files';
import type { TagStep } from '../../lib/chain/reuse-rules';
import { type DockerClient, createDockerClient } from '../../lib/docker/client';
import { type CredentialSources, type RegistryAuth, resolveRegistryAuth } from '../../lib/docker/credentials';
import { explainPushError, isTransientPushError } from '../../lib/docker/push-errors';
import { resolveOption } from '../shared/executor-context';
import { writeOutputDirectory } from '../../lib/outputs';
import { withRetries } from '../../lib/retry';
import { runExecutor } from '../shared/run-executor';
import { configuredTargetName } from '../shared/configured-targets';
import { type PushedImage, inspectPushedImage, planRegistryPush, pushRegistries } from '../push-plan';
import type { DockerPushExecutorSchema } from './schema';

type PushedTag = PushHandoff['pushed'][number];

/** What every tag's push shares: the engine, the image, the retry policy, and the digests learnt so far. */
interface PushRun {
  docker: DockerClient;
  image: ImageHandoff;
  local: PushedImage;
  options: DockerPushExecutorSchema;
  retryDelayMs?: (attempt: number) => number;
}

export default async function dockerPushExecutor(
  options: DockerPushExecutorSchema,
  context: ExecutorContext,
  docker: DockerClient = createDockerClient(),
  credentials: CredentialSources = {},
  /** The wait before each retry; by default 1 s, doubling. */
  retryDelayMs?: (attempt: number) => number,
) {
  return runExecutor(async () => {
    const containerizeTarget = configuredTargetName(context, 'containerize');
    const image = readHandoff('image', {
      dir: resolveOption(options.imagePath, context),
      workspaceRoot: context.root,
      producer: containerizeTarget,
    });
    const registries = pushRegistries(options, image.imageName, configuredTargetName(context, 'docker-push'));
    await docker.ping();
    const local = await inspectPushedImage(docker, image, containerizeTarget);
    const run: PushRun = { docker, image, local, options, retryDelayMs };

    const pushed: PushedTag[] = [];
    for (const registry of registries) {
      const auth = await resolveRegistryAuth(registry, { username: options.username, passwordEnv: options.passwordEnv, ...credentials });
      pushed.push(...(await pushToRegistry(run, registry, auth)));
    }

    await writeOutputDirectory(resolveOption(options.outputPath, context), async (dir) =>
      writeHandoff('push', dir, { imageName: image.imageName, imageId: image.imageId, imageSizeBytes: local.summary.sizeBytes, pushed }),
    );
    return { success: true };
  });
}

/** Pushes every tag to one registry, as the reuse rules plan it. */
async function pushToRegistry(run: PushRun, registry: string, auth: RegistryAuth | undefined): Promise<PushedTag[]> {
  const repository = `${registry}/${run.image.imageName}`;
  const steps = await planRegistryPush(run.docker, run.local, { repository, tags: run.image.tags, force: run.options.force }, auth);
  const results: PushedTag[] = [];
  for (const step of steps) {
    await run.docker.tagImage(run.image.imageId, repository, step.tag);
    results.push(await carryOut(run, registry, step, auth));
  }
  return results;
}

async function carryOut(run: PushRun, registry: string, step: TagStep, auth: RegistryAuth | undefined): Promise<PushedTag> {
  const repository = `${registry}/${run.image.imageName}`;
  const reference = `${repository}:${step.tag}`;
  if (step.action === 'keep') {
    logger.info(
      `${reference} is up to date (${step.digest}${step.sameInputs ? ', built from the same inputs elsewhere' : ''}); not pushing.`,
    );
    return { registry, reference, tag: step.tag, digest: step.digest, status: 'up-to-date' };
  }
  if (step.action === 'point' && (await run.docker.tagRemoteImage(repository, step.digest, step.tag, auth))) {
    logger.info(`Tagged ${reference} in the registry with the image built from the same inputs elsewhere (${step.digest}).`);
    return { registry, reference, tag: step.tag, digest: step.digest, status: 'pushed' };
  }
  return pushTag(run, registry, step.tag, auth);
}

/** Pushes one tag of the local image, with retries for transient failures. */
async function pushTag(run: PushRun, registry: string, tag: string, auth: RegistryAuth | undefined): Promise<PushedTag> {
  const { docker, image, options } = run;
  const repository = `${registry}/${image.imageName}`;
  const reference = `${repository}:${tag}`;
  logger.info(`Pushing ${reference}${auth?.username ? ` as ${auth.username}` : ''}...`);
  const result = await withRetries(() => docker.pushImage(repository, tag, auth, (line) => logger.info(`  ${line}`)), {
    attempts: options.retries ?? 3,
    isRetryable: (error) => isTransientPushError(error.message),
    onRetry: (error, attempt) => logger.warn(`Push of ${reference} failed (${error.message}); retrying (attempt ${attempt + 1}).`),
    delayMs: run.retryDelayMs,
  }).catch((error: Error) => {
    throw explainPushError(error.message, reference, registry);
  });
  run.local.knownDigests.add(result.digest);
  logger.info(`Pushed ${reference}@${result.digest}`);
  return { registry, reference, tag, digest: result.digest, status: 'pushed' };
}
