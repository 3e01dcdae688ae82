import { basicHeader, manifestDigest, registryAuth as auth, startRegistry } from '../../testing/registry-server';
import type { RegistryAuth } from './credentials';
import { listTags, readImage, readManifest } from './distribution-api';
import { RegistryRefusal } from './errors';
import { repositoryApi } from './reference';
import { registrySession } from './session';

/** A tag's image, as versions and rule 3 read it: the manifest, then its config. */
async function readRemoteImage(reference: string, credentials: RegistryAuth | undefined) {
  const colon = reference.lastIndexOf(':');
  const session = registrySession(credentials, fetch);
  const api = repositoryApi(reference.slice(0, colon));
  const manifest = await readManifest(session, api, reference.slice(colon + 1));
  return manifest && readImage(session, api, manifest);
}

describe('reading a tag: readManifest and readImage', () => {
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

  it('reports credentials the registry does not accept as its refusal, not as a missing tag', async () => {
    const registry = await startRegistry('bearer');
    try {
      const refused = readRemoteImage(`${registry.host}/models/classifier:v1`, { ...auth, password: 'wrong' });
      await expect(refused).rejects.toBeInstanceOf(RegistryRefusal);
      await expect(refused).rejects.toEqual(expect.objectContaining({ status: 401, repository: `${registry.host}/models/classifier` }));
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

describe('listTags', () => {
  const list = (credentials: RegistryAuth | undefined, fakeFetch: typeof fetch) =>
    listTags(registrySession(credentials, fakeFetch), repositoryApi('127.0.0.1:5000/team/app'));

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
    expect(await list(undefined, fakeFetch)).toEqual(['a', 'b', 'c']);
    expect(urls).toEqual(['http://127.0.0.1:5000/v2/team/app/tags/list?n=100', 'http://127.0.0.1:5000/v2/team/app/tags/list?last=b&n=100']);
  });

  it('throws the status of a refused or absent repository for the caller to explain', async () => {
    const notFound = (async () => new Response('{}', { status: 404 })) as typeof fetch;
    await expect(list(undefined, notFound)).rejects.toEqual(expect.objectContaining({ status: 404 }));
    await expect(list(undefined, notFound)).rejects.toBeInstanceOf(RegistryRefusal);
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
    expect(await listTags(registrySession(auth, fakeFetch), repositoryApi('127.0.0.1:5000/team/app'))).toEqual(['a', 'b']);
    expect(seen).toEqual([
      ['127.0.0.1:5000', null],
      ['127.0.0.1:5000', basicHeader],
      ['cdn.example.com:9', null],
    ]);
  });
});
