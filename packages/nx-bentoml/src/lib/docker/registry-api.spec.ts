import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegistryReadError, listTags, parseReference, readRemoteImage, tagRemoteManifest } from './registry-api';

const manifestDigest = 'sha256:' + 'a'.repeat(64);
const configDigest = 'sha256:' + 'c'.repeat(64);
const auth = { serveraddress: '127.0.0.1', username: 'ci', password: 's3cret' };
const basicHeader = `Basic ${Buffer.from('ci:s3cret').toString('base64')}`;

/** A Distribution API registry on 127.0.0.1 holding "models/classifier:v1", behind Basic or token auth. */
function startRegistry(scheme: 'basic' | 'bearer', manifestType = 'application/vnd.docker.distribution.manifest.v2+json') {
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

describe('readRemoteImage', () => {
  it.each(['basic', 'bearer'] as const)('answers a %s challenge and reads the digest and the image labels', async (scheme) => {
    const registry = await startRegistry(scheme);
    try {
      await expect(readRemoteImage(`${registry.host}/models/classifier:v1`, auth)).resolves.toEqual({
        digest: manifestDigest,
        labels: { 'dev.nx-bentoml.build-key': 'k1' },
        platform: 'linux/amd64',
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

describe('tagRemoteManifest', () => {
  it.each(['basic', 'bearer'] as const)(
    'writes the manifest of a digest under a new tag (%s auth, asking again for push)',
    async (scheme) => {
      const registry = await startRegistry(scheme);
      try {
        await expect(tagRemoteManifest(`${registry.host}/models/classifier`, manifestDigest, 'abc123', auth)).resolves.toBe(true);
        expect([...registry.tags]).toEqual(['v1', 'abc123']);
      } finally {
        registry.close();
      }
    },
  );

  it('answers false when the registry refuses the credentials', async () => {
    const registry = await startRegistry('bearer');
    try {
      await expect(
        tagRemoteManifest(`${registry.host}/models/classifier`, manifestDigest, 'abc123', { ...auth, password: 'wrong' }),
      ).resolves.toBe(false);
      expect([...registry.tags]).toEqual(['v1']);
    } finally {
      registry.close();
    }
  });
});

describe('parseReference', () => {
  it('uses plain HTTP for a loopback registry and TLS for any other', () => {
    expect(parseReference('127.0.0.1:5000/team/app:v1')).toEqual({ base: 'http://127.0.0.1:5000', repository: 'team/app', tag: 'v1' });
    expect(parseReference('localhost:5000/app:latest')).toEqual({ base: 'http://localhost:5000', repository: 'app', tag: 'latest' });
    expect(parseReference('europe-west6-docker.pkg.dev/p/models/app:nx1')).toEqual({
      base: 'https://europe-west6-docker.pkg.dev',
      repository: 'p/models/app',
      tag: 'nx1',
    });
  });
});

describe('listTags', () => {
  it("follows the registry's Link header across pages and keeps the order", async () => {
    const urls: string[] = [];
    const fakeFetch = (async (url: string | URL) => {
      urls.push(String(url));
      const page = String(url).includes('last=b') ? { tags: ['c'] } : { tags: ['a', 'b'] };
      const headers: Record<string, string> = String(url).includes('last=b')
        ? {}
        : { link: '</v2/team/app/tags/list?last=b&n=100>; rel="next"' };
      return new Response(JSON.stringify({ name: 'team/app', ...page }), { status: 200, headers });
    }) as typeof fetch;
    expect(await listTags('127.0.0.1:5000/team/app', undefined, fakeFetch)).toEqual(['a', 'b', 'c']);
    expect(urls).toEqual(['http://127.0.0.1:5000/v2/team/app/tags/list?n=100', 'http://127.0.0.1:5000/v2/team/app/tags/list?last=b&n=100']);
  });

  it('throws the status of a refused or absent repository for the caller to explain', async () => {
    const notFound = (async () => new Response('{}', { status: 404 })) as typeof fetch;
    await expect(listTags('127.0.0.1:5000/team/app', undefined, notFound)).rejects.toEqual(expect.objectContaining({ status: 404 }));
    await expect(listTags('127.0.0.1:5000/team/app', undefined, notFound)).rejects.toBeInstanceOf(RegistryReadError);
  });
});

describe('registry credentials', () => {
  it('go only to the registry that asked for them, not to another host a Link header names', async () => {
    const seen: Array<[string, string | null]> = [];
    const fakeFetch = (async (url: string | URL, init?: RequestInit) => {
      const authorization = new Headers(init?.headers).get('authorization');
      seen.push([new URL(String(url)).host, authorization]);
      if (String(url).includes('127.0.0.1:5000') && !authorization) {
        return new Response('{}', { status: 401, headers: { 'www-authenticate': 'Basic realm="registry"' } });
      }
      const headers: Record<string, string> = String(url).includes('127.0.0.1:5000')
        ? { link: '<http://cdn.example.com:9/v2/team/app/tags/list?last=a>; rel="next"' }
        : {};
      return new Response(JSON.stringify({ tags: String(url).includes('cdn') ? ['b'] : ['a'] }), { headers });
    }) as typeof fetch;
    expect(await listTags('127.0.0.1:5000/team/app', auth, fakeFetch)).toEqual(['a', 'b']);
    expect(seen).toEqual([
      ['127.0.0.1:5000', null],
      ['127.0.0.1:5000', basicHeader],
      ['cdn.example.com:9', null],
    ]);
  });
});
