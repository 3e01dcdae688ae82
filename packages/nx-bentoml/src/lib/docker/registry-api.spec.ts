import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseReference, readRemoteImage } from './registry-api';

const manifestDigest = 'sha256:' + 'a'.repeat(64);
const configDigest = 'sha256:' + 'c'.repeat(64);
const auth = { serveraddress: '127.0.0.1', username: 'ci', password: 's3cret' };
const basicHeader = `Basic ${Buffer.from('ci:s3cret').toString('base64')}`;

/** A Distribution API registry on 127.0.0.1 holding "models/classifier:v1", behind Basic or token auth. */
function startRegistry(scheme: 'basic' | 'bearer', manifestType = 'application/vnd.docker.distribution.manifest.v2+json') {
  const requests: string[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = request.url ?? '';
    requests.push(`${url} ${request.headers.authorization ?? '-'}`);
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (url.startsWith('/token')) {
      if (request.headers.authorization !== basicHeader) return void response.writeHead(401).end();
      return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'T0KEN' }));
    }
    const expected = scheme === 'basic' ? basicHeader : 'Bearer T0KEN';
    if (request.headers.authorization !== expected) {
      const challenge = scheme === 'basic' ? 'Basic realm="registry"' : `Bearer realm="${origin}/token",service="registry",scope="repository:models/classifier:pull"`;
      return void response.writeHead(401, { 'www-authenticate': challenge }).end();
    }
    if (url === '/v2/models/classifier/manifests/v1') {
      const body = { schemaVersion: 2, mediaType: manifestType, config: { digest: configDigest } };
      return void response.writeHead(200, { 'docker-content-digest': manifestDigest, 'content-type': manifestType }).end(JSON.stringify(body));
    }
    if (url === `/v2/models/classifier/blobs/${configDigest}`) {
      return void response.writeHead(200).end(JSON.stringify({ config: { Labels: { 'dev.nx-bentoml.build-key': 'k1' } } }));
    }
    response.writeHead(404).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN' }] }));
  });
  return new Promise<{ host: string; requests: string[]; close: () => void }>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ host: `127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => server.close() })),
  );
}

describe('readRemoteImage', () => {
  it.each(['basic', 'bearer'] as const)('answers a %s challenge and reads the digest and the image labels', async (scheme) => {
    const registry = await startRegistry(scheme);
    try {
      await expect(readRemoteImage(`${registry.host}/models/classifier:v1`, auth)).resolves.toEqual({
        digest: manifestDigest,
        labels: { 'dev.nx-bentoml.build-key': 'k1' },
      });
      // One challenge, then the answer is reused for the config blob.
      expect(registry.requests.filter((line) => line.endsWith(' -'))).toHaveLength(1);
    } finally {
      registry.close();
    }
  });

  it('answers undefined for a tag the registry does not hold', async () => {
    const registry = await startRegistry('basic');
    try {
      await expect(readRemoteImage(`${registry.host}/models/classifier:v2`, auth)).resolves.toBeUndefined();
    } finally {
      registry.close();
    }
  });

  it('answers undefined without credentials the registry accepts', async () => {
    const registry = await startRegistry('bearer');
    try {
      await expect(readRemoteImage(`${registry.host}/models/classifier:v1`, { ...auth, password: 'wrong' })).resolves.toBeUndefined();
    } finally {
      registry.close();
    }
  });

  it('does not compare an index of several platforms', async () => {
    const registry = await startRegistry('basic', 'application/vnd.oci.image.index.v1+json');
    try {
      await expect(readRemoteImage(`${registry.host}/models/classifier:v1`, auth)).resolves.toBeUndefined();
    } finally {
      registry.close();
    }
  });
});

describe('parseReference', () => {
  it('uses plain HTTP for a loopback registry and TLS for any other', () => {
    expect(parseReference('127.0.0.1:5000/team/app:v1')).toEqual({ base: 'http://127.0.0.1:5000', repository: 'team/app', tag: 'v1' });
    expect(parseReference('localhost:5000/app:latest')).toEqual({ base: 'http://localhost:5000', repository: 'app', tag: 'latest' });
    expect(parseReference('europe-west6-docker.pkg.dev/p/models/app:nx1')).toEqual({ base: 'https://europe-west6-docker.pkg.dev', repository: 'p/models/app', tag: 'nx1' });
  });
});
