import type { ImageHandoff } from '../lib/chain/handoff-files';
import { buildKeyLabel } from '../lib/chain/image-labels';
import { type LocalImage, type TagStep, matchRegistryImage, planTags } from '../lib/chain/reuse-rules';
import type { DockerClient, ImageSummary } from '../lib/docker/client';
import { type CredentialSources, type RegistryAuth, resolveRegistryAuth } from '../lib/docker/credentials';
import { UserError } from '../lib/errors';
import { registryOption } from '../lib/names';
import type { DockerPushExecutorSchema } from './docker-push/schema';

/** The local image docker-push publishes, with the digests learnt so far in this run. */
export type PushedImage = LocalImage & { knownDigests: Set<string>; summary: ImageSummary };

/** The image containerize recorded, as the engine holds it now. */
export async function inspectPushedImage(docker: DockerClient, image: ImageHandoff, containerizeTarget: string): Promise<PushedImage> {
  const summary = await docker.inspectImage(image.imageId);
  if (!summary) {
    throw new UserError(
      `The image ${image.imageName} (${image.imageId}) is no longer in the Docker Engine. Run the ${containerizeTarget} target again.`,
    );
  }
  return {
    summary,
    knownDigests: new Set(summary.repoDigests.map((entry) => entry.split('@')[1])),
    buildKey: summary.labels[buildKeyLabel],
    platform: summary.platform,
  };
}

/** `registries` and `registry` together, without duplicates; at least one is required. */
export function pushRegistries(options: Pick<DockerPushExecutorSchema, 'registry' | 'registries'>, imageName: string, pushTarget: string) {
  const registries = [...new Set([...(options.registries ?? []), ...(options.registry ? [options.registry] : [])].map(registryOption))];
  if (registries.length === 0) {
    throw new UserError(
      `No registry to push ${imageName} to. Pass --registry=<host[/path]>, or set "registry" (or "registries") in the options of the ${pushTarget} target in project.json.`,
    );
  }
  return registries;
}

/** What docker-push will do with each tag in one registry, as the reuse rules (lib/chain/reuse-rules.ts) decide it. */
export async function planRegistryPush(
  docker: DockerClient,
  local: PushedImage,
  target: { repository: string; tags: string[]; force?: boolean },
  auth: RegistryAuth | undefined,
): Promise<TagStep[]> {
  const matches = [];
  for (const tag of target.tags) {
    const reference = `${target.repository}:${tag}`;
    matches.push(
      target.force
        ? undefined
        : await matchRegistryImage(local, {
            // Only an optimisation: a registry that cannot answer (403 for push-only credentials, 503...) gets the push, which reports what is wrong.
            digest: () => docker.registryDigest(reference, auth).catch(() => undefined),
            image: async () => {
              const remote = await docker.remoteImage(reference, auth);
              return remote && { digest: remote.digest, buildKey: remote.labels[buildKeyLabel], platform: remote.platform };
            },
          }),
    );
  }
  return planTags(target.tags, matches);
}

/** True when docker-push, run with these options, would push or point at least one tag. */
export async function wouldPush(
  docker: DockerClient,
  image: ImageHandoff,
  push: { target: string; options: DockerPushExecutorSchema },
  containerizeTarget: string,
  credentials: CredentialSources = {},
): Promise<boolean> {
  const registries = pushRegistries(push.options, image.imageName, push.target);
  if (push.options.force) return true;
  const local = await inspectPushedImage(docker, image, containerizeTarget);
  for (const registry of registries) {
    const auth = await resolveRegistryAuth(registry, {
      username: push.options.username,
      passwordEnv: push.options.passwordEnv,
      ...credentials,
    });
    const steps = await planRegistryPush(docker, local, { repository: `${registry}/${image.imageName}`, tags: image.tags }, auth);
    if (steps.some((step) => step.action !== 'keep')) return true;
  }
  return false;
}
