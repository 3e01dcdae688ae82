import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RegistryAuth } from './credentials';
import { registryHost } from './credentials';

/** What a registry holds under a tag: its manifest digest and the labels of its image config. */
export interface RemoteImage {
  digest: string;
  labels: Record<string, string>;
  /** "linux/amd64", from the image config. */
  platform: string;
  /** When the image was built, from the image config. */
  created?: string;
}

const imageManifestTypes = ['application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.oci.image.manifest.v1+json'];
const manifestSchema = z.object({ mediaType: z.string().optional(), config: z.object({ digest: z.string() }) });
const imageConfigSchema = z.object({
  created: z.string().optional(),
  architecture: z.string(),
  os: z.string(),
  config: z.object({ Labels: z.record(z.string(), z.string()).nullish() }).optional(),
});
const tokenSchema = z.union([z.object({ token: z.string() }), z.object({ access_token: z.string() })]);

type Fetch = typeof fetch;

/**
 * Reads a tag's manifest and image config from the registry over the Distribution API: the
 * Engine can tell a tag's digest but not its labels, and the labels say what the image was built
 * from. Answers undefined when the tag is absent or the registry cannot be asked (an index of
 * several platforms, a token flow this client does not speak): the caller then simply pushes.
 */
export async function readRemoteImage(
  reference: string,
  auth: RegistryAuth | undefined,
  fetchImpl: Fetch = fetch,
): Promise<RemoteImage | undefined> {
  const { base, repository, tag } = parseReference(reference);
  const session = registrySession(auth, fetchImpl);
  const manifestResponse = await session.get(`${base}/v2/${repository}/manifests/${tag}`, imageManifestTypes.join(', '));
  if (!manifestResponse.ok) return undefined;
  const manifest = manifestSchema.safeParse(await manifestResponse.json());
  const digest = manifestResponse.headers.get('docker-content-digest');
  if (!manifest.success || !digest || (manifest.data.mediaType && !imageManifestTypes.includes(manifest.data.mediaType))) return undefined;

  const configResponse = await session.get(`${base}/v2/${repository}/blobs/${manifest.data.config.digest}`, '*/*');
  if (!configResponse.ok) return undefined;
  const config = imageConfigSchema.safeParse(await configResponse.json());
  return config.success
    ? {
        digest,
        labels: config.data.config?.Labels ?? {},
        platform: `${config.data.os}/${config.data.architecture}`,
        ...(config.data.created ? { created: config.data.created } : {}),
      }
    : undefined;
}

/** A registry answer the caller must report: the repository is absent, or the credentials are refused. */
export class RegistryReadError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    readonly method = 'GET',
  ) {
    super(`The registry answered ${status} to ${method} ${url}`);
  }
}

const tagListSchema = z.object({ tags: z.array(z.string()).nullish() });

/**
 * Every tag of a repository ("registry/image"), following the registry's pagination (the Link
 * header's rel="next", as the Distribution API pages large lists). Throws RegistryReadError on
 * any answer but 200, 404 for a repository the registry does not hold.
 */
export async function listTags(repositoryReference: string, auth: RegistryAuth | undefined, fetchImpl: Fetch = fetch): Promise<string[]> {
  const { base, url: api } = repositoryApi(repositoryReference);
  const session = registrySession(auth, fetchImpl);
  const tags: string[] = [];
  let url: string | undefined = `${api}/tags/list?n=100`;
  while (url) {
    const response = await session.get(url, 'application/json');
    if (!response.ok) throw new RegistryReadError(response.status, url);
    tags.push(...(tagListSchema.parse(await response.json()).tags ?? []));
    const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get('link') ?? '')?.[1];
    url = next ? new URL(next, base).toString() : undefined;
  }
  return tags;
}

/** "127.0.0.1:5000/team/app" -> its API root "http://127.0.0.1:5000/v2/team/app", the registry's base URL and the name "team/app". */
function repositoryApi(repositoryReference: string): { base: string; url: string; name: string } {
  const { base, repository } = parseReference(`${repositoryReference}:latest`);
  return { base, url: `${base}/v2/${repository}`, name: repository };
}

/** "127.0.0.1:5000/team/app:v1" -> base "http://127.0.0.1:5000", repository "team/app", tag "v1". */
export function parseReference(reference: string) {
  const host = registryHost(reference);
  const path = reference.slice(reference.indexOf(host) + host.length + 1);
  const colon = path.lastIndexOf(':');
  // The Engine, too, talks plain HTTP to a loopback registry and TLS to any other.
  const scheme = /^(localhost|127\.[\d.]+|\[::1\])(:\d+)?$/.test(host) ? 'http' : 'https';
  const apiHost = /^(index\.)?docker\.io$/.test(host) ? 'registry-1.docker.io' : host;
  return { base: `${scheme}://${apiHost}`, repository: path.slice(0, colon), tag: path.slice(colon + 1) };
}

/**
 * Points `tag` at the manifest `digest` already in the repository, by writing the same manifest
 * bytes under the tag: no layer moves, and the digest is the same by construction.
 * Answers whether the registry accepted it.
 */
export async function tagRemoteManifest(
  repositoryReference: string,
  digest: string,
  tag: string,
  auth: RegistryAuth | undefined,
  fetchImpl: Fetch = fetch,
): Promise<boolean> {
  // One session: the pull token it gets is answered again with push scope for the PUT.
  const session = registrySession(auth, fetchImpl);
  const api = repositoryApi(repositoryReference);
  try {
    const manifest = await readManifestIn(session, api, digest);
    if (!manifest || !imageManifestTypes.includes(manifest.contentType)) return false;
    return (await putManifestIn(session, api, tag, manifest)) === digest;
  } catch (error) {
    if (error instanceof RegistryReadError) return false;
    throw error;
  }
}

/**
 * Requests that answer the registry's auth challenge (Basic, or a Bearer token from its realm)
 * and reuse the answer; a new challenge, such as a push scope after a pull, is answered again.
 */
function registrySession(auth: RegistryAuth | undefined, fetchImpl: Fetch) {
  let authorization: string | undefined;
  let authorizedOrigin: string | undefined;
  const basic =
    auth?.username && auth.password ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` : undefined;

  const challengeAnswer = async (challenge: string): Promise<string | undefined> => {
    if (/^basic/i.test(challenge)) return basic;
    if (!/^bearer/i.test(challenge)) return undefined;
    const parameters = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]));
    if (!parameters['realm']) return undefined;
    const url = new URL(parameters['realm']);
    for (const key of ['service', 'scope']) if (parameters[key]) url.searchParams.set(key, parameters[key]);
    const response = await fetchImpl(url, { headers: basic ? { authorization: basic } : {} });
    if (!response.ok) return undefined;
    const token = tokenSchema.safeParse(await response.json());
    if (!token.success) return undefined;
    return `Bearer ${'token' in token.data ? token.data.token : token.data.access_token}`;
  };

  return {
    async request(
      url: string,
      init: { method?: string; headers: Record<string, string>; body?: Buffer | ReadableStream<Uint8Array> },
    ): Promise<Response> {
      // Credentials go only to the registry that asked for them, not to a host a Location or Link header names.
      const origin = new URL(url).origin;
      const streamed = init.body instanceof ReadableStream;
      const send = () =>
        fetchImpl(url, {
          ...init,
          headers: { ...init.headers, ...(authorization && origin === authorizedOrigin ? { authorization } : {}) },
          // A blob streams from one registry to the other, never whole in memory.
          ...(streamed ? { duplex: 'half' } : {}),
        } as RequestInit);
      const response = await send();
      const challenge = response.headers.get('www-authenticate');
      // A streamed body is spent: it cannot be sent again after a challenge (the caller asks first, without one).
      if (response.status !== 401 || !challenge || streamed) return response;
      if (authorizedOrigin && origin !== authorizedOrigin) return response;
      const answer = await challengeAnswer(challenge);
      if (!answer || (answer === authorization && origin === authorizedOrigin)) return response;
      authorization = answer;
      authorizedOrigin = origin;
      return send();
    },
    get(url: string, accept: string): Promise<Response> {
      return this.request(url, { headers: { accept } });
    },
  };
}

const manifestListTypes = ['application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.index.v1+json'];
const blobsSchema = z.object({
  config: z.object({ digest: z.string() }).optional(),
  layers: z.array(z.object({ digest: z.string() })).default([]),
});
const childrenSchema = z.object({ manifests: z.array(z.object({ digest: z.string() })).default([]) });

/** A manifest as the registry stores it: its exact bytes (so the digest stays), its type and the blobs it names. */
export interface StoredManifest {
  digest: string;
  contentType: string;
  body: Buffer;
  /** Config and layers of an image manifest; none for a manifest list. */
  blobs: string[];
  isList: boolean;
  /** The digests of a manifest list's image manifests (one per platform); none for an image manifest. */
  children: string[];
}

/** The manifest a tag or digest names in "registry/image", or undefined when the registry holds none (404). */
export async function readManifest(
  repositoryReference: string,
  reference: string,
  auth: RegistryAuth | undefined,
  fetchImpl: Fetch = fetch,
): Promise<StoredManifest | undefined> {
  return readManifestIn(registrySession(auth, fetchImpl), repositoryApi(repositoryReference), reference);
}

/** Writes the manifest's bytes under `tag`; answers the digest the registry reports. */
export async function putManifest(
  repositoryReference: string,
  tag: string,
  manifest: StoredManifest,
  auth: RegistryAuth | undefined,
  fetchImpl: Fetch = fetch,
): Promise<string> {
  return (await putManifestIn(registrySession(auth, fetchImpl), repositoryApi(repositoryReference), tag, manifest)) ?? manifest.digest;
}

type RegistrySession = ReturnType<typeof registrySession>;

async function readManifestIn(session: RegistrySession, api: { url: string }, reference: string): Promise<StoredManifest | undefined> {
  const url = `${api.url}/manifests/${reference}`;
  const response = await session.get(url, [...imageManifestTypes, ...manifestListTypes].join(', '));
  if (response.status === 404) return undefined;
  if (!response.ok) throw new RegistryReadError(response.status, url);
  const body = Buffer.from(await response.arrayBuffer());
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0];
  const digest = response.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const isList = manifestListTypes.includes(contentType);
  const json = JSON.parse(body.toString('utf8'));
  if (isList) return { digest, contentType, body, blobs: [], isList, children: childrenSchema.parse(json).manifests.map((m) => m.digest) };
  const parsed = blobsSchema.parse(json);
  const blobs = [...(parsed.config ? [parsed.config.digest] : []), ...parsed.layers.map((layer) => layer.digest)];
  return { digest, contentType, body, blobs, isList, children: [] };
}

/** The digest the registry reports for the written manifest, if it says. */
async function putManifestIn(
  session: RegistrySession,
  api: { url: string },
  tag: string,
  manifest: StoredManifest,
): Promise<string | undefined> {
  const url = `${api.url}/manifests/${tag}`;
  const put = await session.request(url, { method: 'PUT', headers: { 'content-type': manifest.contentType }, body: manifest.body });
  if (put.status !== 201) throw new RegistryReadError(put.status, url, 'PUT');
  return put.headers.get('docker-content-digest') ?? undefined;
}

/** What copying an image's blobs did: already in the target, mounted from the source repository, uploaded. */
export interface BlobCopy {
  present: number;
  mounted: number;
  uploaded: number;
}

/**
 * Copies into the target repository everything a manifest needs that the target lacks, before the
 * manifest itself is written: its blobs, or for a manifest list each platform's image manifest
 * (written by digest) and its blobs. Each blob is asked for first (HEAD); a missing one is mounted
 * from the source repository when both are in one registry (cross-repository mount), else
 * streamed from the source into one monolithic upload.
 */
export async function copyImageContents(
  from: { repository: string; auth: RegistryAuth | undefined },
  to: { repository: string; auth: RegistryAuth | undefined },
  manifest: StoredManifest,
  fetchImpl: Fetch = fetch,
): Promise<BlobCopy> {
  const copy = {
    read: registrySession(from.auth, fetchImpl),
    write: registrySession(to.auth, fetchImpl),
    source: repositoryApi(from.repository),
    target: repositoryApi(to.repository),
    counts: { present: 0, mounted: 0, uploaded: 0 },
  };
  if (!manifest.isList) {
    await copyBlobsIn(copy, manifest.blobs);
    return copy.counts;
  }
  for (const child of manifest.children) {
    const image = await readManifestIn(copy.read, copy.source, child);
    if (!image) throw new RegistryReadError(404, `${copy.source.url}/manifests/${child}`);
    await copyBlobsIn(copy, image.blobs);
    await putManifestIn(copy.write, copy.target, child, image);
  }
  return copy.counts;
}

interface BlobCopyRun {
  read: RegistrySession;
  write: RegistrySession;
  source: ReturnType<typeof repositoryApi>;
  target: ReturnType<typeof repositoryApi>;
  counts: BlobCopy;
}

async function copyBlobsIn({ read, write, source, target, counts }: BlobCopyRun, blobs: string[]) {
  const sameRegistry = new URL(source.base).origin === new URL(target.base).origin;
  for (const digest of blobs) {
    const head = await write.request(`${target.url}/blobs/${digest}`, { method: 'HEAD', headers: {} });
    if (head.ok) {
      counts.present++;
      continue;
    }
    // A registry that cannot mount answers 202 with an upload to use instead, as without the parameters.
    const mount = sameRegistry ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(source.name)}` : '';
    const startUrl = `${target.url}/blobs/uploads/${mount}`;
    const start = await write.request(startUrl, { method: 'POST', headers: {} });
    if (start.status === 201 && mount) {
      counts.mounted++;
      continue;
    }
    const location = start.headers.get('location');
    if (start.status !== 202 || !location) throw new RegistryReadError(start.status, startUrl, 'POST');
    const blobUrl = `${source.url}/blobs/${digest}`;
    const blob = await read.get(blobUrl, '*/*');
    if (!blob.ok || !blob.body) throw new RegistryReadError(blob.status, blobUrl);
    const length = blob.headers.get('content-length');
    const uploadUrl = new URL(location, target.base);
    uploadUrl.searchParams.set('digest', digest);
    const put = await write.request(uploadUrl.toString(), {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', ...(length ? { 'content-length': length } : {}) },
      body: blob.body,
    });
    if (put.status !== 201) throw new RegistryReadError(put.status, uploadUrl.toString(), 'PUT');
    counts.uploaded++;
  }
}
