import type { ExecutorContext } from '@nx/devkit';
import type { ImageHandoff } from '../lib/chain/handoff-files';
import { buildKeyLabel } from '../lib/chain/image-labels';
import { type LocalImage, type TagStep, matchRegistryImage, planTags } from '../lib/chain/reuse-rules';
import type { DockerClient, ImageSummary } from '../lib/docker/client';
import { type CredentialSources, type RegistryAuth, resolveRegistryAuth } from '../lib/docker/credentials';
import { UserError } from '../lib/errors';
import { registryOption } from '../lib/names';
import { configuredTargetName } from './configured-targets';
import type { DockerPushExecutorSchema } from './docker-push/schema';
import dockerPushSchema from './docker-push/schema.json';

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

/**
 * The docker-push task this task gates, when it runs as the push's dependency (the plugin infers
 * docker-push → smoke-test for projects with a smoke-test.json), with that push's options as Nx
 * resolves them: the target's options, its configuration's, then the command line's, forwarded.
 */
export function gatedPush(context: ExecutorContext): { target: string; options: DockerPushExecutorSchema } | undefined {
  const graph = context.taskGraph;
  const pushTarget = configuredTargetName(context, 'docker-push');
  const self = Object.values(graph?.tasks ?? {}).find(
    (task) => task.target.project === context.projectName && task.target.target === context.targetName,
  );
  const push = Object.values(graph?.tasks ?? {}).find(
    (task) => task.target.project === context.projectName && task.target.target === pushTarget,
  );
  // Nx 23 lists dependencies as task ids, Nx 24 as edges ({ id }).
  const dependsOnSelf = (graph?.dependencies[push?.id ?? ''] ?? []).some(
    (edge: string | { id: string }) => (typeof edge === 'string' ? edge : edge.id) === self?.id,
  );
  if (!self || !push || !dependsOnSelf) return undefined;
  const targetConfig = context.projectsConfigurations?.projects[context.projectName!]?.targets?.[pushTarget];
  const configuration = push.target.configuration ?? targetConfig?.defaultConfiguration;
  const overrides = typedPushOptions(push.overrides);
  delete overrides['__overrides_unparsed__'];
  return {
    target: pushTarget,
    options: { ...targetConfig?.options, ...(configuration ? targetConfig?.configurations?.[configuration] : {}), ...overrides },
  };
}

/**
 * A task's command-line options as docker-push's schema types them. Nx types an executor's own
 * options, but hands another task's overrides as parsed: `--gate=false` is the string "false".
 */
export function typedPushOptions(overrides: Record<string, unknown>): Record<string, unknown> {
  const typed = { ...overrides };
  for (const [name, property] of Object.entries(dockerPushSchema.properties as Record<string, { type: string }>)) {
    const value = typed[name];
    if (typeof value !== 'string') continue;
    if (property.type === 'boolean' && (value === 'true' || value === 'false')) typed[name] = value === 'true';
    if (property.type === 'number' && value.trim() !== '' && Number.isFinite(Number(value))) typed[name] = Number(value);
    if (property.type === 'array') typed[name] = value.split(',').filter(Boolean);
  }
  return typed;
}
