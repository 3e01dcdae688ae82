import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CosignAttestation, ReferrerDescriptor, RegistryClient } from '../lib/registry/client';
import { type CredentialSources, resolveRegistryAuth } from '../lib/registry/credentials';
import { sha256Digest } from '../lib/registry/distribution-api';
import { type TagAnswer, needsImageFacts, stepsFromAnswers } from '../lib/registry/push-plan';
import { referrerManifest } from '../lib/registry/referrers';

/** What a fake registry holds: the manifest digest under each reference, and each image's labels and platform by digest. */
export interface RegistryContents {
  tags: Map<string, string>;
  labels: Map<string, Record<string, string>>;
  /** linux/amd64 unless a test says otherwise. */
  platforms: Map<string, string>;
  /** The config digest (the engine's image id) of each manifest, where a push recorded it. */
  configs: Map<string, string>;
  /** The referrers attached to each subject, under "<repository>@<subject digest>", in the order attached. */
  referrers: Map<string, FakeReferrer[]>;
  /** The layers of each subject's cosign attestation tag, under "<repository>@<subject digest>". */
  cosignAttestations: Map<string, CosignAttestation[]>;
}

/** A referrer as the fake holds it: what the referrers API lists, and its blob. */
export interface FakeReferrer {
  descriptor: ReferrerDescriptor;
  data: Buffer;
}

export function registryContents(): RegistryContents {
  return {
    tags: new Map(),
    labels: new Map(),
    platforms: new Map(),
    configs: new Map(),
    referrers: new Map(),
    cosignAttestations: new Map(),
  };
}

/**
 * An in-memory registry behind the RegistryClient interface, over `contents` (which fakeDocker's
 * push fills too). Credentials resolve as the real client resolves them, from `credentials`
 * (by default none: not the machine's environment or Docker config, which CI fills with the e2e
 * registry's); rule 3 plans with the real planner. Writes are recorded in `calls`.
 */
/** Sources that hold no credentials, whatever this machine's environment and Docker config hold. */
const noCredentials: CredentialSources = { env: { DOCKER_CONFIG: join(tmpdir(), 'nx-bentoml-tests-no-docker-config') } };

export function fakeRegistry(
  contents: RegistryContents = registryContents(),
  {
    credentials = noCredentials,
    calls = [],
    overrides = {},
    referrersApi = false,
  }: {
    credentials?: CredentialSources;
    calls?: string[];
    overrides?: Partial<RegistryClient>;
    /** Whether the registry has the referrers API (as GAR, ECR, GHCR); else attachReferrer answers the tag schema, as distribution 2.8. */
    referrersApi?: boolean;
  } = {},
) {
  const referrersOf = (repository: string, subject: string) => contents.referrers.get(`${repository}@${subject}`) ?? [];
  const cosignOf = (repository: string, subject: string) => contents.cosignAttestations.get(`${repository}@${subject}`) ?? [];
  const addCosign = (repository: string, subject: string, added: CosignAttestation[]) => {
    const held = cosignOf(repository, subject);
    const missing = added.filter((layer) => !held.some((mine) => mine.data.equals(layer.data)));
    if (missing.length) contents.cosignAttestations.set(`${repository}@${subject}`, [...held, ...missing]);
    return missing.length;
  };
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
      // Referrers go along to another repository, as the real promote carries them.
      let referrers = 0;
      if (from.repository !== to.repository) {
        const held = referrersOf(to.repository, digest);
        const missing = referrersOf(from.repository, digest).filter(
          (referrer) => !held.some((mine) => mine.descriptor.digest === referrer.descriptor.digest),
        );
        if (missing.length) contents.referrers.set(`${to.repository}@${digest}`, [...held, ...missing]);
        referrers = missing.length;
        addCosign(to.repository, digest, cosignOf(from.repository, digest));
      }
      return { digest, changed, blobs: { present: 0, mounted: 0, uploaded: 0 }, referrers };
    },
    attachReferrer: async (repository, subjectDigest, artifact) => {
      // The same bytes as the real client's manifest, with a subject of the fake's own (no manifest bytes here).
      const manifest = referrerManifest(
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: subjectDigest, size: 0 },
        artifact,
      );
      const descriptor: ReferrerDescriptor = {
        digest: sha256Digest(manifest),
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: manifest.length,
        artifactType: artifact.artifactType,
        annotations: artifact.annotations ?? {},
      };
      calls.push(`attach ${artifact.artifactType} to ${repository}@${subjectDigest}`);
      const held = referrersOf(repository, subjectDigest);
      if (!held.some((referrer) => referrer.descriptor.digest === descriptor.digest)) {
        contents.referrers.set(`${repository}@${subjectDigest}`, [...held, { descriptor, data: artifact.data }]);
      }
      return { digest: descriptor.digest, via: referrersApi ? 'referrers-api' : 'tag-schema' };
    },
    listReferrers: async (repository, subjectDigest, _auth, artifactType) =>
      referrersOf(repository, subjectDigest)
        .map((referrer) => referrer.descriptor)
        .filter((descriptor) => !artifactType || descriptor.artifactType === artifactType),
    readReferrer: async (repository, referrerDigest) => {
      const referrer = [...contents.referrers]
        .filter(([key]) => key.startsWith(`${repository}@`))
        .flatMap(([, held]) => held)
        .find((held) => held.descriptor.digest === referrerDigest);
      if (!referrer) throw new Error(`${repository} holds no referrer ${referrerDigest}`);
      const { artifactType, annotations } = referrer.descriptor;
      return { artifactType, annotations, data: referrer.data };
    },
    attachCosignAttestations: async (repository, subjectDigest, attestations) => {
      calls.push(`attach ${attestations.length} to ${repository}:${subjectDigest.replace(':', '-')}.att`);
      return addCosign(repository, subjectDigest, attestations);
    },
    listCosignAttestations: async (repository, subjectDigest) =>
      cosignOf(repository, subjectDigest).map(({ data, annotations }) => ({ digest: sha256Digest(data), annotations })),
    readCosignAttestation: async (repository, layerDigest) => {
      const layer = [...contents.cosignAttestations]
        .filter(([key]) => key.startsWith(`${repository}@`))
        .flatMap(([, held]) => held)
        .find((held) => sha256Digest(held.data) === layerDigest);
      if (!layer) throw new Error(`${repository} holds no attestation layer ${layerDigest}`);
      return layer.data;
    },
    ...overrides,
  };
  return { client, calls, ...contents };
}
