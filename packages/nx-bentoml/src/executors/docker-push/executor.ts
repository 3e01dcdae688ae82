import { type ExecutorContext, logger } from '@nx/devkit';
import { type DockerClient, type ImageSummary, createDockerClient } from '../../lib/docker/client';
import { type CredentialSources, type RegistryAuth, resolveRegistryAuth } from '../../lib/docker/credentials';
import { type ImageManifest, type PushManifest, readImageManifest, writePushManifest } from '../../lib/docker/image-manifest';
import { buildKeyLabel } from '../../lib/docker/image-labels';
import { explainPushError, isTransientPushError } from '../../lib/docker/push-errors';
import { UserError } from '../../lib/errors';
import { resolveOption } from '../../lib/executor-context';
import { assertRegistry } from '../../lib/names';
import { writeOutputDirectory } from '../../lib/outputs';
import { withRetries } from '../../lib/retry';
import { runExecutor } from '../../lib/run-executor';
import type { DockerPushExecutorSchema } from './schema';

type PushedTag = PushManifest['pushed'][number];

/** How one tag is pushed: the engine, the image, the digests it is known by, and the retry policy. */
interface PushPlan {
  docker: DockerClient;
  image: ImageManifest;
  /**
   * Manifest digests of this image: from its RepoDigests and from this run's pushes. A digest names
   * the manifest, which names the image's config and layers, so a registry tag with one of these
   * digests holds this very image, whichever repository the digest was first seen in.
   */
  knownDigests: Set<string>;
  /** The local image's build key label: a registry image with the same key was built from the same inputs. */
  buildKey: string | undefined;
  /** The local image's platform: a same-inputs image built for another CPU is no substitute. */
  platform: string;
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
    const image = readImageManifest(resolveOption(options.imagePath, context), context.root);
    const registries = targetRegistries(options, image.imageName);
    await docker.ping();
    const local = await inspectLocalImage(docker, image);
    const knownDigests = new Set(local.repoDigests.map((entry) => entry.split('@')[1]));
    const plan: PushPlan = {
      docker,
      image,
      knownDigests,
      buildKey: local.labels[buildKeyLabel],
      platform: local.platform,
      options,
      retryDelayMs,
    };

    const pushed: PushedTag[] = [];
    for (const registry of registries) {
      const auth = await resolveRegistryAuth(registry, { username: options.username, passwordEnv: options.passwordEnv, ...credentials });
      pushed.push(...(await pushToRegistry(plan, registry, auth)));
    }

    await writeOutputDirectory(resolveOption(options.outputPath, context), async (dir) =>
      writePushManifest(dir, { imageName: image.imageName, imageId: image.imageId, imageSizeBytes: local.sizeBytes, pushed }),
    );
    return { success: true };
  });
}

async function inspectLocalImage(docker: DockerClient, image: ImageManifest): Promise<ImageSummary> {
  const local = await docker.inspectImage(image.imageId);
  if (!local)
    throw new UserError(
      `The image ${image.imageName} (${image.imageId}) is no longer in the Docker Engine. Run the containerize target again.`,
    );
  return local;
}

/** `registries` and `registry` together, without duplicates; at least one is required. */
function targetRegistries(options: DockerPushExecutorSchema, imageName: string): string[] {
  const registries = [
    ...new Set([...(options.registries ?? []), ...(options.registry ? [options.registry] : [])].map((r) => r.replace(/\/+$/, ''))),
  ];
  if (registries.length === 0) {
    throw new UserError(
      `No registry to push ${imageName} to. Pass --registry=<host[/path]>, or set "registry" (or "registries") in the options of the docker-push target in project.json.`,
    );
  }
  registries.forEach(assertRegistry);
  return registries;
}

/**
 * The registry's digest for the reference when it already holds this very image, or an image
 * with the same build key: built from the same Bento and options on another machine (a CI runner
 * whose Bento came from the Nx remote cache), whose rebuilt image differs only by build time.
 * Keeping the registry's image keeps one digest per Bento.
 */
async function upToDateRemoteDigest(plan: PushPlan, reference: string, auth: RegistryAuth | undefined) {
  // Only an optimisation: a registry that cannot answer (403 for push-only credentials, 503...) gets the push, which reports what is wrong.
  const remote = await plan.docker.registryDigest(reference, auth).catch(() => undefined);
  if (!remote) return undefined;
  if (plan.knownDigests.has(remote)) return { digest: remote, sameInputs: false };
  if (!plan.buildKey) return undefined;
  const image = await plan.docker.remoteImage(reference, auth);
  const sameInputs = image?.digest === remote && image.labels[buildKeyLabel] === plan.buildKey && image.platform === plan.platform;
  return sameInputs ? { digest: remote, sameInputs } : undefined;
}

/**
 * Pushes every tag to one registry. Tags the registry already holds with this image, or with one
 * built from the same inputs elsewhere, are left alone; when such an image exists, the other tags
 * are pointed at it in the registry rather than pushed, so every tag names one digest.
 */
async function pushToRegistry(plan: PushPlan, registry: string, auth: RegistryAuth | undefined): Promise<PushedTag[]> {
  const repository = `${registry}/${plan.image.imageName}`;
  const remote = [];
  for (const tag of plan.image.tags)
    remote.push(plan.options.force ? undefined : await upToDateRemoteDigest(plan, `${repository}:${tag}`, auth));
  const builtElsewhere = remote.find((entry) => entry?.sameInputs)?.digest;

  const results: PushedTag[] = [];
  for (const [index, tag] of plan.image.tags.entries()) {
    const reference = `${repository}:${tag}`;
    const upToDate = remote[index];
    await plan.docker.tagImage(plan.image.imageId, repository, tag);
    if (upToDate) {
      logger.info(
        `${reference} is up to date (${upToDate.digest}${upToDate.sameInputs ? ', built from the same inputs elsewhere' : ''}); not pushing.`,
      );
      results.push({ registry, reference, tag, digest: upToDate.digest, status: 'up-to-date' });
    } else if (builtElsewhere && (await plan.docker.tagRemoteImage(repository, builtElsewhere, tag, auth))) {
      logger.info(`Tagged ${reference} in the registry with the image built from the same inputs elsewhere (${builtElsewhere}).`);
      results.push({ registry, reference, tag, digest: builtElsewhere, status: 'pushed' });
    } else {
      results.push(await pushTag(plan, registry, tag, auth));
    }
  }
  return results;
}

/** Pushes one tag of the local image, with retries for transient failures. */
async function pushTag(plan: PushPlan, registry: string, tag: string, auth: RegistryAuth | undefined): Promise<PushedTag> {
  const { docker, image, options } = plan;
  const repository = `${registry}/${image.imageName}`;
  const reference = `${repository}:${tag}`;
  logger.info(`Pushing ${reference}${auth?.username ? ` as ${auth.username}` : ''}...`);
  const result = await withRetries(() => docker.pushImage(repository, tag, auth, (line) => logger.info(`  ${line}`)), {
    attempts: options.retries ?? 3,
    isRetryable: (error) => isTransientPushError(error.message),
    onRetry: (error, attempt) => logger.warn(`Push of ${reference} failed (${error.message}); retrying (attempt ${attempt + 1}).`),
    delayMs: plan.retryDelayMs,
  }).catch((error: Error) => {
    throw explainPushError(error.message, reference, registry);
  });
  plan.knownDigests.add(result.digest);
  logger.info(`Pushed ${reference}@${result.digest}`);
  return { registry, reference, tag, digest: result.digest, status: 'pushed' };
}
