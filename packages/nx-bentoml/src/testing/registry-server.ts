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
