import { manifestDigest, registryAuth as auth, startRegistry } from '../../testing/registry-server';
import { createRegistryClient } from './client';
import { RegistryRefusal } from './errors';
import type { LocalImage } from './push-plan';

const label = 'dev.nx-bentoml.build-key';
const otherDigest = `sha256:${'b'.repeat(64)}`;
/** This engine's image: built from the inputs `buildKey` names, never pushed (its digest unknown to the registry). */
const localImage = (buildKey = 'k1', knownDigests: string[] = [otherDigest]): LocalImage => ({
  knownDigests: new Set(knownDigests),
  buildKey: { label, value: buildKey },
  platform: 'linux/amd64',
});

describe('RegistryClient.pointTag', () => {
  it.each(['basic', 'bearer'] as const)(
    'writes the manifest of a digest under a new tag (%s auth, asking again for push)',
    async (scheme) => {
      const registry = await startRegistry(scheme);
      try {
        await expect(createRegistryClient().pointTag(`${registry.host}/models/classifier`, 'abc123', manifestDigest, auth)).resolves.toBe(
          true,
        );
        expect([...registry.tags]).toEqual(['v1', 'abc123']);
      } finally {
        registry.close();
      }
    },
  );

  it('answers false when the registry refuses the credentials (the push that follows reports it)', async () => {
    const registry = await startRegistry('bearer');
    try {
      const wrong = { ...auth, password: 'wrong' };
      await expect(createRegistryClient().pointTag(`${registry.host}/models/classifier`, 'abc123', manifestDigest, wrong)).resolves.toBe(
        false,
      );
      expect([...registry.tags]).toEqual(['v1']);
    } finally {
      registry.close();
    }
  });
});

describe('RegistryClient.planPush', () => {
  it('keeps a tag that holds this very image, without reading its config', async () => {
    const registry = await startRegistry('basic');
    try {
      const steps = await createRegistryClient().planPush(
        `${registry.host}/models/classifier`,
        { tags: ['v1', 'v2'] },
        localImage('k1', [manifestDigest]),
        auth,
      );
      expect(steps).toEqual([
        { tag: 'v1', action: 'keep', digest: manifestDigest, sameInputs: false },
        { tag: 'v2', action: 'push' },
      ]);
      expect(registry.requests.filter((line) => line.includes('/blobs/'))).toEqual([]);
    } finally {
      registry.close();
    }
  });

  it('points the other tags at an image built elsewhere from the same inputs, and pushes over another build key', async () => {
    const registry = await startRegistry('bearer');
    try {
      const client = createRegistryClient();
      const repository = `${registry.host}/models/classifier`;
      expect(await client.planPush(repository, { tags: ['v1', 'latest'] }, localImage('k1'), auth)).toEqual([
        { tag: 'v1', action: 'keep', digest: manifestDigest, sameInputs: true },
        { tag: 'latest', action: 'point', digest: manifestDigest },
      ]);
      expect(await client.planPush(repository, { tags: ['v1'] }, localImage('k2'), auth)).toEqual([{ tag: 'v1', action: 'push' }]);
    } finally {
      registry.close();
    }
  });

  it('marks a tag holding an image its owner test refuses, from the config it reads anyway; reads none for this very image', async () => {
    const registry = await startRegistry('basic');
    try {
      const repository = `${registry.host}/models/classifier`;
      const owns = (labels: Record<string, string>) => labels['dev.nx-bentoml.build-key'] !== 'k1';
      expect(await createRegistryClient().planPush(repository, { tags: ['v1'] }, { ...localImage('k1'), owns }, auth)).toEqual([
        { tag: 'v1', action: 'foreign', digest: manifestDigest, labels: { 'dev.nx-bentoml.build-key': 'k1' } },
      ]);
      registry.requests.length = 0;
      const known = { ...localImage('k1', [manifestDigest]), owns };
      expect(await createRegistryClient().planPush(repository, { tags: ['v1'] }, known, auth)).toEqual([
        { tag: 'v1', action: 'keep', digest: manifestDigest, sameInputs: false },
      ]);
      expect(registry.requests.filter((line) => line.includes('/blobs/'))).toEqual([]);
    } finally {
      registry.close();
    }
  });

  it('asks nothing when forced', async () => {
    const refuse = jest.fn(async () => new Response('{}', { status: 500 })) as unknown as typeof fetch;
    const steps = await createRegistryClient({ fetch: refuse }).planPush(
      '127.0.0.1:5000/classifier',
      { tags: ['nx1'], force: true },
      localImage(),
      undefined,
    );
    expect(steps).toEqual([{ tag: 'nx1', action: 'push' }]);
    expect(refuse).not.toHaveBeenCalled();
  });

  it('throws a 401 instead of taking the tag for absent: the push would be refused alike', async () => {
    const registry = await startRegistry('bearer');
    try {
      const planned = createRegistryClient().planPush(`${registry.host}/models/classifier`, { tags: ['v1'] }, localImage(), {
        ...auth,
        password: 'wrong',
      });
      await expect(planned).rejects.toBeInstanceOf(RegistryRefusal);
      await expect(planned).rejects.toEqual(expect.objectContaining({ status: 401 }));
    } finally {
      registry.close();
    }
  });

  it.each([
    ['a 403 (push-only credentials)', async () => new Response('{}', { status: 403 })],
    ['a 503', async () => new Response('{}', { status: 503 })],
    ['the network', async () => Promise.reject(new TypeError('fetch failed'))],
    ['a 401 to an identity token, which only the Engine exchanges', async () => new Response('{}', { status: 401 })],
  ])('pushes when the registry cannot be asked what it holds: %s', async (_, answer) => {
    const identity = { serveraddress: '127.0.0.1:5000', identitytoken: 'refresh-token' };
    const steps = await createRegistryClient({ fetch: answer as typeof fetch }).planPush(
      '127.0.0.1:5000/classifier',
      { tags: ['nx1', 'latest'] },
      localImage(),
      identity,
    );
    expect(steps).toEqual([
      { tag: 'nx1', action: 'push' },
      { tag: 'latest', action: 'push' },
    ]);
  });
});

describe('RegistryClient.planPush with a token short of the pull scope', () => {
  it('pushes when valid credentials may not read (401 insufficient_scope), as it does on a 403', async () => {
    const challenge = 'Bearer realm="http://127.0.0.1:5000/token",service="registry",scope="repository:classifier:pull"';
    const fakeFetch = async (url: string | URL) =>
      String(url).includes('/token')
        ? new Response(JSON.stringify({ token: 'push-only' }), { status: 200 })
        : new Response('{}', { status: 401, headers: { 'www-authenticate': `${challenge},error="insufficient_scope"` } });
    const steps = await createRegistryClient({ fetch: fakeFetch as typeof fetch }).planPush(
      '127.0.0.1:5000/classifier',
      { tags: ['nx1'] },
      localImage(),
      { username: 'robot', password: 'secret', serveraddress: '127.0.0.1:5000' },
    );
    expect(steps).toEqual([{ tag: 'nx1', action: 'push' }]);
  });
});

describe('RegistryClient.planPush forced, with an owner', () => {
  it('asks whose images the tags hold, and leaves a refused read to the push, which explains it', async () => {
    const refuse = jest.fn(async () => new Response('{}', { status: 401 }));
    const steps = await createRegistryClient({ fetch: refuse as unknown as typeof fetch }).planPush(
      '127.0.0.1:5000/classifier',
      { tags: ['nx1'], force: true },
      { ...localImage(), owns: () => true },
      { username: 'u', password: 'wrong', serveraddress: '127.0.0.1:5000' },
    );
    expect(refuse).toHaveBeenCalled();
    expect(steps).toEqual([{ tag: 'nx1', action: 'push' }]);
  });
});

describe('RegistryClient.credentials', () => {
  it("takes the target's username and password variable before the sources' environment", async () => {
    const client = createRegistryClient({
      env: { DOCKER_CONFIG: '/nonexistent', CI_TOKEN: 't0ken', NX_BENTOML_REGISTRY_USERNAME: 'env-user' },
    });
    expect(await client.credentials('127.0.0.1:5000', { username: 'ci', passwordEnv: 'CI_TOKEN' })).toEqual({
      serveraddress: '127.0.0.1:5000',
      username: 'ci',
      password: 't0ken',
    });
  });
});
