import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BlobRejected, RegistryRefusal } from './errors';
import type { RepositoryApi } from './reference';
import type { RegistrySession } from './session';

/**
 * The Distribution API (OCI distribution spec) for one repository: manifests, tags and blobs.
 * Every answer but the expected one throws a RegistryRefusal naming the repository; a manifest
 * or tag that is not there is undefined, not an error.
 */

/** What a registry holds under a tag: its manifest digest and the labels of its image config. */
export interface RemoteImage {
  digest: string;
  labels: Record<string, string>;
  /** "linux/amd64", from the image config. */
  platform: string;
  /** When the image was built, from the image config. */
  created?: string;
}

/** A manifest as the registry stores it: its exact bytes (so the digest stays), its type and the blobs it names. */
export interface StoredManifest {
  digest: string;
  contentType: string;
  body: Buffer;
  /** Config and layers of an image manifest; none for a manifest list. */
  blobs: string[];
  /** The config blob of an image manifest. */
  config?: string;
  /** The bytes of the blobs an image manifest names (config and layers, compressed as stored); 0 for a manifest list. */
  blobBytes: number;
  isList: boolean;
  /** The digests of a manifest list's image manifests (one per platform); none for an image manifest. */
  children: string[];
}

export const imageManifestTypes = ['application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.oci.image.manifest.v1+json'];
const manifestListTypes = ['application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.index.v1+json'];
const manifestSchema = z.object({
  mediaType: z.string().optional(),
  config: z.object({ digest: z.string(), size: z.number().default(0) }).optional(),
  layers: z.array(z.object({ digest: z.string(), size: z.number().default(0) })).default([]),
  manifests: z.array(z.object({ digest: z.string() })).default([]),
});
const imageConfigSchema = z.object({
  created: z.string().optional(),
  architecture: z.string(),
  os: z.string(),
  config: z.object({ Labels: z.record(z.string(), z.string()).nullish() }).optional(),
});
const tagListSchema = z.object({ tags: z.array(z.string()).nullish() });

/** The manifest a tag or digest names, or undefined when the repository holds none (404). */
export async function readManifest(session: RegistrySession, api: RepositoryApi, reference: string): Promise<StoredManifest | undefined> {
  const url = `${api.url}/manifests/${reference}`;
  const response = await session.get(url, [...imageManifestTypes, ...manifestListTypes].join(', '));
  if (response.status === 404) return undefined;
  if (!response.ok) throw new RegistryRefusal(response.status, api.reference, { method: 'GET', url }, challengeOf(response));
  const body = Buffer.from(await response.arrayBuffer());
  const digest = response.headers.get('docker-content-digest') ?? sha256Digest(body);
  const parsed = manifestSchema.parse(JSON.parse(body.toString('utf8')));
  // The type the registry serves it as, else the one it declares (some registries answer a generic type).
  const served = (response.headers.get('content-type') ?? '').split(';')[0];
  const contentType = [...imageManifestTypes, ...manifestListTypes].includes(served) ? served : (parsed.mediaType ?? served);
  const isList = manifestListTypes.includes(contentType);
  const config = isList ? undefined : parsed.config?.digest;
  return {
    digest,
    contentType,
    body,
    blobs: isList ? [] : [...(config ? [config] : []), ...parsed.layers.map((layer) => layer.digest)],
    ...(config ? { config } : {}),
    blobBytes: isList ? 0 : [...(parsed.config ? [parsed.config] : []), ...parsed.layers].reduce((sum, blob) => sum + blob.size, 0),
    isList,
    children: isList ? parsed.manifests.map((manifest) => manifest.digest) : [],
  };
}

/** Writes the manifest's bytes under `tag`; answers the digest the registry reports, if it says. */
export async function putManifest(
  session: RegistrySession,
  api: RepositoryApi,
  tag: string,
  manifest: Pick<StoredManifest, 'contentType' | 'body'>,
): Promise<string | undefined> {
  return (await writeManifest(session, api, tag, manifest)).digest;
}

/**
 * Writes the manifest's bytes under `reference` (a tag, or its own digest). Answers the digest the
 * registry reports and, for a manifest with a `subject`, the OCI-Subject header by which a registry
 * with the referrers API says it indexed the subject (OCI distribution spec 1.1); without it the
 * client keeps the referrers tag schema's index itself.
 */
export async function writeManifest(
  session: RegistrySession,
  api: RepositoryApi,
  reference: string,
  manifest: Pick<StoredManifest, 'contentType' | 'body'>,
): Promise<{ digest?: string; subject?: string }> {
  const url = `${api.url}/manifests/${reference}`;
  const put = await session.request(url, { method: 'PUT', headers: { 'content-type': manifest.contentType }, body: manifest.body });
  if (put.status !== 201) throw new RegistryRefusal(put.status, api.reference, { method: 'PUT', url });
  const digest = put.headers.get('docker-content-digest');
  const subject = put.headers.get('oci-subject');
  return { ...(digest ? { digest } : {}), ...(subject ? { subject } : {}) };
}

/** Uploads `data` as a blob (one monolithic upload) unless the repository holds it already (HEAD); true when it uploaded. */
export async function uploadBlob(session: RegistrySession, api: RepositoryApi, data: Buffer): Promise<boolean> {
  const digest = sha256Digest(data);
  const head = await session.request(`${api.url}/blobs/${digest}`, { method: 'HEAD', headers: {} });
  if (head.ok) return false;
  const startUrl = `${api.url}/blobs/uploads/`;
  const start = await session.request(startUrl, { method: 'POST', headers: {} });
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) throw new RegistryRefusal(start.status, api.reference, { method: 'POST', url: startUrl });
  await finishUpload(session, api, location, digest, data, String(data.length));
  return true;
}

/**
 * A blob's bytes, at most `limit` of them: a larger one (as the registry declares it, or as it
 * streams) is refused before it is held in memory, and bytes that do not hash to the digest are
 * refused too. Both throw BlobRejected.
 */
export async function readBlob(session: RegistrySession, api: RepositoryApi, digest: string, limit: number): Promise<Buffer> {
  const url = `${api.url}/blobs/${digest}`;
  const response = await session.get(url, '*/*');
  if (!response.ok || !response.body) throw new RegistryRefusal(response.status, api.reference, { method: 'GET', url });
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > limit) {
    await response.body.cancel();
    throw new BlobRejected(api.reference, digest, `it is ${declared} bytes, over the ${limit} this client reads`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.length;
    if (size > limit) throw new BlobRejected(api.reference, digest, `it is over the ${limit} bytes this client reads`);
    chunks.push(Buffer.from(chunk));
  }
  const data = Buffer.concat(chunks);
  if (sha256Digest(data) !== digest) throw new BlobRejected(api.reference, digest, `its bytes hash to ${sha256Digest(data)}`);
  return data;
}

export function sha256Digest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The image an image manifest describes, from its config blob; undefined for a manifest list or a config that is no image config. */
export async function readImage(session: RegistrySession, api: RepositoryApi, manifest: StoredManifest): Promise<RemoteImage | undefined> {
  if (manifest.isList || !manifest.config) return undefined;
  const url = `${api.url}/blobs/${manifest.config}`;
  const response = await session.get(url, '*/*');
  if (!response.ok) throw new RegistryRefusal(response.status, api.reference, { method: 'GET', url }, challengeOf(response));
  const config = imageConfigSchema.safeParse(await response.json());
  if (!config.success) return undefined;
  return {
    digest: manifest.digest,
    labels: config.data.config?.Labels ?? {},
    platform: `${config.data.os}/${config.data.architecture}`,
    ...(config.data.created ? { created: config.data.created } : {}),
  };
}

/**
 * Every tag of the repository, following the registry's pagination (the Link header's
 * rel="next", as the Distribution API pages large lists). A repository it does not hold is a 404 refusal.
 */
export async function listTags(session: RegistrySession, api: RepositoryApi): Promise<string[]> {
  const tags: string[] = [];
  let url: string | undefined = `${api.url}/tags/list?n=100`;
  while (url) {
    const response = await session.get(url, 'application/json');
    if (!response.ok) throw new RegistryRefusal(response.status, api.reference, { method: 'GET', url });
    tags.push(...(tagListSchema.parse(await response.json()).tags ?? []));
    const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get('link') ?? '')?.[1];
    url = next ? new URL(next, api.base).toString() : undefined;
  }
  return tags;
}

/** What copying an image's blobs did: already in the target, mounted from the source repository, uploaded. */
export interface BlobCopy {
  present: number;
  mounted: number;
  uploaded: number;
}

export interface Side {
  session: RegistrySession;
  api: RepositoryApi;
}

/**
 * Copies into the target repository everything a manifest needs that the target lacks, before the
 * manifest itself is written: its blobs, or for a manifest list each platform's image manifest
 * (written by digest) and its blobs. Each blob is asked for first (HEAD); a missing one is mounted
 * from the source repository when both are in one registry (cross-repository mount), else
 * streamed from the source into one monolithic upload.
 */
export async function copyImageContents(source: Side, target: Side, manifest: StoredManifest): Promise<BlobCopy> {
  const counts = { present: 0, mounted: 0, uploaded: 0 };
  if (!manifest.isList) {
    await copyBlobs(source, target, manifest.blobs, counts);
    return counts;
  }
  for (const child of manifest.children) {
    const image = await readManifest(source.session, source.api, child);
    if (!image) throw new RegistryRefusal(404, source.api.reference, { method: 'GET', url: `${source.api.url}/manifests/${child}` });
    await copyBlobs(source, target, image.blobs, counts);
    await putManifest(target.session, target.api, child, image);
  }
  return counts;
}

async function copyBlobs(source: Side, target: Side, blobs: string[], counts: BlobCopy) {
  const sameRegistry = new URL(source.api.base).origin === new URL(target.api.base).origin;
  const write = target.session;
  for (const digest of blobs) {
    const head = await write.request(`${target.api.url}/blobs/${digest}`, { method: 'HEAD', headers: {} });
    if (head.ok) {
      counts.present++;
      continue;
    }
    // A registry that cannot mount answers 202 with an upload to use instead, as without the parameters.
    const mount = sameRegistry ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(source.api.name)}` : '';
    const startUrl = `${target.api.url}/blobs/uploads/${mount}`;
    const start = await write.request(startUrl, { method: 'POST', headers: {} });
    if (start.status === 201 && mount) {
      counts.mounted++;
      continue;
    }
    const location = start.headers.get('location');
    if (start.status !== 202 || !location) throw new RegistryRefusal(start.status, target.api.reference, { method: 'POST', url: startUrl });
    const blobUrl = `${source.api.url}/blobs/${digest}`;
    const blob = await source.session.get(blobUrl, '*/*');
    if (!blob.ok || !blob.body) throw new RegistryRefusal(blob.status, source.api.reference, { method: 'GET', url: blobUrl });
    await finishUpload(write, target.api, location, digest, blob.body, blob.headers.get('content-length'));
    counts.uploaded++;
  }
}

/** Completes an upload the registry opened at `location` with the whole blob, in one PUT. */
async function finishUpload(
  session: RegistrySession,
  api: RepositoryApi,
  location: string,
  digest: string,
  body: Buffer | ReadableStream<Uint8Array>,
  length: string | null,
) {
  const uploadUrl = new URL(location, api.base);
  uploadUrl.searchParams.set('digest', digest);
  const put = await session.request(uploadUrl.toString(), {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', ...(length ? { 'content-length': length } : {}) },
    body,
  });
  if (put.status !== 201) throw new RegistryRefusal(put.status, api.reference, { method: 'PUT', url: uploadUrl.toString() });
}

function challengeOf(response: Response): string | undefined {
  return response.headers.get('www-authenticate') ?? undefined;
}
