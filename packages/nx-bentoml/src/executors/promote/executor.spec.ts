import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import { fakeExecutorContext } from '../../testing/executor-context';
import { captureLogger } from '../../testing/logger';
import promoteExecutor from './executor';

const manifestType = 'application/vnd.oci.image.manifest.v1+json';
const sha = (data: string | Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

interface FakeRepository {
  manifests: Map<string, Buffer>;
  blobs: Map<string, Buffer>;
}

/** Registries over fetch, by host: repositories of manifests (by tag and digest) and blobs; every request is recorded. */
function fakeRegistries(options: { refuseWrites?: number } = {}) {
  const hosts = new Map<string, FakeRepository>();
  const requests: string[] = [];
  const repository = (host: string) => {
    if (!hosts.has(host)) hosts.set(host, { manifests: new Map(), blobs: new Map() });
    return hosts.get(host)!;
  };
  const fakeFetch = (async (input: string | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    requests.push(`${method} ${url.host}${url.pathname}`);
    const repo = repository(url.host);
    if (options.refuseWrites && method !== 'GET' && method !== 'HEAD') return new Response('{}', { status: options.refuseWrites });
    const manifest = /^\/v2\/classifier\/manifests\/(.+)$/.exec(url.pathname);
    if (manifest && method === 'GET') {
      const body = repo.manifests.get(manifest[1]);
      if (!body) return new Response('{}', { status: 404 });
      return new Response(body, { headers: { 'content-type': manifestType, 'docker-content-digest': sha(body) } });
    }
    if (manifest && method === 'PUT') {
      const body = Buffer.from(init!.body as Buffer);
      repo.manifests.set(manifest[1], body).set(sha(body), body);
      return new Response(null, { status: 201, headers: { 'docker-content-digest': sha(body) } });
    }
    const blob = /^\/v2\/classifier\/blobs\/(sha256:.+)$/.exec(url.pathname);
    if (blob) {
      const data = repo.blobs.get(blob[1]);
      return data ? new Response(method === 'HEAD' ? null : data) : new Response(null, { status: 404 });
    }
    if (url.pathname === '/v2/classifier/blobs/uploads/' && method === 'POST') {
      return new Response(null, { status: 202, headers: { location: '/v2/classifier/blobs/uploads/u1?state=x' } });
    }
    if (url.pathname === '/v2/classifier/blobs/uploads/u1' && method === 'PUT') {
      repo.blobs.set(url.searchParams.get('digest')!, Buffer.from(init!.body as Buffer));
      return new Response(null, { status: 201 });
    }
    if (url.pathname === '/v2/classifier/tags/list') {
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
    expect(await promoteExecutor({ ...options, from: 'latest' }, context(), credentials(), registries.fakeFetch)).toEqual({
      success: true,
      digest: sha(manifest),
    });
    expect(registries.repository('127.0.0.1:5000').manifests.get('production')).toEqual(manifest);
    expect(registries.requests.filter((request) => request.includes('/blobs/'))).toEqual([]);
    expect(promoted()).toMatchObject({ from: 'latest', to: 'production', digest: sha(manifest), changed: true });
    expect(logger.info).toHaveBeenCalledWith(expect.stringContaining('to 127.0.0.1:5000/classifier:production: no layer moved.'));

    registries.requests.length = 0;
    await promoteExecutor({ ...options, from: sha(manifest) }, context(), credentials(), registries.fakeFetch);
    expect(registries.requests.filter((request) => request.startsWith('PUT'))).toEqual([]);
    expect(promoted()).toMatchObject({ changed: false, digest: sha(manifest) });
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
    await promoteExecutor(options, context(), credentials(), registries.fakeFetch);
    expect(promoted()).toMatchObject({ from: sha(manifest), to: 'production' });
  });

  it('copies to another registry only the blobs it lacks, then the manifest under the tag', async () => {
    const registries = fakeRegistries();
    publish(registries);
    registries.repository('127.0.0.1:5001').blobs.set(sha(layers[0]), layers[0]);
    await promoteExecutor({ ...options, from: 'nx1', toRegistry: '127.0.0.1:5001' }, context(), credentials(), registries.fakeFetch);
    const target = registries.repository('127.0.0.1:5001');
    expect(target.manifests.get('production')).toEqual(manifest);
    expect([...target.blobs.keys()].sort()).toEqual([config, ...layers].map(sha).sort());
    expect(registries.requests.filter((request) => request.startsWith('PUT 127.0.0.1:5001/v2/classifier/blobs/'))).toHaveLength(2);
    expect(promoted()).toMatchObject({ target: '127.0.0.1:5001/classifier', blobs: { present: 1, uploaded: 2 } });
  });

  it('refuses a version the registry does not hold, naming its tags, and writes nothing', async () => {
    const registries = fakeRegistries();
    publish(registries);
    expect(await promoteExecutor({ ...options, from: 'nx9' }, context(), credentials(), registries.fakeFetch)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(
      '127.0.0.1:5000/classifier holds no version nx9 (its tags: nx1, latest). Give --from a tag or digest (sha256:…) that it holds; nx run classifier:versions lists them.',
    );
    expect(registries.requests.filter((request) => request.startsWith('PUT'))).toEqual([]);
    expect(existsSync(join(root, 'dist/apps/classifier/promote'))).toBe(false);
  });

  it('asks for a published version or --from when the project has published nothing', async () => {
    const registries = fakeRegistries();
    expect(await promoteExecutor(options, context(), credentials(), registries.fakeFetch)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('No published version of this project in 127.0.0.1:5000 to promote'));
  });

  it('explains a registry that refuses the write, with what to do', async () => {
    const registries = fakeRegistries({ refuseWrites: 403 });
    publish(registries);
    expect(await promoteExecutor({ ...options, from: 'latest' }, context(), credentials(), registries.fakeFetch)).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining(
        'The registry refused PUT classifier/manifests/production (HTTP 403): the credentials for 127.0.0.1:5000/classifier are missing or lack write access.',
      ),
    );
    expect(existsSync(join(root, 'dist/apps/classifier/promote'))).toBe(false);
  });

  it('refuses a --to that is no tag', async () => {
    const registries = fakeRegistries();
    expect(await promoteExecutor({ ...options, to: 'prod/uction' }, context(), credentials(), registries.fakeFetch)).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(
      'Invalid image tag "prod/uction": a tag is at most 128 letters, digits, "_", "." or "-" and must not start with "." or "-".',
    );
  });

  it('refuses a digest prefix, which the registry API does not resolve', async () => {
    const registries = fakeRegistries();
    publish(registries);
    expect(await promoteExecutor({ ...options, from: 'sha256:abcdef012345' }, context(), credentials(), registries.fakeFetch)).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('--from=sha256:abcdef012345 is not a whole digest'));
    expect(registries.requests).toEqual([]);
  });
});
