import { startForwardProxy } from '../../testing/forward-proxy';
import { registryAuth as auth, startOciRegistry, storeImage } from '../../testing/registry-server';
import { UserError } from '../errors';
import { createRegistryClient } from '../registry/client';
import { outboundFetch, proxySettings } from './outbound-fetch';

// Each spec hands its environment to outboundFetch: process.env is never changed.
describe("nx-bentoml's own requests and HTTP_PROXY / HTTPS_PROXY / NO_PROXY", () => {
  let registry: Awaited<ReturnType<typeof startOciRegistry>>;
  let proxy: Awaited<ReturnType<typeof startForwardProxy>>;
  let digest: string;
  const manifestThrough = (env: Record<string, string>) =>
    createRegistryClient({ env }).imageManifest(`${registry.host}/team/app`, 'v1', auth);

  beforeEach(async () => {
    [registry, proxy] = await Promise.all([startOciRegistry(), startForwardProxy()]);
    digest = storeImage(registry.repository('team/app'), 'v1');
  });
  afterEach(() => {
    registry.close();
    proxy.close();
  });

  it("go with Node's own fetch, exactly as without this module, when no proxy is named", async () => {
    expect(outboundFetch({})).toBe(fetch);
    expect(outboundFetch({ NO_PROXY: '127.0.0.1' })).toBe(fetch);
    await expect(manifestThrough({})).resolves.toMatchObject({ digest });
    expect(proxy.requests).toEqual([]);
  });

  it('go through the proxy HTTP_PROXY names, with its credentials, every request of the registry client', async () => {
    const [host, port] = proxy.url.slice('http://'.length).split(':');
    await expect(manifestThrough({ HTTP_PROXY: `http://ci:hunter2@${host}:${port}` })).resolves.toMatchObject({ digest });
    expect(proxy.requests.map(({ url }) => url)).toEqual([
      `http://${registry.host}/v2/team/app/manifests/v1`,
      `http://${registry.host}/v2/team/app/manifests/v1`,
    ]);
    expect(registry.requests).toEqual(['GET /v2/team/app/manifests/v1', 'GET /v2/team/app/manifests/v1']);
    expect(proxy.requests[0].proxyAuthorization).toBe(`Basic ${Buffer.from('ci:hunter2').toString('base64')}`);
    // The lowercase form counts too, and a value without a scheme is http://, as curl reads it.
    await expect(manifestThrough({ http_proxy: `${host}:${port}` })).resolves.toMatchObject({ digest });
    expect(proxy.requests).toHaveLength(4);
  });

  it('stream blobs from one registry to another through the proxy (promote)', async () => {
    const target = await startOciRegistry();
    try {
      const client = createRegistryClient({ env: { HTTP_PROXY: proxy.url } });
      const from = { repository: `${registry.host}/team/app`, reference: 'v1', auth };
      await client.promote({
        from,
        to: { repository: `${target.host}/team/app`, tag: 'prod', auth },
        versionsCommand: 'nx run app:versions',
      });
      expect(target.repository('team/app').manifests.get('prod')).toEqual(registry.repository('team/app').manifests.get('v1'));
      expect(proxy.requests.length).toBe(registry.requests.length + target.requests.length);
      expect(proxy.requests.filter(({ url }) => url.startsWith(`http://${target.host}/v2/team/app/blobs/uploads/`))).not.toHaveLength(0);
    } finally {
      target.close();
    }
  });

  it('go direct to the hosts NO_PROXY lists (a host, or host:port), and to http:// ones when only HTTPS_PROXY is set', async () => {
    for (const noProxy of ['127.0.0.1', registry.host, 'registry.internal, 127.0.0.1']) {
      await expect(manifestThrough({ HTTP_PROXY: proxy.url, NO_PROXY: noProxy })).resolves.toMatchObject({ digest });
    }
    await expect(manifestThrough({ HTTPS_PROXY: proxy.url, no_proxy: '' })).resolves.toMatchObject({ digest });
    expect(proxy.requests).toEqual([]);
    expect(registry.requests).toHaveLength(8);
    expect(proxySettings({ HTTP_PROXY: proxy.url })).toEqual({
      http: { name: 'HTTP_PROXY', value: proxy.url },
      https: { name: 'HTTP_PROXY', value: proxy.url },
      noProxy: '',
    });
  });

  it('say which proxy refused and what to do, never its credentials, as a UserError', async () => {
    const refusing = await startForwardProxy({ refuse: 407 });
    try {
      const failure = manifestThrough({ HTTP_PROXY: refusing.url.replace('//', '//ci:hunter2@') });
      await expect(failure).rejects.toThrow(UserError);
      await expect(failure).rejects.toThrow(
        `The request to http://${registry.host} goes through the proxy ${refusing.url} (HTTP_PROXY), which answered HTTP 407 Proxy Authentication Required: ` +
          "it wants credentials, or refused the ones given. Check HTTP_PROXY (the proxy's address, http://user:password@host:port when it asks for credentials), " +
          'or list the host in NO_PROXY to reach it directly, then run again.',
      );
      expect(refusing.requests).toHaveLength(1);
    } finally {
      refusing.close();
    }
    proxy.close();
    const gone = manifestThrough({ HTTPS_PROXY: 'http://ci:hunter2@127.0.0.1:1', HTTP_PROXY: proxy.url.replace('//', '//ci:hunter2@') });
    await expect(gone).rejects.toThrow(
      `goes through the proxy ${proxy.url} (HTTP_PROXY), which cannot be reached (ECONNREFUSED). Check HTTP_PROXY`,
    );
    await expect(gone).rejects.not.toThrow('hunter2');
    await expect(manifestThrough({ HTTP_PROXY: 'http://ci:hunter2@[nope' })).rejects.toThrow(
      `The request to http://${registry.host} goes through the proxy HTTP_PROXY names, which is not a URL. Check HTTP_PROXY`,
    );
  });
});
