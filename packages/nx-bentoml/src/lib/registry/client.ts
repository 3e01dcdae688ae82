import { ZodError } from 'zod';
import { outboundFetch } from '../http/outbound-fetch';
import { type CredentialSources, type RegistryAccess, type RegistryAuth, resolveRegistryAuth } from './credentials';
import { type RemoteImage, imageManifestTypes, listTags, putManifest, readImage, readManifest } from './distribution-api';
import { RegistryRefusal } from './errors';
import { type PromoteRequest, type Promotion, promoteManifest } from './promote';
import { type ReferrerArtifact, type ReferrerDescriptor, attachReferrer, isReferrersTag, listReferrers, readReferrer } from './referrers';
import {
  type CosignAttestation,
  type CosignLayer,
  addCosignAttestations,
  isCosignTag,
  listCosignAttestations,
  readCosignAttestation,
} from './cosign-attestations';
import { type LocalImage, type TagAnswer, type TagStep, needsImageFacts, stepsFromAnswers } from './push-plan';
import { repositoryApi } from './reference';
import { type Fetch, type RegistrySession, registrySession } from './session';

export type { ReferrerArtifact, ReferrerDescriptor } from './referrers';
export type { CosignAttestation, CosignLayer } from './cosign-attestations';

/**
 * Everything nx-bentoml asks of a registry, over the Distribution API (the Engine's push aside,
 * which DockerClient makes). A repository is named as the user does: "127.0.0.1:5000/team/app".
 * Refusals throw RegistryRefusal; explainRefusal (errors.ts) says them to the user.
 */
export interface RegistryClient {
  /** The credentials for a registry: the options' username and password variable, else Docker's config (docker login). */
  credentials(registry: string, access: RegistryAccess): Promise<RegistryAuth | undefined>;
  /** Reuse rule 3 (push-plan.ts) for one repository: what to do with each tag, from what the registry holds under them. */
  planPush(
    repository: string,
    target: { tags: string[]; force?: boolean },
    local: LocalImage,
    auth: RegistryAuth | undefined,
  ): Promise<TagStep[]>;
  /** The image manifest a tag or digest names (its digest, config blob and stored size); undefined when there is none or it is a manifest list. */
  imageManifest(
    repository: string,
    reference: string,
    auth: RegistryAuth | undefined,
  ): Promise<{ digest: string; config: string; blobBytes: number } | undefined>;
  /** Points repository:tag at an image manifest the repository holds, by writing its bytes under the tag; false when it will not. */
  pointTag(repository: string, tag: string, digest: string, auth: RegistryAuth | undefined): Promise<boolean>;
  /**
   * Every tag of a repository with its image; `unread`, the tags that hold no single image this client can read (a manifest list).
   * The referrers tag schema's tags (sha256-<hex>) and cosign's (sha256-<hex>.att, .sig, .sbom) are neither: they hold a version's signed statements.
   */
  listImages(
    repository: string,
    auth: RegistryAuth | undefined,
  ): Promise<{ images: Array<{ tag: string; image: RemoteImage }>; unread: string[] }>;
  /** Points a tag at an exact version, copying what another repository lacks, its referrers included (promote.ts). */
  promote(request: PromoteRequest): Promise<Promotion>;
  /**
   * Attaches an artifact to the image manifest `subjectDigest` as an OCI 1.1 referrer (referrers.ts): by the
   * registry's referrers API where it has one, else in the referrers tag schema's index. Attaching the same
   * artifact again changes nothing. A registry that stores no OCI artifacts gets a UserError.
   */
  attachReferrer(
    repository: string,
    subjectDigest: string,
    artifact: ReferrerArtifact,
    auth: RegistryAuth | undefined,
  ): Promise<{ digest: string; via: 'referrers-api' | 'tag-schema' }>;
  /** The referrers of `subjectDigest` (of one artifact type, if given); none is an empty list. */
  listReferrers(
    repository: string,
    subjectDigest: string,
    auth: RegistryAuth | undefined,
    artifactType?: string,
  ): Promise<ReferrerDescriptor[]>;
  /** A referrer's artifact type, annotations and the bytes of its blob (a few MiB at most: a larger one throws BlobRejected). */
  readReferrer(
    repository: string,
    referrerDigest: string,
    auth: RegistryAuth | undefined,
  ): Promise<{ artifactType: string; annotations: Record<string, string>; data: Buffer }>;
  /**
   * Adds DSSE envelopes to the image's cosign attestation tag (sha256-<hex>.att, cosign-attestations.ts),
   * where cosign verify-attestation and admission controllers read them; ones it holds are left. Answers how many it added.
   */
  attachCosignAttestations(
    repository: string,
    subjectDigest: string,
    attestations: CosignAttestation[],
    auth: RegistryAuth | undefined,
  ): Promise<number>;
  /** The layers of the image's cosign attestation tag; none is an empty list. */
  listCosignAttestations(repository: string, subjectDigest: string, auth: RegistryAuth | undefined): Promise<CosignLayer[]>;
  /** One layer's bytes from the cosign attestation tag. */
  readCosignAttestation(repository: string, layerDigest: string, auth: RegistryAuth | undefined): Promise<Buffer>;
}

export function createRegistryClient({ fetch: injected, ...sources }: CredentialSources & { fetch?: Fetch } = {}): RegistryClient {
  // The environment that names the credentials names the proxy too (HTTP_PROXY, HTTPS_PROXY, NO_PROXY).
  const fetchImpl = injected ?? outboundFetch(sources.env);
  return {
    credentials: (registry, access) => resolveRegistryAuth(registry, { ...sources, ...definedOnly(access) }),

    async planPush(repository, target, local, auth) {
      // Forced, the registry is asked only whose images its tags hold, where an owner is given.
      if (target.force && !local.owns) return stepsFromAnswers(target, local, []);
      const session = registrySession(auth, fetchImpl);
      const answers: Array<TagAnswer | undefined> = [];
      for (const tag of target.tags) {
        // Forced, the read only asks whose image a tag holds: a registry that will not say gets the push, which explains it.
        const answer = answerTag(session, repository, tag, local, auth);
        answers.push(await (target.force ? answer.catch(() => undefined) : answer));
      }
      return stepsFromAnswers(target, local, answers);
    },

    async imageManifest(repository, reference, auth) {
      const manifest = await readManifest(registrySession(auth, fetchImpl), repositoryApi(repository), reference);
      if (!manifest?.config || !imageManifestTypes.includes(manifest.contentType)) return undefined;
      return { digest: manifest.digest, config: manifest.config, blobBytes: manifest.blobBytes };
    },

    async pointTag(repository, tag, digest, auth) {
      // One session: the pull token it gets is answered again with push scope for the PUT.
      const session = registrySession(auth, fetchImpl);
      const api = repositoryApi(repository);
      try {
        const manifest = await readManifest(session, api, digest);
        if (!manifest || !imageManifestTypes.includes(manifest.contentType)) return false;
        return (await putManifest(session, api, tag, manifest)) === digest;
      } catch {
        // Pointing only spares the upload: the push that follows instead meets the same refusal and explains it,
        // or retries what the network caused.
        return false;
      }
    },

    async listImages(repository, auth) {
      const session = registrySession(auth, fetchImpl);
      const api = repositoryApi(repository);
      const images: Array<{ tag: string; image: RemoteImage }> = [];
      const unread: string[] = [];
      // A referrers tag schema index (sha256-<hex>) or cosign's tags (sha256-<hex>.att) hold a version's statements; they are none themselves.
      for (const tag of (await listTags(session, api)).filter((tag) => !isReferrersTag(tag) && !isCosignTag(tag))) {
        const image = await readTagImage(session, repository, tag).catch((error: unknown) => {
          // The tag list was readable, so a refusal here concerns this tag alone (a manifest or config the registry
          // will not serve, or one that is not an image's: another tool's artifact); its tag is reported as left out.
          // Credentials refused (401, 403) are no such case.
          if (error instanceof RegistryRefusal && ![401, 403].includes(error.status)) return undefined;
          if (error instanceof SyntaxError || error instanceof ZodError) return undefined;
          throw error;
        });
        if (image) images.push({ tag, image });
        else unread.push(tag);
      }
      return { images, unread };
    },

    promote: (request) => promoteManifest(request, fetchImpl),

    attachReferrer: (repository, subjectDigest, artifact, auth) =>
      attachReferrer(side(repository, auth, fetchImpl), subjectDigest, artifact),

    listReferrers: (repository, subjectDigest, auth, artifactType) =>
      listReferrers(side(repository, auth, fetchImpl), subjectDigest, artifactType),

    readReferrer: (repository, referrerDigest, auth) => readReferrer(side(repository, auth, fetchImpl), referrerDigest),

    attachCosignAttestations: (repository, subjectDigest, attestations, auth) =>
      addCosignAttestations(side(repository, auth, fetchImpl), subjectDigest, attestations, 'attach'),

    listCosignAttestations: (repository, subjectDigest, auth) => listCosignAttestations(side(repository, auth, fetchImpl), subjectDigest),

    readCosignAttestation: (repository, layerDigest, auth) => readCosignAttestation(side(repository, auth, fetchImpl), layerDigest),
  };
}

/** One repository through one session. */
function side(repository: string, auth: RegistryAuth | undefined, fetchImpl: Fetch) {
  return { session: registrySession(auth, fetchImpl), api: repositoryApi(repository) };
}

async function readTagImage(session: RegistrySession, repository: string, tag: string): Promise<RemoteImage | undefined> {
  const api = repositoryApi(repository);
  const manifest = await readManifest(session, api, tag);
  return manifest && readImage(session, api, manifest);
}

/** What the registry holds under one tag, as far as rule 3 asks (the image config only where it compares a build key). */
async function answerTag(
  session: RegistrySession,
  repository: string,
  tag: string,
  local: LocalImage,
  auth: RegistryAuth | undefined,
): Promise<TagAnswer | undefined> {
  const api = repositoryApi(repository);
  try {
    const manifest = await readManifest(session, api, tag);
    if (!manifest || !needsImageFacts(local, manifest.digest)) return { digest: manifest?.digest };
    const image = await readImage(session, api, manifest);
    return { digest: manifest.digest, ...(image ? { image } : {}) };
  } catch (error) {
    // A 401 is not "no such tag": the push would be refused alike, so it is explained now. Except for an identity
    // token (a credential helper's OAuth refresh token), which the Engine exchanges and this client does not, and
    // a token short of the pull scope (push-only robot accounts: "insufficient_scope"), whose push may well pass.
    if (
      error instanceof RegistryRefusal &&
      error.status === 401 &&
      !auth?.identitytoken &&
      !/insufficient_scope/i.test(error.challenge ?? '')
    )
      throw error;
    // Otherwise asking is only an optimisation: a registry that will not say what it holds (403 for push-only
    // credentials, 5xx, the network) gets the push, which reports what is wrong, with retries for transient failures.
    return undefined;
  }
}

/** The two options that choose credentials; one left unset must not hide the sources' own. */
function definedOnly({ username, passwordEnv }: RegistryAccess): RegistryAccess {
  return { ...(username ? { username } : {}), ...(passwordEnv ? { passwordEnv } : {}) };
}
