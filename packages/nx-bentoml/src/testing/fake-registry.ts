import type { RegistryClient } from '../lib/registry/client';
import { type CredentialSources, resolveRegistryAuth } from '../lib/registry/credentials';
import { type TagAnswer, needsImageFacts, stepsFromAnswers } from '../lib/registry/push-plan';

/** What a fake registry holds: the manifest digest under each reference, and each image's labels and platform by digest. */
export interface RegistryContents {
  tags: Map<string, string>;
  labels: Map<string, Record<string, string>>;
  /** linux/amd64 unless a test says otherwise. */
  platforms: Map<string, string>;
  /** The config digest (the engine's image id) of each manifest, where a push recorded it. */
  configs: Map<string, string>;
}

export function registryContents(): RegistryContents {
  return { tags: new Map(), labels: new Map(), platforms: new Map(), configs: new Map() };
}

/**
 * An in-memory registry behind the RegistryClient interface, over `contents` (which fakeDocker's
 * push fills too). Credentials resolve as the real client resolves them, from `credentials`;
 * rule 3 plans with the real planner. Writes are recorded in `calls`.
 */
export function fakeRegistry(
  contents: RegistryContents = registryContents(),
  {
    credentials = {},
    calls = [],
    overrides = {},
  }: { credentials?: CredentialSources; calls?: string[]; overrides?: Partial<RegistryClient> } = {},
) {
  const image = (digest: string) => ({
    digest,
    labels: contents.labels.get(digest) ?? {},
    platform: contents.platforms.get(digest) ?? 'linux/amd64',
  });
  const client: RegistryClient = {
    credentials: (registry, access) =>
      resolveRegistryAuth(registry, {
        ...credentials,
        ...(access.username ? { username: access.username } : {}),
        ...(access.passwordEnv ? { passwordEnv: access.passwordEnv } : {}),
      }),
    planPush: async (repository, target, local) => {
      if (target.force) return stepsFromAnswers(target, local, []);
      const answers = target.tags.map((tag): TagAnswer => {
        const digest = contents.tags.get(`${repository}:${tag}`);
        return digest && needsImageFacts(local, digest) ? { digest, image: image(digest) } : { digest };
      });
      return stepsFromAnswers(target, local, answers);
    },
    imageManifest: async (repository, reference) => {
      const digest = reference.startsWith('sha256:') ? reference : contents.tags.get(`${repository}:${reference}`);
      const held = digest && [...contents.tags].some(([key, value]) => key.startsWith(`${repository}:`) && value === digest);
      return held ? { digest, config: contents.configs.get(digest) ?? digest, blobBytes: 1234 } : undefined;
    },
    pointTag: async (repository, tag, digest) => {
      calls.push(`tag in registry ${repository}:${tag}`);
      contents.tags.set(`${repository}:${tag}`, digest);
      return true;
    },
    listImages: async (repository) => {
      const tagged = [...contents.tags].filter(([reference]) => reference.startsWith(`${repository}:`));
      return {
        images: tagged.map(([reference, digest]) => ({ tag: reference.slice(repository.length + 1), image: image(digest) })),
        unread: [],
      };
    },
    promote: async ({ from, to }) => {
      const digest = from.reference.startsWith('sha256:') ? from.reference : contents.tags.get(`${from.repository}:${from.reference}`);
      if (!digest) throw new Error(`${from.repository} holds no ${from.reference}`);
      from.accept?.(image(digest));
      const changed = contents.tags.get(`${to.repository}:${to.tag}`) !== digest;
      calls.push(`promote ${to.repository}:${to.tag}`);
      contents.tags.set(`${to.repository}:${to.tag}`, digest);
      return { digest, changed, blobs: { present: 0, mounted: 0, uploaded: 0 } };
    },
    ...overrides,
  };
  return { client, calls, ...contents };
}
