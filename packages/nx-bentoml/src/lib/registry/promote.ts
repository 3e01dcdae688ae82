import { UserError } from '../errors';
import type { RegistryAuth } from './credentials';
import {
  type BlobCopy,
  type RemoteImage,
  type StoredManifest,
  copyImageContents,
  listTags,
  putManifest,
  readImage,
  readManifest,
} from './distribution-api';
import { RegistryRefusal } from './errors';
import { carryReferrers, isReferrersTag } from './referrers';
import { carryCosignAttestations, isCosignTag } from './cosign-attestations';
import { repositoryApi } from './reference';
import { type Fetch, registrySession } from './session';

export interface PromoteRequest {
  from: {
    repository: string;
    reference: string;
    auth: RegistryAuth | undefined;
    /** Throws to refuse the image the reference names, before anything is written (read only when given; not for a manifest list). */
    accept?: (image: RemoteImage) => void;
  };
  to: {
    repository: string;
    tag: string;
    auth: RegistryAuth | undefined;
    /** Throws to refuse moving the tag off the image it holds now, before anything is written (read only when given). */
    accept?: (image: RemoteImage) => void;
  };
  /** The command that lists a repository's versions, for messages: "nx run classifier:versions". */
  versionsCommand: string;
}

export interface Promotion {
  digest: string;
  /** False when the tag already pointed at the version: nothing was written. */
  changed: boolean;
  blobs: BlobCopy;
  /** How many referrers of the digest (its signed statements) were copied to the target; none within one repository. */
  referrers?: number;
}

/**
 * Points a tag at an exact version: within one registry the manifest's own bytes are written
 * under the tag, so the digest is the same and no layer moves; to another repository the blobs it
 * lacks are copied (or mounted) first, and the referrers of the digest (its signed statements) with
 * them (referrers.ts). The tag is read back after the write, so that of two
 * promotes of one tag at once, the one overwritten does not report success.
 */
export async function promoteManifest({ from, to, versionsCommand }: PromoteRequest, fetchImpl: Fetch): Promise<Promotion> {
  const source = { session: registrySession(from.auth, fetchImpl), api: repositoryApi(from.repository) };
  const target = { session: registrySession(to.auth, fetchImpl), api: repositoryApi(to.repository) };
  const manifest = await readManifest(source.session, source.api, from.reference);
  if (!manifest) {
    // Only to name the tags in the message: a refusal to list them must not replace "no such version".
    const tags = (await listTags(source.session, source.api).catch(() => [])).filter((tag) => !isReferrersTag(tag) && !isCosignTag(tag));
    throw new UserError(
      `${from.repository} holds no version ${from.reference}${tags.length ? ` (its tags: ${tags.join(', ')})` : ''}. ` +
        `Give --from a tag or digest (sha256:…) that it holds; ${versionsCommand} lists them.`,
    );
  }
  if (from.accept) {
    const image = await readImage(source.session, source.api, manifest);
    if (image) from.accept(image);
  }
  const blobs: BlobCopy = { present: manifest.blobs.length, mounted: 0, uploaded: 0 };
  const sameRepository = from.repository === to.repository;
  // A repository's referrers are its own: another repository gets copies of those it lacks, even when
  // the tag is already in place (the image may have been promoted before it was signed).
  const carry = async () => {
    if (sameRepository) return 0;
    const referrers = await carryReferrers(source, target, manifest.digest);
    // The same envelopes under cosign's attestation tag, for the admission controllers that read it.
    await carryCosignAttestations(source, target, manifest.digest);
    return referrers;
  };
  const current = await readManifest(target.session, target.api, to.tag);
  if (current?.digest === manifest.digest) return { digest: manifest.digest, changed: false, blobs, referrers: await carry() };
  if (current && to.accept) {
    const image = await readImage(target.session, target.api, current);
    if (image) to.accept(image);
  }

  const copied = sameRepository ? blobs : await copyImageContents(source, target, manifest);
  // Before the tag: a promote that fails here leaves the tag where it was, not on an image without its statements.
  const referrers = await carry();
  const digest = await putManifest(target.session, target.api, to.tag, manifest).catch((error: unknown) => {
    throw error instanceof RegistryRefusal && [400, 415].includes(error.status)
      ? refusedManifest(error, to.repository, manifest, versionsCommand)
      : error;
  });
  if ((digest ?? manifest.digest) !== manifest.digest) {
    throw new UserError(
      `${to.repository} stored the manifest under ${digest}, not ${manifest.digest}: the registry rewrote it. Nothing else was changed.`,
    );
  }
  const now = await readManifest(target.session, target.api, to.tag);
  if (now?.digest !== manifest.digest) {
    throw new UserError(
      `${to.repository}:${to.tag} points at ${now?.digest ?? 'nothing'}, not ${manifest.digest}, right after this promote wrote it: ` +
        `another promote or push of ${to.tag} wrote after it. Check with ${versionsCommand}, then promote again the version ${to.tag} should hold.`,
    );
  }
  return { digest: manifest.digest, changed: true, blobs: copied, referrers };
}

/** A registry answers 400 (MANIFEST_INVALID) or 415 to a manifest type it does not store. */
function refusedManifest(error: RegistryRefusal, target: string, manifest: StoredManifest, versionsCommand: string): UserError {
  return new UserError(
    manifest.isList
      ? `${target} refused the manifest list (HTTP ${error.status}, ${manifest.contentType}): this registry does not store multi-platform images. ` +
          `Promote one platform's image instead: --from=<its digest> (${versionsCommand} lists them, or docker buildx imagetools inspect).`
      : `${target} refused the image manifest (HTTP ${error.status}, ${manifest.contentType}): the registry does not accept this manifest type. ` +
          `Check that it supports Docker v2 or OCI image manifests, or push the image there with docker-push.`,
  );
}
