import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import { fakeDocker } from '../../testing/fake-docker';
import { fakeExecutorContext } from '../../testing/executor-context';
import dockerPushExecutor from './executor';

describe('docker-push executor', () => {
  let root: string;
  const options = { imagePath: 'dist/apps/classifier/image', outputPath: 'dist/apps/classifier/push', registry: '127.0.0.1:5000' };
  const context = () => fakeExecutorContext(root, 'apps/classifier', 'docker-push');
  const noCredentials = () => ({ env: { DOCKER_CONFIG: join(root, 'no-docker-config') } });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'docker-push-'));
    mkdirSync(join(root, 'dist/apps/classifier/image'), { recursive: true });
    writeFileSync(
      join(root, 'dist/apps/classifier/image/image.json'),
      JSON.stringify({ imageId: 'sha256:1', imageName: 'classifier', tags: ['nx1', 'latest'], bentoTag: 'classifier:nx1', built: true }),
    );
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    jest.spyOn(logger, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(root, { recursive: true, force: true });
  });

  it('tags and pushes every tag and records the digests', async () => {
    const docker = fakeDocker();
    expect(await dockerPushExecutor(options, context(), docker.client, noCredentials())).toEqual({ success: true });
    expect(docker.calls).toEqual(['tag 127.0.0.1:5000/classifier:nx1', 'push 127.0.0.1:5000/classifier:nx1', 'tag 127.0.0.1:5000/classifier:latest', 'push 127.0.0.1:5000/classifier:latest']);
    const manifest = JSON.parse(readFileSync(join(root, 'dist/apps/classifier/push/push.json'), 'utf8'));
    expect(manifest.pushed.map((entry: { reference: string; digest: string }) => [entry.reference, entry.digest])).toEqual([
      ['127.0.0.1:5000/classifier:nx1', docker.registry.get('127.0.0.1:5000/classifier:nx1')],
      ['127.0.0.1:5000/classifier:latest', docker.registry.get('127.0.0.1:5000/classifier:latest')],
    ]);
  });

  it('pushes every tag to each of several registries', async () => {
    const docker = fakeDocker();
    await dockerPushExecutor({ ...options, registries: ['127.0.0.1:5001', '127.0.0.1:5000'] }, context(), docker.client, noCredentials());
    expect(docker.calls.filter((call) => call.startsWith('push'))).toEqual([
      'push 127.0.0.1:5001/classifier:nx1',
      'push 127.0.0.1:5001/classifier:latest',
      'push 127.0.0.1:5000/classifier:nx1',
      'push 127.0.0.1:5000/classifier:latest',
    ]);
  });

  it('skips a tag whose digest the registry already holds, unless forced', async () => {
    const docker = fakeDocker();
    docker.images.set('sha256:1', { id: 'sha256:1', labels: {}, repoTags: [], repoDigests: [], sizeBytes: 1000 });
    await dockerPushExecutor(options, context(), docker.client, noCredentials());
    docker.calls.length = 0;
    await dockerPushExecutor(options, context(), docker.client, noCredentials());
    expect(docker.calls.filter((call) => call.startsWith('push'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(root, 'dist/apps/classifier/push/push.json'), 'utf8'));
    expect(manifest.pushed.map((entry: { status: string }) => entry.status)).toEqual(['up-to-date', 'up-to-date']);
    expect(logger.info).toHaveBeenCalledWith(expect.stringMatching(/^127\.0\.0\.1:5000\/classifier:nx1 is up to date \(sha256:.*\); not pushing\.$/));

    await dockerPushExecutor({ ...options, force: true }, context(), docker.client, noCredentials());
    expect(docker.calls.filter((call) => call.startsWith('push'))).toHaveLength(2);
  });

  it('pushes with the credentials from the environment and never logs the password', async () => {
    const docker = fakeDocker();
    const env = { DOCKER_CONFIG: join(root, 'none'), NX_BENTOML_REGISTRY_USERNAME: 'nxbento', NX_BENTOML_REGISTRY_PASSWORD: 'hunter2-secret' };
    await dockerPushExecutor(options, context(), docker.client, { env });
    expect(docker.calls).toContain('push 127.0.0.1:5000/classifier:nx1 as nxbento');
    const logged = JSON.stringify([(logger.info as jest.Mock).mock.calls, (logger.warn as jest.Mock).mock.calls]);
    expect(logged).not.toContain('hunter2-secret');
    expect(readFileSync(join(root, 'dist/apps/classifier/push/push.json'), 'utf8')).not.toContain('hunter2-secret');
  });

  it('retries a transient failure and then succeeds', async () => {
    const docker = fakeDocker();
    const push = docker.client.pushImage;
    let failures = 1;
    docker.client.pushImage = async (...args) => {
      if (failures-- > 0) throw new Error('connection reset by peer');
      return push(...args);
    };
    expect(await dockerPushExecutor({ ...options, retries: 2 }, context(), docker.client, noCredentials())).toEqual({ success: true });
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('retrying'));
  }, 10_000);

  it('explains a 401 and writes no output', async () => {
    const docker = fakeDocker({
      pushImage: async () => {
        throw new Error('unauthorized: authentication required');
      },
    });
    expect(await dockerPushExecutor(options, context(), docker.client, noCredentials())).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('refused the credentials for 127.0.0.1:5000/classifier:nx1 (401 unauthorized). Run "docker login 127.0.0.1:5000"'));
    expect(existsSync(join(root, 'dist/apps/classifier/push'))).toBe(false);
  });

  it('asks for a registry when none is configured', async () => {
    expect(await dockerPushExecutor({ ...options, registry: undefined }, context(), fakeDocker().client, noCredentials())).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('No registry to push classifier to. Pass --registry=<host[/path]>'));
  });
});
