import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import { createRegistryClient } from '../../lib/registry/client';
import { registryAuth, startOciRegistry, storeImage } from '../../testing/registry-server';
import { fakeExecutorContext } from '../../testing/executor-context';
import { captureLogger } from '../../testing/logger';
import promoteExecutor from './executor';

const manifestType = 'application/vnd.oci.image.manifest.v1+json';
const listType = 'application/vnd.oci.image.index.v1+json';
const sha = (data: string | Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

interface FakeRepository {
  manifests: Map<string, Buffer>;
  blobs: Map<string, Buffer>;
}

/**
 * Registries over fetch: repositories ("host/name") of manifests (by tag and digest) and blobs, with
 * uploads (monolithic, streamed or not) and cross-repository mounts; every request is recorded.
 */
function fakeRegistries(options: { refuseWrites?: number; refuseManifestType?: string; noMount?: boolean } = {}) {
  const repositories = new Map<string, FakeRepository>();
  const requests: string[] = [];
  const repository = (name: string) => {
    const key = name.includes('/') ? name : `${name}/classifier`;
    if (!repositories.has(key)) repositories.set(key, { manifests: new Map(), blobs: new Map() });
    return repositories.get(key)!;
  };
  const bodyOf = async (init: RequestInit | undefined) => Buffer.from(await new Response(init?.body).arrayBuffer());
  const fakeFetch = (async (input: string | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    requests.push(`${method} ${url.host}${url.pathname}${url.searchParams.has('mount') ? ' mount' : ''}`);
    if (options.refuseWrites && method !== 'GET' && method !== 'HEAD') return new Response('{}', { status: options.refuseWrites });
    const route = /^\/v2\/(.+)\/(manifests|blobs|tags)\/(.*)$/.exec(url.pathname);
    if (!route) return new Response('{}', { status: 404 });
    const [, name, kind, rest] = route;
    const repo = repository(`${url.host}/${name}`);
    if (kind === 'manifests' && method === 'GET') {
      const body = repo.manifests.get(rest);
      if (!body) return new Response('{}', { status: 404 });
      const type = JSON.parse(body.toString()).mediaType;
      return new Response(body, { headers: { 'content-type': type, 'docker-content-digest': sha(body) } });
    }
    if (kind === 'manifests' && method === 'PUT') {
      const type = new Headers(init?.headers).get('content-type');
      if (type === options.refuseManifestType) return new Response('{"errors":[{"code":"MANIFEST_INVALID"}]}', { status: 400 });
      const body = await bodyOf(init);
      repo.manifests.set(rest, body).set(sha(body), body);
      return new Response(null, { status: 201, headers: { 'docker-content-digest': sha(body) } });
    }
    if (kind === 'blobs' && rest === 'uploads/' && method === 'POST') {
      const mount = url.searchParams.get('mount');
      const from = url.searchParams.get('from');
      const mounted = mount && from && !options.noMount ? repository(`${url.host}/${from}`).blobs.get(mount) : undefined;
      if (mounted) {
        repo.blobs.set(mount!, mounted);
        return new Response(null, { status: 201 });
      }
      return new Response(null, { status: 202, headers: { location: `/v2/${name}/blobs/uploads/u1?state=x` } });
    }
    if (kind === 'blobs' && rest === 'uploads/u1' && method === 'PUT') {
      repo.blobs.set(url.searchParams.get('digest')!, await bodyOf(init));
      return new Response(null, { status: 201 });
    }
    if (kind === 'blobs') {
      const data = repo.blobs.get(rest);
      return data ? new Response(method === 'HEAD' ? null : data) : new Response(null, { status: 404 });
    }
    if (kind === 'tags') {
      return new Response(JSON.stringify({ tags: [...repo.manifests.keys()].filter((key) => !key.startsWith('sha256:')) }));
    }
    return new Response('{}', { status: 404 });
  }) as typeof fetch;
  return { fakeFetch, requests, repository };
}

describe('promote executor', () => {
  captureLogger();
  let root: string;
  const options = {
    to: 'production',
    registry: '127.0.0.1:5000',
    imageName: 'classifier',
    imagePath: 'dist/apps/classifier/image',
    pushPath: 'dist/apps/classifier/push',
    outputPath: 'dist/apps/classifier/promote',
  };
  const context = () => fakeExecutorContext(root, 'apps/classifier', 'promote');
  const credentials = () => ({ env: { DOCKER_CONFIG: join(root, 'none') } });
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const layers = [Buffer.from('model weights'), Buffer.from('service code')];
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: manifestType,
      config: { digest: sha(config) },
      layers: layers.map((layer) => ({ digest: sha(layer) })),
    }),
  );
  const publish = (registries: ReturnType<typeof fakeRegistries>) => {
    const repo = registries.repository('127.0.0.1:5000');
    for (const blob of [config, ...layers]) repo.blobs.set(sha(blob), blob);
    repo.manifests.set('nx1', manifest).set('latest', manifest).set(sha(manifest), manifest);
  };
  const promoted = () => JSON.parse(readFileSync(join(root, 'dist/apps/classifier/promote/promote.json'), 'utf8'));

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'promote-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('points the tag at the exact digest within the registry, moving no blob, and is idempotent', async () => {
    const registries = fakeRegistries();
    publish(registries);
    expect(
      await promoteExecutor(
        { ...options, from: 'latest' },
        context(),
        createRegistryClient({ ...credentials(), fetch: registries.fakeFetch }),
      ),
    ).toEqual({
      success: true,
      digest: sha(manifest),
    });
    expect(registries.repository('127.0.0.1:5000').manifests.get('production')).toEqual(manifest);
    // No blob moved: the image config alone is read, for its project label.
    expect(registries.requests.filter((request) => request.includes('/blobs/'))).toEqual([
      `GET 127.0.0.1:5000/v2/classifier/blobs/${sha(config)}`,
    ]);
    expect(promoted()).toMatchObject({ from: 'latest', to: 'production', digest: sha(manifest), changed: true });
    expect(logger.info).toHaveBeenCalledWith(expect.stringContaining('to 127.0.0.1:5000/classifier:production: no layer moved.'));

    registries.requests.length = 0;
    await promoteExecutor(
      { ...options, from: sha(manifest) },
      context(),
      createRegistryClient({ ...credentials(), fetch: registries.fakeFetch }),
    );
    expect(registries.requests.filter((request) => request.startsWith('PUT'))).toEqual([]);
    expect(promoted()).toMatchObject({ changed: false, digest: sha(manifest) });
  });

  /** An image of project sklearn-iris under `tag` in the shared repository; its manifest. */
  const storeOtherProjectsImage = (repo: ReturnType<ReturnType<typeof fakeRegistries>['repository']>, tag: string) => {
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { 'dev.nx-bentoml.project': 'sklearn-iris' } } }),
    );
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: manifestType, config: { digest: sha(config) }, layers: [] }),
    );
    repo.blobs.set(sha(config), config);
    repo.manifests.set(tag, manifest).set(sha(manifest), manifest);
    return manifest;
  };

  it("refuses --from a tag or digest that names another project's image in the shared repository, and moves no tag", async () => {
    const registries = fakeRegistries();
    const repo = registries.repository('127.0.0.1:5000');
    const theirManifest = storeOtherProjectsImage(repo, 'latest');
    for (const from of ['latest', sha(theirManifest)]) {
      const client = createRegistryClient({ ...credentials(), fetch: registries.fakeFetch });
      expect(await promoteExecutor({ ...options, from }, context(), client)).toEqual({ success: false });
    }
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringMatching(
        /^The image repository 127.0.0.1:5000\/classifier is also the image of project sklearn-iris: .* Set "imageName" in the containerize options of classifier's project.json/,
      ),
    );
    expect(registries.requests.filter((request) => request.startsWith('PUT'))).toEqual([]);
    expect(repo.manifests.has('production')).toBe(false);
  });

  it("refuses to move a tag that holds another project's image in the shared repository, and writes nothing", async () => {
    const registries = fakeRegistries();
    publish(registries);
    const repo = registries.repository('127.0.0.1:5000');
    const theirManifest = storeOtherProjectsImage(repo, 'production');
    const client = createRegistryClient({ ...credentials(), fetch: registries.fakeFetch });
    expect(await promoteExecutor({ ...options, from: 'nx1' }, context(), client)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringMatching(/^The image repository 127.0.0.1:5000\/classifier is also the image of project sklearn-iris: /),
    );
    expect(registries.requests.filter((request) => request.startsWith('PUT'))).toEqual([]);
    expect(repo.manifests.get('production')).toEqual(theirManifest);
  });

  it('promotes the digest the last docker-push published when no --from is given', async () => {
    const registries = fakeRegistries();
    publish(registries);
    mkdirSync(join(root, 'dist/apps/classifier/push'), { recursive: true });
    writeFileSync(
      join(root, 'dist/apps/classifier/push/push.json'),
      JSON.stringify({
        imageName: 'classifier',
        imageId: 'sha256:1',
        imageSizeBytes: 1,
        pushed: [
          { registry: '127.0.0.1:5000', reference: '127.0.0.1:5000/classifier:nx1', tag: 'nx1', digest: sha(manifest), status: 'pushed' },
        ],
      }),
    );
    await promoteExecutor(options, context(), createRegistryClient({ ...credentials(), fetch: registries.fakeFetch }));
    expect(promoted()).toMatchObject({ from: sha(manifest), to: 'production' });
  });

  it('copies to another registry only the blobs it lacks, then the manifest under the tag', async () => {
    const registries = fakeRegistries();
    publish(registries);
    registries.repository('127.0.0.1:5001').blobs.set(sha(layers[0]), layers[0]);
    await promoteExecutor(
      { ...options, from: 'nx1', toRegistry: '127.0.0.1:5001' },
      context(),
      createRegistryClient({ ...credentials(), fetch: registries.fakeFetch }),
    );
    const target = registries.repository('127.0.0.1:5001');
    expect(target.manifests.get('production')).toEqual(manifest);
    expect([...target.blobs.keys()].sort()).toEqual([config, ...layers].map(sha).sort());
    expect(registries.requests.filter((request) => request.startsWith('PUT 127.0.0.1:5001/v2/classifier/blobs/'))).toHaveLength(2);
    expect(promoted()).toMatchObject({ target: '127.0.0.1:5001/classifier', blobs: { present: 1, mounted: 0, uploaded: 2 } });
  });

  it("carries the version's referrers (signed statements) to another registry and says how many", async () => {
    const [source, target] = await Promise.all([startOciRegistry(), startOciRegistry()]);
    try {
      const subject = storeImage(source.repository('classifier'), 'nx1');
      const statement = { artifactType: 'application/vnd.test+json', mediaType: 'application/json', data: Buffer.from('{}\n') };
      await createRegistryClient().attachReferrer(`${source.host}/classifier`, subject, statement, registryAuth);
      const env = { DOCKER_CONFIG: join(root, 'none'), CI_PASSWORD: registryAuth.password };
      const access = { username: registryAuth.username, passwordEnv: 'CI_PASSWORD' };
      await promoteExecutor(
        { ...options, ...access, registry: source.host, toRegistry: target.host, from: 'nx1' },
        context(),
        createRegistryClient({ env }),
      );
      expect(logger.info).toHaveBeenCalledWith(
        `Promoted ${source.host}/classifier@${subject} (nx1) to ${target.host}/classifier:production: ` +
          '2 blobs copied, 0 mounted, 0 already there. 1 referrers (signed statements) carried.',
      );
      expect(promoted()).toMatchObject({ digest: subject, referrers: 1 });
    } finally {
      source.close();
      target.close();
    }
  });

  it('refuses a version the registry does not hold, naming its tags, and writes nothing', async () => {
    const registries = fakeRegistries();
    publish(registries);
    expect(
      await promoteExecutor(
        { ...options, from: 'nx9' },
        context(),
        createRegistryClient({ ...credentials(), fetch: registries.fakeFetch }),
      ),
    ).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(
      '127.0.0.1:5000/classifier holds no version nx9 (its tags: nx1, latest). Give --from a tag or digest (sha256:…) that it holds; nx run classifier:versions lists them.',
    );
    expect(registries.requests.filter((request) => request.startsWith('PUT'))).toEqual([]);
    expect(existsSync(join(root, 'dist/apps/classifier/promote'))).toBe(false);
  });

  it('asks for a published version or --from when the project has published nothing', async () => {
    const registries = fakeRegistries();
    expect(await promoteExecutor(options, context(), createRegistryClient({ ...credentials(), fetch: registries.fakeFetch }))).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('No published version of this project in 127.0.0.1:5000 to promote'));
  });

  it('explains a registry that refuses the write, with what to do', async () => {
    const registries = fakeRegistries({ refuseWrites: 403 });
    publish(registries);
    expect(
      await promoteExecutor(
        { ...options, from: 'latest' },
        context(),
        createRegistryClient({ ...credentials(), fetch: registries.fakeFetch }),
      ),
    ).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining(
        'The registry 127.0.0.1:5000 denied the push of 127.0.0.1:5000/classifier (403 forbidden, PUT classifier/manifests/production): the credentials lack write access to this repository.',
      ),
    );
    expect(existsSync(join(root, 'dist/apps/classifier/promote'))).toBe(false);
  });

  it('refuses a --to that is no tag', async () => {
    const registries = fakeRegistries();
    expect(
      await promoteExecutor(
        { ...options, to: 'prod/uction' },
        context(),
        createRegistryClient({ ...credentials(), fetch: registries.fakeFetch }),
      ),
    ).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(
      'Invalid image tag "prod/uction": a tag is at most 128 letters, digits, "_", "." or "-" and must not start with "." or "-".',
    );
  });

  it('refuses a digest prefix, which the registry API does not resolve', async () => {
    const registries = fakeRegistries();
    publish(registries);
    expect(
      await promoteExecutor(
        { ...options, from: 'sha256:abcdef012345' },
        context(),
        createRegistryClient({ ...credentials(), fetch: registries.fakeFetch }),
      ),
    ).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('--from=sha256:abcdef012345 is not a whole digest'));
    expect(registries.requests).toEqual([]);
  });

  it('mounts the blobs from the source repository when the target is another repository of the same registry', async () => {
    const registries = fakeRegistries();
    publish(registries);
    await promoteExecutor(
      { ...options, from: 'nx1', toRegistry: '127.0.0.1:5000/prod' },
      context(),
      createRegistryClient({ ...credentials(), fetch: registries.fakeFetch }),
    );
    const target = registries.repository('127.0.0.1:5000/prod/classifier');
    expect(target.manifests.get('production')).toEqual(manifest);
    expect([...target.blobs.keys()].sort()).toEqual([config, ...layers].map(sha).sort());
    expect(registries.requests.filter((request) => request.includes('/blobs/uploads/'))).toEqual([
      'POST 127.0.0.1:5000/v2/prod/classifier/blobs/uploads/ mount',
      'POST 127.0.0.1:5000/v2/prod/classifier/blobs/uploads/ mount',
      'POST 127.0.0.1:5000/v2/prod/classifier/blobs/uploads/ mount',
    ]);
    expect(promoted()).toMatchObject({ blobs: { present: 0, mounted: 3, uploaded: 0 } });
  });

  it('uploads instead when the registry does not mount (202 to the mount request)', async () => {
    const registries = fakeRegistries({ noMount: true });
    publish(registries);
    await promoteExecutor(
      { ...options, from: 'nx1', toRegistry: '127.0.0.1:5000/prod' },
      context(),
      createRegistryClient({ ...credentials(), fetch: registries.fakeFetch }),
    );
    expect([...registries.repository('127.0.0.1:5000/prod/classifier').blobs.values()]).toEqual([config, ...layers]);
    expect(promoted()).toMatchObject({ blobs: { present: 0, mounted: 0, uploaded: 3 } });
  });

  it("copies a manifest list with each platform's manifest and blobs to another registry", async () => {
    const registries = fakeRegistries();
    publish(registries);
    const list = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: listType, manifests: [{ digest: sha(manifest), platform: { os: 'linux' } }] }),
    );
    registries.repository('127.0.0.1:5000').manifests.set('multi', list);
    await promoteExecutor(
      { ...options, from: 'multi', toRegistry: '127.0.0.1:5001' },
      context(),
      createRegistryClient({ ...credentials(), fetch: registries.fakeFetch }),
    );
    const target = registries.repository('127.0.0.1:5001');
    expect(target.manifests.get('production')).toEqual(list);
    expect(target.manifests.get(sha(manifest))).toEqual(manifest);
    expect(target.blobs.size).toBe(3);
  });

  it('explains a registry that does not store manifest lists, and moves no tag', async () => {
    const registries = fakeRegistries({ refuseManifestType: listType });
    publish(registries);
    const list = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: listType, manifests: [{ digest: sha(manifest) }] }));
    registries.repository('127.0.0.1:5000').manifests.set('multi', list);
    expect(
      await promoteExecutor(
        { ...options, from: 'multi' },
        context(),
        createRegistryClient({ ...credentials(), fetch: registries.fakeFetch }),
      ),
    ).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(
      `127.0.0.1:5000/classifier refused the manifest list (HTTP 400, ${listType}): this registry does not store multi-platform images. ` +
        "Promote one platform's image instead: --from=<its digest> (nx run classifier:versions lists them, or docker buildx imagetools inspect).",
    );
    expect(registries.repository('127.0.0.1:5000').manifests.has('production')).toBe(false);
    expect(existsSync(join(root, 'dist/apps/classifier/promote'))).toBe(false);
  });

  it('two promotes of one tag at once: the same version both succeed; of two versions, the one overwritten says so', async () => {
    const registries = fakeRegistries();
    publish(registries);
    const results = await Promise.all([
      promoteExecutor({ ...options, from: 'nx1' }, context(), createRegistryClient({ ...credentials(), fetch: registries.fakeFetch })),
      promoteExecutor({ ...options, from: 'latest' }, context(), createRegistryClient({ ...credentials(), fetch: registries.fakeFetch })),
    ]);
    expect(results).toEqual([
      { success: true, digest: sha(manifest) },
      { success: true, digest: sha(manifest) },
    ]);
    expect(registries.repository('127.0.0.1:5000').manifests.get('production')).toEqual(manifest);

    // Another writer puts an older version under the tag right after this promote's write lands.
    const older = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: manifestType, config: { digest: sha(config) }, layers: [] }));
    const repo = registries.repository('127.0.0.1:5000');
    repo.manifests.set('nx0', older);
    repo.manifests.delete('production');
    const recorded = readFileSync(join(root, 'dist/apps/classifier/promote/promote.json'), 'utf8');
    const write = repo.manifests.set.bind(repo.manifests);
    repo.manifests.set = (key, value) => {
      write(key, value);
      if (key === 'production') write('production', older);
      return repo.manifests;
    };
    expect(
      await promoteExecutor(
        { ...options, from: 'nx1' },
        context(),
        createRegistryClient({ ...credentials(), fetch: registries.fakeFetch }),
      ),
    ).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(
      `127.0.0.1:5000/classifier:production points at ${sha(older)}, not ${sha(manifest)}, right after this promote wrote it: ` +
        'another promote or push of production wrote after it. Check with nx run classifier:versions, then promote again the version production should hold.',
    );
    expect(readFileSync(join(root, 'dist/apps/classifier/promote/promote.json'), 'utf8')).toBe(recorded);
  });
});
