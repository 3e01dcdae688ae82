import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import type { DockerClient } from '../../lib/docker/client';
import { createRegistryClient } from '../../lib/registry/client';
import type { CredentialSources } from '../../lib/registry/credentials';
import { fakeDocker } from '../../testing/fake-docker';
import { writeRegistryImageHandoff } from '../../testing/image-handoffs';
import { fakeRegistry } from '../../testing/fake-registry';
import { fakeExecutorContext } from '../../testing/executor-context';
import { captureLogger } from '../../testing/logger';
import dockerPushExecutor from './executor';

describe('docker-push executor', () => {
  captureLogger();
  let root: string;
  const options = { imagePath: 'dist/apps/classifier/image', outputPath: 'dist/apps/classifier/push', registry: '127.0.0.1:5000' };
  const context = () => fakeExecutorContext(root, 'apps/classifier', 'docker-push');
  const noCredentials = () => ({ env: { DOCKER_CONFIG: join(root, 'no-docker-config') } });
  const credentialsFromEnvironment = () => ({
    env: { DOCKER_CONFIG: join(root, 'none'), NX_BENTOML_REGISTRY_USERNAME: 'nxbento', NX_BENTOML_REGISTRY_PASSWORD: 'hunter2-secret' },
  });
  /** A fake engine that holds the image containerize built. */
  const dockerWithImage = (overrides: Partial<DockerClient> = {}) => {
    const docker = fakeDocker(overrides);
    docker.images.set('sha256:1', {
      id: 'sha256:1',
      labels: {},
      repoTags: ['classifier:nx1', 'classifier:latest'],
      repoDigests: [],
      sizeBytes: 1000,
      platform: 'linux/amd64',
    });
    return docker;
  };
  /** The engine and the registry its pushes land in, with the credentials the registry client finds. */
  const clients = (docker: ReturnType<typeof fakeDocker>, credentials: CredentialSources = noCredentials()) =>
    [docker.client, fakeRegistry(docker.registry, { credentials, calls: docker.calls }).client] as const;
  const refusingDocker = () =>
    dockerWithImage({
      pushImage: async () => {
        throw new Error('unauthorized: authentication required');
      },
    });
  const everythingLogged = () =>
    JSON.stringify((['info', 'warn', 'error'] as const).map((level) => (logger[level] as jest.Mock).mock.calls));

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'docker-push-'));
    mkdirSync(join(root, 'dist/apps/classifier/image'), { recursive: true });
    writeFileSync(
      join(root, 'dist/apps/classifier/image/image.json'),
      JSON.stringify({ imageId: 'sha256:1', imageName: 'classifier', tags: ['nx1', 'latest'], bentoTag: 'classifier:nx1', built: true }),
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('tags and pushes every tag and records the digests', async () => {
    const docker = dockerWithImage();
    expect(await dockerPushExecutor(options, context(), ...clients(docker, noCredentials()))).toEqual({ success: true });
    expect(docker.calls).toEqual([
      'tag 127.0.0.1:5000/classifier:nx1',
      'push 127.0.0.1:5000/classifier:nx1',
      'tag 127.0.0.1:5000/classifier:latest',
      'push 127.0.0.1:5000/classifier:latest',
    ]);
    const manifest = JSON.parse(readFileSync(join(root, 'dist/apps/classifier/push/push.json'), 'utf8'));
    expect(manifest.imageSizeBytes).toBe(1000);
    expect(manifest.pushed.map((entry: { reference: string; digest: string }) => [entry.reference, entry.digest])).toEqual([
      ['127.0.0.1:5000/classifier:nx1', docker.registry.tags.get('127.0.0.1:5000/classifier:nx1')],
      ['127.0.0.1:5000/classifier:latest', docker.registry.tags.get('127.0.0.1:5000/classifier:latest')],
    ]);
  });

  it('pushes every tag to each of several registries, inspecting the image once', async () => {
    const docker = dockerWithImage();
    const inspectImage = jest.spyOn(docker.client, 'inspectImage');
    await dockerPushExecutor(
      { ...options, registries: ['127.0.0.1:5001', '127.0.0.1:5000'] },
      context(),
      ...clients(docker, noCredentials()),
    );
    expect(docker.calls.filter((call) => call.startsWith('push'))).toEqual([
      'push 127.0.0.1:5001/classifier:nx1',
      'push 127.0.0.1:5001/classifier:latest',
      'push 127.0.0.1:5000/classifier:nx1',
      'push 127.0.0.1:5000/classifier:latest',
    ]);
    expect(inspectImage).toHaveBeenCalledTimes(1);
  });

  it("refuses a registry tag holding another project's image before any tag is pushed or pointed in any registry", async () => {
    const docker = dockerWithImage();
    const theirs = `sha256:${'e'.repeat(64)}`;
    docker.registry.tags.set('127.0.0.1:5000/classifier:latest', theirs);
    docker.registry.labels.set(theirs, { 'dev.nx-bentoml.project': 'sklearn-iris' });
    const registries = ['127.0.0.1:5001', '127.0.0.1:5000'];
    expect(await dockerPushExecutor({ ...options, registries }, context(), ...clients(docker))).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(
      'The image repository 127.0.0.1:5000/classifier is also the image of project sklearn-iris: two projects cannot publish into one repository, ' +
        `each would move the other's tags. Set "imageName" in the containerize options of classifier's project.json (e.g. "classifier/classifier"), or of sklearn-iris's.`,
    );
    expect(docker.calls).toEqual([]);
    expect([...docker.registry.tags.keys()]).toEqual(['127.0.0.1:5000/classifier:latest']);

    // An image published before the project label belongs to no one: pushed over as before.
    docker.registry.labels.set(theirs, {});
    expect(await dockerPushExecutor({ ...options, registries }, context(), ...clients(docker))).toEqual({ success: true });
  });

  it('skips a tag whose digest the registry already holds, unless forced', async () => {
    const docker = dockerWithImage();
    await dockerPushExecutor(options, context(), ...clients(docker, noCredentials()));
    docker.calls.length = 0;
    await dockerPushExecutor(options, context(), ...clients(docker, noCredentials()));
    expect(docker.calls.filter((call) => call.startsWith('push'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(root, 'dist/apps/classifier/push/push.json'), 'utf8'));
    expect(manifest.pushed.map((entry: { status: string }) => entry.status)).toEqual(['up-to-date', 'up-to-date']);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringMatching(/^127\.0\.0\.1:5000\/classifier:nx1 is up to date \(sha256:.*\); not pushing\.$/),
    );

    await dockerPushExecutor({ ...options, force: true }, context(), ...clients(docker, noCredentials()));
    expect(docker.calls.filter((call) => call.startsWith('push'))).toHaveLength(2);
  });

  it('knows a tag is up to date from the digest the image got in another repository', async () => {
    const docker = dockerWithImage();
    const digest = `sha256:${'a'.repeat(64)}`;
    docker.images.get('sha256:1')?.repoDigests.push(`127.0.0.1:5001/classifier@${digest}`);
    docker.registry.tags.set('127.0.0.1:5000/classifier:nx1', digest);
    // Another image under this tag: it must be replaced.
    docker.registry.tags.set('127.0.0.1:5000/classifier:latest', `sha256:${'b'.repeat(64)}`);
    await dockerPushExecutor(options, context(), ...clients(docker, noCredentials()));
    expect(docker.calls.filter((call) => call.startsWith('push'))).toEqual(['push 127.0.0.1:5000/classifier:latest']);
  });

  describe('an image built from the same inputs on another machine', () => {
    const remoteDigest = `sha256:${'e'.repeat(64)}`;
    /** The registry holds machine 1's image under nx1; this engine rebuilt it (another id and digest) with `buildKey`. */
    const secondMachine = (localBuildKey: string) => {
      const docker = dockerWithImage();
      docker.images.get('sha256:1')!.labels['dev.nx-bentoml.build-key'] = localBuildKey;
      docker.registry.tags.set('127.0.0.1:5000/classifier:nx1', remoteDigest);
      docker.registry.labels.set(remoteDigest, { 'dev.nx-bentoml.build-key': 'key-1' });
      return docker;
    };

    it('keeps the registry image whose build key matches, and points the other tags at it in the registry', async () => {
      const docker = secondMachine('key-1');
      await dockerPushExecutor(options, context(), ...clients(docker, noCredentials()));
      expect(docker.calls.filter((call) => call.startsWith('push') || call.startsWith('tag in registry'))).toEqual([
        'tag in registry 127.0.0.1:5000/classifier:latest',
      ]);
      const manifest = JSON.parse(readFileSync(join(root, 'dist/apps/classifier/push/push.json'), 'utf8'));
      expect(manifest.pushed).toMatchObject([
        { tag: 'nx1', digest: remoteDigest, status: 'up-to-date' },
        { tag: 'latest', digest: remoteDigest, status: 'pushed' },
      ]);
      expect(logger.info).toHaveBeenCalledWith(expect.stringContaining('built from the same inputs elsewhere'));
    });

    it('pushes the local image when the registry cannot tag remotely', async () => {
      const docker = secondMachine('key-1');
      const refusing = fakeRegistry(docker.registry, {
        credentials: noCredentials(),
        calls: docker.calls,
        overrides: { pointTag: async () => false },
      });
      await dockerPushExecutor(options, context(), docker.client, refusing.client);
      expect(docker.calls.filter((call) => call.startsWith('push'))).toEqual(['push 127.0.0.1:5000/classifier:latest']);
    });

    it('replaces a registry image with another build key', async () => {
      const docker = secondMachine('key-2');
      await dockerPushExecutor(options, context(), ...clients(docker, noCredentials()));
      expect(docker.calls.filter((call) => call.startsWith('push'))).toEqual([
        'push 127.0.0.1:5000/classifier:nx1',
        'push 127.0.0.1:5000/classifier:latest',
      ]);
    });

    it('does not take an image built for another CPU architecture', async () => {
      const docker = secondMachine('key-1');
      docker.registry.platforms.set(remoteDigest, 'linux/arm64');
      await dockerPushExecutor(options, context(), ...clients(docker, noCredentials()));
      expect(docker.calls.filter((call) => call.startsWith('push'))).toEqual([
        'push 127.0.0.1:5000/classifier:nx1',
        'push 127.0.0.1:5000/classifier:latest',
      ]);
    });

    it('pushes when the registry cannot be asked what it holds', async () => {
      const docker = secondMachine('key-1');
      // Push-only credentials: the registry refuses every read.
      const registry = createRegistryClient({ ...noCredentials(), fetch: async () => new Response('{}', { status: 403 }) });
      expect(await dockerPushExecutor(options, context(), docker.client, registry)).toEqual({ success: true });
      expect(docker.calls.filter((call) => call.startsWith('push'))).toHaveLength(2);
    });

    it('pushes when forced', async () => {
      const docker = secondMachine('key-1');
      await dockerPushExecutor({ ...options, force: true }, context(), ...clients(docker, noCredentials()));
      expect(docker.calls.filter((call) => call.startsWith('push'))).toHaveLength(2);
    });
  });

  describe('an image containerize found in a registry (image.json names it there; the engine has none)', () => {
    const digest = `sha256:${'f'.repeat(64)}`;
    const registryImage = (registry = '127.0.0.1:5000') => {
      writeRegistryImageHandoff(join(root, 'dist/apps/classifier/image'), digest, registry);
      const docker = fakeDocker();
      docker.registry.tags.set(`${registry}/classifier:nx1`, digest);
      docker.registry.labels.set(digest, { 'dev.nx-bentoml.build-key': 'key-1' });
      return docker;
    };

    it('writes the missing tags in the registry alone: no engine call, nothing pushed', async () => {
      const docker = registryImage();
      expect(await dockerPushExecutor(options, context(), ...clients(docker))).toEqual({ success: true });
      expect(docker.calls).toEqual(['promote 127.0.0.1:5000/classifier:latest']);
      expect(docker.registry.tags.get('127.0.0.1:5000/classifier:latest')).toBe(digest);
      const manifest = JSON.parse(readFileSync(join(root, 'dist/apps/classifier/push/push.json'), 'utf8'));
      expect(manifest.imageSizeBytes).toBe(777);
      expect(manifest.pushed).toMatchObject([
        { tag: 'nx1', digest, status: 'up-to-date' },
        { tag: 'latest', digest, status: 'pushed' },
      ]);
    });

    it('copies it from the registry that holds it into another one, registry to registry', async () => {
      const docker = registryImage('127.0.0.1:5000');
      await dockerPushExecutor({ ...options, registries: ['127.0.0.1:5000', 'ghcr.io/org'] }, context(), ...clients(docker));
      expect(docker.calls).toEqual([
        'promote 127.0.0.1:5000/classifier:latest',
        'promote ghcr.io/org/classifier:nx1',
        'promote ghcr.io/org/classifier:latest',
      ]);
      expect(docker.registry.tags.get('ghcr.io/org/classifier:nx1')).toBe(digest);
    });

    it('says what to do when the registry no longer holds it, and writes nothing', async () => {
      const docker = registryImage();
      docker.registry.tags.delete('127.0.0.1:5000/classifier:nx1');
      expect(await dockerPushExecutor(options, context(), ...clients(docker))).toEqual({ success: false });
      expect(logger.error).toHaveBeenCalledWith(
        `127.0.0.1:5000/classifier no longer holds ${digest}, the image the containerize target found there: nothing was written. ` +
          'Run it again (nx run classifier:containerize, or publish): it looks again, and builds the image when no registry holds it.',
      );
      expect(docker.calls).toEqual([]);
      expect(existsSync(join(root, 'dist/apps/classifier/push/push.json'))).toBe(false);
    });
  });

  it('pushes with the credentials from the environment and never logs the password', async () => {
    const docker = dockerWithImage();
    await dockerPushExecutor(options, context(), ...clients(docker, credentialsFromEnvironment()));
    expect(docker.calls).toContain('push 127.0.0.1:5000/classifier:nx1 as nxbento');
    expect(everythingLogged()).toContain('as nxbento');
    expect(everythingLogged()).not.toContain('hunter2-secret');
    expect(readFileSync(join(root, 'dist/apps/classifier/push/push.json'), 'utf8')).not.toContain('hunter2-secret');
  });

  it('never logs the password when the registry refuses it', async () => {
    expect(await dockerPushExecutor(options, context(), ...clients(refusingDocker(), credentialsFromEnvironment()))).toEqual({
      success: false,
    });
    expect(everythingLogged()).toContain('401 unauthorized');
    expect(everythingLogged()).not.toContain('hunter2-secret');
  });

  it('never logs the password when the credential helper fails', async () => {
    const dockerConfig = join(root, 'docker-config');
    mkdirSync(dockerConfig);
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ credHelpers: { '127.0.0.1:5000': 'desktop' } }));
    // A helper that wrote the credentials and still failed.
    const runHelper = async () => ({ exitCode: 1, stdout: '{"Username":"nxbento","Secret":"hunter2-secret"}', stderr: 'keychain locked' });

    expect(
      await dockerPushExecutor(options, context(), ...clients(dockerWithImage(), { env: { DOCKER_CONFIG: dockerConfig }, runHelper })),
    ).toEqual({ success: false });
    expect(everythingLogged()).toContain('docker-credential-desktop get failed for 127.0.0.1:5000 (exit 1): keychain locked.');
    expect(everythingLogged()).not.toContain('hunter2-secret');
  });

  it('retries a transient failure after the backoff and then succeeds', async () => {
    const docker = dockerWithImage();
    const push = docker.client.pushImage;
    let failures = 1;
    docker.client.pushImage = async (...args) => {
      if (failures-- > 0) throw new Error('connection reset by peer');
      return push(...args);
    };
    const backoff = jest.fn(() => 0);
    expect(await dockerPushExecutor({ ...options, retries: 2 }, context(), ...clients(docker, noCredentials()), backoff)).toEqual({
      success: true,
    });
    expect(backoff).toHaveBeenCalledWith(1);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('retrying'));
  });

  it('explains a 401 and writes no output', async () => {
    expect(await dockerPushExecutor(options, context(), ...clients(refusingDocker(), noCredentials()))).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining(
        'refused the credentials for 127.0.0.1:5000/classifier:nx1 (401 unauthorized). Run "docker login 127.0.0.1:5000"',
      ),
    );
    expect(existsSync(join(root, 'dist/apps/classifier/push'))).toBe(false);
  });

  it("explains the registry's 401 to the read before any push, with the options' password variable, and writes no output", async () => {
    const docker = dockerWithImage();
    const env = { ...noCredentials().env, NX_BENTOML_REGISTRY_USERNAME: 'nxbento', CI_REGISTRY_TOKEN: 'hunter2-secret' };
    const registry = createRegistryClient({ env, fetch: async () => new Response('{}', { status: 401 }) });
    expect(await dockerPushExecutor({ ...options, passwordEnv: 'CI_REGISTRY_TOKEN' }, context(), docker.client, registry)).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(
      'The registry 127.0.0.1:5000 refused the credentials for 127.0.0.1:5000/classifier (401 unauthorized, GET classifier/manifests/nx1). ' +
        'Run "docker login 127.0.0.1:5000" (or your registry\'s credential helper), or set NX_BENTOML_REGISTRY_USERNAME (or --username) and CI_REGISTRY_TOKEN, then run again.',
    );
    expect(docker.calls.filter((call) => call.startsWith('push'))).toEqual([]);
    expect(everythingLogged()).not.toContain('hunter2-secret');
    expect(existsSync(join(root, 'dist/apps/classifier/push'))).toBe(false);
  });

  it('explains an image that is no longer in the engine', async () => {
    expect(await dockerPushExecutor(options, context(), ...clients(fakeDocker(), noCredentials()))).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(
      'The image classifier (sha256:1) is no longer in the Docker Engine. Run the containerize target again.',
    );
  });

  it('asks for a registry when none is configured', async () => {
    expect(await dockerPushExecutor({ ...options, registry: undefined }, context(), ...clients(fakeDocker(), noCredentials()))).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('No registry to push classifier to. Pass --registry=<host[/path]>'));
  });
});
