import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const manifestDigest = 'sha256:' + 'a'.repeat(64);
export const configDigest = 'sha256:' + 'c'.repeat(64);
export const registryAuth = { serveraddress: '127.0.0.1', username: 'ci', password: 's3cret' };
export const basicHeader = `Basic ${Buffer.from('ci:s3cret').toString('base64')}`;

/** A Distribution API registry on 127.0.0.1 (a real HTTP server) holding "models/classifier:v1", behind Basic or token auth. */
export function startRegistry(scheme: 'basic' | 'bearer', manifestType = 'application/vnd.docker.distribution.manifest.v2+json') {
  const requests: string[] = [];
  const tags = new Set(['v1']);
  const manifestBody = JSON.stringify({ schemaVersion: 2, mediaType: manifestType, config: { digest: configDigest } });
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = request.url ?? '';
    requests.push(`${url} ${request.headers.authorization ?? '-'}`);
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (url.startsWith('/token')) {
      if (request.headers.authorization !== basicHeader) return void response.writeHead(401).end();
      const token = url.includes('push') ? 'PUSH-T0KEN' : 'T0KEN';
      return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
    }
    // Pull for GET, push for PUT: a token for one scope does not open the other.
    const scope = request.method === 'PUT' ? 'pull,push' : 'pull';
    const expected = scheme === 'basic' ? basicHeader : request.method === 'PUT' ? 'Bearer PUSH-T0KEN' : 'Bearer T0KEN';
    if (request.headers.authorization !== expected) {
      const challenge =
        scheme === 'basic'
          ? 'Basic realm="registry"'
          : `Bearer realm="${origin}/token",service="registry",scope="repository:models/classifier:${scope}"`;
      return void response.writeHead(401, { 'www-authenticate': challenge }).end();
    }
    if (request.method === 'PUT') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        const sameManifest = body === manifestBody && request.headers['content-type'] === manifestType;
        if (sameManifest) tags.add(url.split('/').pop()!);
        response.writeHead(sameManifest ? 201 : 400, { 'docker-content-digest': manifestDigest }).end();
      });
      return;
    }
    const tag = url.split('/').pop()!;
    if (url.startsWith('/v2/models/classifier/manifests/') && (tags.has(tag) || tag === manifestDigest)) {
      return void response.writeHead(200, { 'docker-content-digest': manifestDigest, 'content-type': manifestType }).end(manifestBody);
    }
    if (url === `/v2/models/classifier/blobs/${configDigest}`) {
      return void response
        .writeHead(200)
        .end(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { 'dev.nx-bentoml.build-key': 'k1' } } }));
    }
    response.writeHead(404).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN' }] }));
  });
  return new Promise<{ host: string; requests: string[]; tags: Set<string>; close: () => void }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ host: `127.0.0.1:${(server.address() as AddressInfo).port}`, requests, tags, close: () => server.close() }),
    ),
  );
}

const ociIndexType = 'application/vnd.oci.image.index.v1+json';
const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** One repository of startOciRegistry: manifests under their tags and digests, and blobs. */
export interface OciRepository {
  manifests: Map<string, { type: string; body: Buffer }>;
  blobs: Map<string, Buffer>;
}

/**
 * A Distribution API registry on 127.0.0.1 (a real HTTP server, Basic auth as ci:s3cret) that stores
 * what it is sent in any repository: manifests by tag and digest, blobs through monolithic uploads
 * and cross-repository mounts, tag lists. With `referrersApi` it indexes manifests by their `subject`
 * as distribution 3 does (OCI-Subject on the PUT, GET /v2/<name>/referrers/<digest>); without it,
 * it answers that route 404, as distribution 2.8 does. `refuseArtifacts` answers 400 to a manifest
 * with a subject or an artifact type, as a registry without OCI artifact support; `ignoreFilter`
 * lists every referrer whatever artifactType is asked. `afterManifestPut` runs after each manifest
 * write (to play another writer). Every request is recorded as "METHOD /path".
 */
export function startOciRegistry(options: { referrersApi?: boolean; refuseArtifacts?: boolean; ignoreFilter?: boolean } = {}) {
  const requests: string[] = [];
  const repositories = new Map<string, OciRepository>();
  const repository = (name: string) => {
    if (!repositories.has(name)) repositories.set(name, { manifests: new Map(), blobs: new Map() });
    return repositories.get(name)!;
  };
  const state = { afterManifestPut: undefined as ((name: string, reference: string) => void) | undefined };
  let uploads = 0;

  const handle = (request: IncomingMessage, body: Buffer, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://registry');
    const method = request.method ?? 'GET';
    requests.push(`${method} ${url.pathname}`);
    if (request.headers.authorization !== basicHeader) {
      return void response.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end();
    }
    const route = /^\/v2\/(.+)\/(manifests|blobs|tags|referrers)\/(.*)$/.exec(url.pathname);
    if (!route) return void response.writeHead(404).end();
    const [, name, kind, rest] = route;
    const repo = repository(name);
    if (kind === 'manifests' && method === 'PUT') {
      const type = String(request.headers['content-type']);
      const parsed = JSON.parse(body.toString());
      if (options.refuseArtifacts && (parsed.subject || parsed.artifactType || type === ociIndexType)) {
        return void response.writeHead(400).end(JSON.stringify({ errors: [{ code: 'MANIFEST_INVALID' }] }));
      }
      const digest = sha256(body);
      repo.manifests.set(rest, { type, body }).set(digest, { type, body });
      const subject = options.referrersApi && parsed.subject ? { 'oci-subject': parsed.subject.digest } : {};
      response.writeHead(201, { 'docker-content-digest': digest, ...subject }).end();
      return void state.afterManifestPut?.(name, rest);
    }
    if (kind === 'manifests') {
      const manifest = repo.manifests.get(rest);
      if (!manifest) return void response.writeHead(404).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN' }] }));
      response.writeHead(200, { 'content-type': manifest.type, 'docker-content-digest': sha256(manifest.body) });
      return void response.end(method === 'HEAD' ? undefined : manifest.body);
    }
    if (kind === 'blobs' && rest === 'uploads/' && method === 'POST') {
      const mount = url.searchParams.get('mount');
      const mounted = mount && repositories.get(url.searchParams.get('from') ?? '')?.blobs.get(mount);
      if (mounted) {
        repo.blobs.set(mount!, mounted);
        return void response.writeHead(201).end();
      }
      return void response.writeHead(202, { location: `/v2/${name}/blobs/uploads/${++uploads}?state=x` }).end();
    }
    if (kind === 'blobs' && rest.startsWith('uploads/') && method === 'PUT') {
      const digest = url.searchParams.get('digest') ?? '';
      if (sha256(body) !== digest) return void response.writeHead(400).end(JSON.stringify({ errors: [{ code: 'DIGEST_INVALID' }] }));
      repo.blobs.set(digest, body);
      return void response.writeHead(201).end();
    }
    if (kind === 'blobs') {
      const blob = repo.blobs.get(rest);
      if (!blob) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-length': blob.length });
      return void response.end(method === 'HEAD' ? undefined : blob);
    }
    if (kind === 'tags') {
      const tags = [...repo.manifests.keys()].filter((key) => !key.startsWith('sha256:'));
      return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name, tags }));
    }
    if (kind === 'referrers' && options.referrersApi) {
      const artifactType = options.ignoreFilter ? null : url.searchParams.get('artifactType');
      const manifests = [...repo.manifests]
        .filter(([reference]) => reference.startsWith('sha256:'))
        .map(([digest, { type, body }]) => ({ digest, type, size: body.length, parsed: JSON.parse(body.toString()) }))
        .filter(({ parsed }) => parsed.subject?.digest === rest)
        .map(({ digest, type, size, parsed }) => ({
          mediaType: type,
          digest,
          size,
          artifactType: parsed.artifactType ?? parsed.config?.mediaType,
          ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
        }))
        .filter((descriptor) => !artifactType || descriptor.artifactType === artifactType);
      response.writeHead(200, { 'content-type': ociIndexType, ...(artifactType ? { 'oci-filters-applied': 'artifactType' } : {}) });
      return void response.end(JSON.stringify({ schemaVersion: 2, mediaType: ociIndexType, manifests }));
    }
    response.writeHead(404).end();
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, Buffer.concat(chunks), response));
  });
  return new Promise<{ host: string; requests: string[]; repository: typeof repository; state: typeof state; close: () => void }>(
    (resolve) =>
      server.listen(0, '127.0.0.1', () =>
        resolve({
          host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
          requests,
          repository,
          state,
          close: () => server.close(),
        }),
      ),
  );
}

/** Stores an image (config, one layer, an OCI manifest) in a repository of startOciRegistry under `tag`; its manifest digest. */
export function storeImage(repo: OciRepository, tag: string, layer = 'model weights'): string {
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const data = Buffer.from(layer);
  repo.blobs.set(sha256(config), config).set(sha256(data), data);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(data), size: data.length }],
    }),
  );
  const stored = { type: 'application/vnd.oci.image.manifest.v1+json', body: manifest };
  repo.manifests.set(tag, stored).set(sha256(manifest), stored);
  return sha256(manifest);
}
