import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import { createRegistryClient } from '../../lib/registry/client';
import { fakeExecutorContext } from '../../testing/executor-context';
import { captureLogger } from '../../testing/logger';
import versionsExecutor from './executor';

const digest = (char: string) => `sha256:${char.repeat(64)}`;

/** A registry over fetch holding classifier:{nx1,production} on one image and {nx2,latest} on another, tags two per page. */
function fakeRegistry(status = 200, extraTags: string[] = []) {
  const images: Record<string, { digest: string; config: object }> = {};
  const image = (char: string, accuracy: string, created: string) => ({
    digest: digest(char),
    config: {
      created,
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { 'dev.nx-bentoml.metrics.accuracy': accuracy, 'dev.nx-bentoml.params.max_depth': char === 'a' ? '3' : '5' } },
    },
  });
  images['nx1'] = images['production'] = image('a', '0.91', '2026-11-01T00:00:00Z');
  images['nx2'] = images['latest'] = image('b', '0.95', '2026-11-02T00:00:00Z');
  // Another project's image in the same repository (listed when a test adds the tag "theirs"); "ours" is this project's own.
  images['theirs'] = {
    digest: digest('e'),
    config: { architecture: 'amd64', os: 'linux', config: { Labels: { 'dev.nx-bentoml.project': 'sklearn-iris' } } },
  };
  images['ours'] = {
    digest: digest('f'),
    config: { architecture: 'amd64', os: 'linux', config: { Labels: { 'dev.nx-bentoml.project': 'classifier' } } },
  };
  const pages = [
    ['nx1', 'production'],
    ['nx2', 'latest', ...extraTags],
  ];
  const authorizations: Array<string | null> = [];
  const fakeFetch = (async (input: string | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    authorizations.push(new Headers(init?.headers).get('authorization'));
    if (status !== 200) return new Response('{}', { status });
    // Another tool's artifact, or a broken upload: not an image manifest at all.
    if (url.pathname === '/v2/classifier/manifests/junk')
      return new Response('not a manifest', { headers: { 'docker-content-digest': digest('d') } });
    if (url.pathname === '/v2/classifier/manifests/multi') {
      const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] };
      return new Response(JSON.stringify(index), { headers: { 'docker-content-digest': digest('c') } });
    }
    if (url.pathname === '/v2/classifier/tags/list') {
      const page = url.searchParams.get('last') ? 1 : 0;
      const headers: Record<string, string> = page === 0 ? { link: '</v2/classifier/tags/list?last=production&n=100>; rel="next"' } : {};
      return new Response(JSON.stringify({ tags: pages[page] }), { headers });
    }
    const manifest = /^\/v2\/classifier\/manifests\/(.+)$/.exec(url.pathname);
    if (manifest) {
      const found = images[manifest[1]];
      const body = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: `cfg-${found.digest}` } };
      return new Response(JSON.stringify(body), { headers: { 'docker-content-digest': found.digest } });
    }
    const blob = /^\/v2\/classifier\/blobs\/cfg-(.+)$/.exec(url.pathname);
    if (blob) return new Response(JSON.stringify(Object.values(images).find((entry) => entry.digest === blob[1])!.config));
    return new Response('{}', { status: 404 });
  }) as typeof fetch;
  return { fakeFetch, authorizations };
}

describe('versions executor', () => {
  captureLogger();
  let root: string;
  const options = { imagePath: 'dist/apps/classifier/image', outputPath: 'dist/apps/classifier/versions', registry: '127.0.0.1:5000' };
  const context = () => fakeExecutorContext(root, 'apps/classifier', 'versions');
  const credentials = () => ({
    env: { DOCKER_CONFIG: join(root, 'none'), NX_BENTOML_REGISTRY_USERNAME: 'nxbento', NX_BENTOML_REGISTRY_PASSWORD: 'hunter2-secret' },
  });
  let stdout: jest.SpyInstance;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'versions-'));
    mkdirSync(join(root, 'dist/apps/classifier/image'), { recursive: true });
    writeFileSync(
      join(root, 'dist/apps/classifier/image/image.json'),
      JSON.stringify({ imageName: 'classifier', imageId: 'sha256:1', tags: ['nx2', 'latest'], bentoTag: 'classifier:nx2', built: true }),
    );
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stdout.mockRestore();
    rmSync(root, { recursive: true, force: true });
  });

  it('prints the versions newest first as one JSON document and writes it to versions.json, credentials nowhere', async () => {
    const { fakeFetch } = fakeRegistry();
    expect(
      await versionsExecutor({ ...options, json: true }, context(), createRegistryClient({ ...credentials(), fetch: fakeFetch })),
    ).toEqual({ success: true });
    const printed = JSON.parse(String(stdout.mock.calls.map((call) => call[0]).join('')));
    expect(printed.repository).toBe('127.0.0.1:5000/classifier');
    expect(printed.versions.map((version: { digest: string; tags: string[] }) => [version.digest, version.tags])).toEqual([
      [digest('b'), ['latest', 'nx2']],
      [digest('a'), ['nx1', 'production']],
    ]);
    expect(printed.versions[0].metrics).toEqual({ accuracy: '0.95' });
    const written = readFileSync(join(root, 'dist/apps/classifier/versions/versions.json'), 'utf8');
    expect(JSON.parse(written)).toEqual(printed);
    expect(written).not.toContain('hunter2-secret');
  });

  it("lists only this project's images and those without a project label, and says what it left out", async () => {
    const { fakeFetch } = fakeRegistry(200, ['theirs', 'ours']);
    await versionsExecutor({ ...options, json: true }, context(), createRegistryClient({ ...credentials(), fetch: fakeFetch }));
    const printed = JSON.parse(String(stdout.mock.calls.map((call) => call[0]).join('')));
    expect(printed.versions.map((version: { digest: string }) => version.digest)).toEqual([digest('b'), digest('a'), digest('f')]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/^Left out 1 tag of 127.0.0.1:5000\/classifier that holds images of another project \(sklearn-iris\): /),
    );
  });

  it('shows the params and metrics that differ between two versions', async () => {
    const { fakeFetch } = fakeRegistry();
    await versionsExecutor(
      { ...options, compare: 'production,latest' },
      context(),
      createRegistryClient({ ...credentials(), fetch: fakeFetch }),
    );
    expect(logger.info).toHaveBeenCalledWith(
      'What differs between production and latest:\n  param max_depth: 3 -> 5\n  metric accuracy: 0.91 -> 0.95',
    );
  });

  it('refuses a version the registry does not hold, naming its tags', async () => {
    const { fakeFetch } = fakeRegistry();
    expect(
      await versionsExecutor(
        { ...options, compare: 'staging,latest' },
        context(),
        createRegistryClient({ ...credentials(), fetch: fakeFetch }),
      ),
    ).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('127.0.0.1:5000/classifier holds no version staging. Its tags: '));
    expect(existsSync(join(root, 'dist/apps/classifier/versions'))).toBe(false);
  });

  it.each([
    [404, '127.0.0.1:5000/classifier does not exist in the registry: nothing was published under this name.'],
    [
      401,
      'The registry 127.0.0.1:5000 refused the credentials for 127.0.0.1:5000/classifier (401 unauthorized, GET classifier/tags/list). Run "docker login 127.0.0.1:5000"',
    ],
    [
      403,
      'The registry 127.0.0.1:5000 denied the pull of 127.0.0.1:5000/classifier (403 forbidden, GET classifier/tags/list): the credentials lack read access to this repository.',
    ],
  ])('explains a registry answering %i, with no stack trace and no output', async (status, message) => {
    const { fakeFetch } = fakeRegistry(status);
    expect(await versionsExecutor(options, context(), createRegistryClient({ ...credentials(), fetch: fakeFetch }))).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining(message));
    expect(logger.error).not.toHaveBeenCalledWith(expect.stringMatching(/\n\s+at /));
    expect(existsSync(join(root, 'dist/apps/classifier/versions'))).toBe(false);
  });

  it('asks for an image name or a containerize run when neither is there', async () => {
    rmSync(join(root, 'dist'), { recursive: true });
    const { fakeFetch } = fakeRegistry();
    expect(await versionsExecutor(options, context(), createRegistryClient({ ...credentials(), fetch: fakeFetch }))).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(
      "No image name to look up: pass --imageName=<name>, or run the containerize target once so that it records the image's name.",
    );
  });

  it('asks for a registry when neither the option nor the docker-push target names one', async () => {
    const { fakeFetch } = fakeRegistry();
    const { registry: _registry, ...withoutRegistry } = options;
    expect(await versionsExecutor(withoutRegistry, context(), createRegistryClient({ ...credentials(), fetch: fakeFetch }))).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(
      'No registry to use: pass --registry=<host[/path]>, or set "registry" in the options of the docker-push target in project.json.',
    );
  });

  it('names the password variable the options give when the registry refuses', async () => {
    const { fakeFetch } = fakeRegistry(401);
    const env = { ...credentials().env, CI_REGISTRY_TOKEN: 'token-123' };
    await versionsExecutor({ ...options, passwordEnv: 'CI_REGISTRY_TOKEN' }, context(), createRegistryClient({ env, fetch: fakeFetch }));
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining('set NX_BENTOML_REGISTRY_USERNAME (or --username) and CI_REGISTRY_TOKEN, then run again.'),
    );
  });

  it('leaves out a tag whose manifest is no image manifest, and lists the others', async () => {
    const { fakeFetch } = fakeRegistry(200, ['junk']);
    expect(
      await versionsExecutor({ ...options, json: true }, context(), createRegistryClient({ ...credentials(), fetch: fakeFetch })),
    ).toEqual({ success: true });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/^Left out 1 tag of 127\.0\.0\.1:5000\/classifier whose image could not be read .*: junk\.$/),
    );
    expect(JSON.parse(String(stdout.mock.calls.map((call) => call[0]).join(''))).versions).toHaveLength(2);
  });

  it('says which tags it left out because their image could not be read', async () => {
    const { fakeFetch } = fakeRegistry(200, ['multi']);
    expect(
      await versionsExecutor({ ...options, json: true }, context(), createRegistryClient({ ...credentials(), fetch: fakeFetch })),
    ).toEqual({ success: true });
    expect(logger.warn).toHaveBeenCalledWith(
      'Left out 1 tag of 127.0.0.1:5000/classifier whose image could not be read (a manifest list of several platforms, or a manifest or config the registry refused): multi.',
    );
    expect(JSON.parse(String(stdout.mock.calls.map((call) => call[0]).join(''))).versions).toHaveLength(2);
  });
});
