import { z } from 'zod';
import { UserError } from '../errors';
import { type Side, copyImageContents, readBlob, readManifest, sha256Digest, uploadBlob } from './distribution-api';
import { BlobRejected, RegistryRefusal } from './errors';
import { type ArtifactWriter, mergeUnderTag, writeArtifactManifest } from './tag-merge';

/**
 * Artifacts attached to an image manifest as OCI 1.1 referrers (OCI distribution spec 1.1,
 * "Pushing Manifests with Subject", "Listing Referrers", "Referrers Tag Schema"): each is an OCI
 * image manifest whose `subject` is the image's descriptor, with the empty config and one layer.
 * A registry with the referrers API indexes them itself (it answers the manifest's PUT with
 * OCI-Subject); for one without (distribution 2.8 answers 404 to GET /v2/<name>/referrers/<digest>)
 * the client keeps an image index of them under the tag `sha256-<hex of the subject>`.
 */

/** One artifact to attach to an image manifest as an OCI 1.1 referrer: one blob (a layer) under an artifact type. */
export interface ReferrerArtifact {
  artifactType: string;
  mediaType: string;
  data: Buffer;
  annotations?: Record<string, string>;
}

/** A referrer as the referrers API (or the tag schema's index) lists it. */
export interface ReferrerDescriptor {
  digest: string;
  mediaType: string;
  size: number;
  artifactType: string;
  annotations: Record<string, string>;
}

export type ReferrersVia = 'referrers-api' | 'tag-schema';

const ociManifestType = 'application/vnd.oci.image.manifest.v1+json';
const ociIndexType = 'application/vnd.oci.image.index.v1+json';
/** The OCI empty descriptor's content: the config of an artifact that needs none. */
const emptyConfig = Buffer.from('{}');
const emptyConfigDescriptor = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: sha256Digest(emptyConfig),
  size: emptyConfig.length,
};
/** Signed statements are kilobytes; a referrer's blob is read whole into memory, so a larger one is refused. */
export const referrerBlobLimit = 4 * 1024 * 1024;

const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: z.string(),
  size: z.number(),
  artifactType: z.string().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
const indexSchema = z.object({ mediaType: z.string().optional(), manifests: z.array(descriptorSchema).nullish() });
const referrerManifestSchema = z.object({
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: z.object({ mediaType: z.string() }),
  layers: z.array(descriptorSchema).default([]),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** The referrers tag of a subject digest: "sha256:<hex>" -> "sha256-<hex>" (the spec's truncation leaves sha256 as it is). */
export function referrersTag(subjectDigest: string): string {
  const [algorithm, encoded] = subjectDigest.split(':');
  return `${algorithm.slice(0, 32)}-${encoded.slice(0, 64)}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

/** True for a tag the referrers tag schema writes: an index of artifacts, not a version of the image. */
export function isReferrersTag(tag: string): boolean {
  return /^sha256-[0-9a-f]{64}$/.test(tag);
}

/**
 * The artifact manifest's bytes: the same artifact on the same subject always gives the same bytes,
 * so the same digest, which is what makes attaching twice one referrer.
 */
export function referrerManifest(subject: { mediaType: string; digest: string; size: number }, artifact: ReferrerArtifact): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: ociManifestType,
      artifactType: artifact.artifactType,
      config: emptyConfigDescriptor,
      layers: [{ mediaType: artifact.mediaType, digest: sha256Digest(artifact.data), size: artifact.data.length }],
      subject,
      ...(artifact.annotations && Object.keys(artifact.annotations).length ? { annotations: artifact.annotations } : {}),
    }),
  );
}

/** Uploads the artifact (empty config and blob, where missing) and its manifest by digest, then lists it where the registry does not. */
export async function attachReferrer(
  side: Side,
  subjectDigest: string,
  artifact: ReferrerArtifact,
): Promise<{ digest: string; via: ReferrersVia }> {
  const subject = await readManifest(side.session, side.api, subjectDigest);
  if (!subject) {
    throw new UserError(
      `${side.api.reference} holds no manifest ${subjectDigest} to attach ${artifact.artifactType} to: push the image before its statements.`,
    );
  }
  await uploadBlob(side.session, side.api, emptyConfig);
  await uploadBlob(side.session, side.api, artifact.data);
  const body = referrerManifest({ mediaType: subject.contentType, digest: subject.digest, size: subject.body.length }, artifact);
  const digest = sha256Digest(body);
  const descriptor: ReferrerDescriptor = {
    mediaType: ociManifestType,
    digest,
    size: body.length,
    artifactType: artifact.artifactType,
    annotations: artifact.annotations ?? {},
  };
  const via = await writeReferrerManifest(side, digest, { contentType: ociManifestType, body }, 'attach');
  if (via === 'tag-schema') await addToReferrersIndex(side, subjectDigest, [descriptor], 'attach');
  return { digest, via };
}

/** The referrers of a subject (of one artifact type, if given), from the referrers API or else the tag schema's index. */
export async function listReferrers(side: Side, subjectDigest: string, artifactType?: string): Promise<ReferrerDescriptor[]> {
  const descriptors = await readReferrers(side, subjectDigest, artifactType);
  // A registry may ignore the filter (it says so by leaving out OCI-Filters-Applied): filtered here either way.
  return artifactType ? descriptors.filter((descriptor) => descriptor.artifactType === artifactType) : descriptors;
}

/** A referrer's artifact type, annotations and the bytes of its first layer (at most referrerBlobLimit). */
export async function readReferrer(
  side: Side,
  referrerDigest: string,
): Promise<{ artifactType: string; annotations: Record<string, string>; data: Buffer }> {
  const manifest = await readManifest(side.session, side.api, referrerDigest);
  if (!manifest) {
    throw new UserError(
      `${side.api.reference} holds no manifest ${referrerDigest}: the referrer was deleted since it was listed. List the referrers again.`,
    );
  }
  if (sha256Digest(manifest.body) !== referrerDigest) {
    throw new BlobRejected(side.api.reference, referrerDigest, `the manifest's bytes hash to ${sha256Digest(manifest.body)}`);
  }
  const parsed = referrerManifestSchema.safeParse(JSON.parse(manifest.body.toString('utf8')));
  const layer = parsed.success ? parsed.data.layers[0] : undefined;
  if (!parsed.success || !layer) {
    throw new UserError(
      `${side.api.reference}@${referrerDigest} is no artifact manifest with a layer (${manifest.contentType}): it was not attached by nx-bentoml.`,
    );
  }
  return {
    artifactType: parsed.data.artifactType ?? parsed.data.config.mediaType,
    annotations: parsed.data.annotations ?? {},
    data: await readBlob(side.session, side.api, layer.digest, referrerBlobLimit),
  };
}

/**
 * Copies the referrers of `subjectDigest` that the target does not list yet: each one's blobs
 * (mounted or uploaded as an image's are) and its manifest by digest, then, where the target has no
 * referrers API, its entries in the target's tag schema index. Answers how many it copied.
 */
export async function carryReferrers(source: Side, target: Side, subjectDigest: string): Promise<number> {
  const descriptors = await readReferrers(source, subjectDigest);
  if (descriptors.length === 0) return 0;
  const listed = new Set((await readReferrers(target, subjectDigest)).map((descriptor) => descriptor.digest));
  const unindexed: ReferrerDescriptor[] = [];
  let carried = 0;
  for (const descriptor of descriptors) {
    if (listed.has(descriptor.digest)) continue;
    const manifest = await readManifest(source.session, source.api, descriptor.digest);
    // Listed but gone (deleted since): nothing to carry.
    if (!manifest) continue;
    await copyImageContents(source, target, manifest);
    const via = await writeReferrerManifest(target, descriptor.digest, manifest, 'carry');
    if (via === 'tag-schema') unindexed.push(descriptor);
    carried++;
  }
  if (unindexed.length) await addToReferrersIndex(target, subjectDigest, unindexed, 'carry');
  return carried;
}

/** Writes an artifact manifest by digest: the registry's OCI-Subject says it indexed the subject itself. */
async function writeReferrerManifest(
  side: Side,
  digest: string,
  manifest: { contentType: string; body: Buffer },
  writer: ArtifactWriter,
): Promise<ReferrersVia> {
  const written = await writeArtifactManifest(side, digest, manifest, writer);
  return written.subject ? 'referrers-api' : 'tag-schema';
}

/**
 * The referrers list: the referrers API's pages, or, where it answers 404 (no API), the image index
 * under the subject's referrers tag (none there: no referrers).
 */
async function readReferrers(side: Side, subjectDigest: string, artifactType?: string): Promise<ReferrerDescriptor[]> {
  const descriptors: ReferrerDescriptor[] = [];
  let url: string | undefined =
    `${side.api.url}/referrers/${subjectDigest}${artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : ''}`;
  while (url) {
    const response = await side.session.get(url, ociIndexType);
    if (response.status === 404 && descriptors.length === 0) return readReferrersIndex(side, subjectDigest);
    if (!response.ok) throw new RegistryRefusal(response.status, side.api.reference, { method: 'GET', url });
    descriptors.push(...indexDescriptors(Buffer.from(await response.arrayBuffer())));
    const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get('link') ?? '')?.[1];
    url = next ? new URL(next, side.api.base).toString() : undefined;
  }
  return descriptors;
}

async function readReferrersIndex(side: Side, subjectDigest: string): Promise<ReferrerDescriptor[]> {
  const index = await readManifest(side.session, side.api, referrersTag(subjectDigest));
  if (!index) return [];
  if (index.contentType !== ociIndexType) {
    throw new UserError(
      `${side.api.reference}:${referrersTag(subjectDigest)} holds a ${index.contentType}, not the image index of ${subjectDigest}'s referrers ` +
        `that the OCI referrers tag schema keeps under this tag. Remove or rename that tag, then run again.`,
    );
  }
  return indexDescriptors(index.body);
}

function indexDescriptors(body: Buffer): ReferrerDescriptor[] {
  return (indexSchema.parse(JSON.parse(body.toString('utf8'))).manifests ?? []).map((descriptor) => ({
    digest: descriptor.digest,
    mediaType: descriptor.mediaType,
    size: descriptor.size,
    artifactType: descriptor.artifactType ?? '',
    annotations: descriptor.annotations ?? {},
  }));
}

/** Adds descriptors to the subject's tag schema index, keeping every entry it has (tag-merge.ts: read back, merged once more). */
async function addToReferrersIndex(side: Side, subjectDigest: string, added: ReferrerDescriptor[], writer: ArtifactWriter): Promise<void> {
  const tag = referrersTag(subjectDigest);
  await mergeUnderTag({
    added,
    read: () => readReferrersIndex(side, subjectDigest),
    write: async (current, missing) => {
      const manifests = [...current, ...missing].map(({ artifactType, annotations, ...rest }) => ({
        ...rest,
        ...(artifactType ? { artifactType } : {}),
        ...(Object.keys(annotations).length ? { annotations } : {}),
      }));
      const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: ociIndexType, manifests }));
      await writeArtifactManifest(side, tag, { contentType: ociIndexType, body }, writer);
    },
    lostTwice: (lost) =>
      `${side.api.reference}:${tag} lost ${lost.map((descriptor) => descriptor.digest).join(', ')} twice to another writer of the same referrers index ` +
      `(two runs attaching to ${subjectDigest} at once). Run again: attaching is idempotent.`,
  });
}
