import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import { openEnvelope } from '../../lib/attest/envelope';
import { verifyKeyFile } from '../../lib/attest/signer';
import { keyIdAnnotation, statementKinds } from '../../lib/attest/statements';
import { fakeDocker } from '../../testing/fake-docker';
import { fakeExecutorContext } from '../../testing/executor-context';
import { tarOf } from '../../testing/fake-bentoml';
import { fakeRegistry } from '../../testing/fake-registry';
import { bentoHandoff } from '../../testing/image-handoffs';
import { captureLogger } from '../../testing/logger';
import { writeKeyPair } from '../../testing/signing-keys';
import dockerPushExecutor from './executor';

describe('docker-push with a signing key', () => {
  captureLogger();
  let root: string;
  let keys: ReturnType<typeof writeKeyPair>;
  const options = { imagePath: 'dist/apps/classifier/image', outputPath: 'dist/apps/classifier/push', registry: '127.0.0.1:5000' };
  const context = () => fakeExecutorContext(root, 'apps/classifier', 'docker-push');
  const write = (path: string, content: string | Buffer) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const setUp = () => {
    const docker = fakeDocker();
    docker.images.set('sha256:1', {
      id: 'sha256:1',
      labels: { 'dev.nx-bentoml.build-key': 'key1' },
      repoTags: [],
      repoDigests: [],
      sizeBytes: 1000,
      platform: 'linux/amd64',
    });
    const registry = fakeRegistry(docker.registry, { credentials: { env: { DOCKER_CONFIG: join(root, 'none') } }, calls: docker.calls });
    return { docker, registry, run: () => dockerPushExecutor(options, context(), docker.client, registry.client) };
  };
  const referrersOf = (registry: ReturnType<typeof fakeRegistry>) => {
    const digest = registry.tags.get('127.0.0.1:5000/classifier:nx1')!;
    return registry.referrers.get(`127.0.0.1:5000/classifier@${digest}`) ?? [];
  };

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'docker-push-signing-'));
    keys = writeKeyPair(root);
    process.env['NX_BENTOML_SIGNING_KEY'] = keys.privatePath;
    write(
      'dist/apps/classifier/image/image.json',
      JSON.stringify({
        imageId: 'sha256:1',
        imageName: 'classifier',
        tags: ['nx1'],
        bentoTag: 'classifier:nx1',
        built: true,
        buildKey: 'key1',
      }),
    );
    write('dist/apps/classifier/bento/bento.json', JSON.stringify(bentoHandoff('nx1', { 'apps/classifier/src/service.py': 'aa' })));
    write('dist/apps/classifier/bento/bento.tar', await tarOf({ 'env/python/requirements.lock.txt': 'numpy==2.1.3\n' }));
  });
  afterEach(() => {
    delete process.env['NX_BENTOML_SIGNING_KEY'];
    rmSync(root, { recursive: true, force: true });
  });

  it('attaches the SBOM, the provenance and the gate result to the pushed digest, each signed by the key', async () => {
    const gate = {
      imageId: 'sha256:1',
      buildKey: 'key1',
      passed: true,
      requests: [{ request: 'POST /classify', expected: 'HTTP 2xx', answered: '[0]', passed: true }],
    };
    write('dist/apps/classifier/smoke-test/gate.json', JSON.stringify(gate));
    const { registry, run } = setUp();
    expect(await run()).toEqual({ success: true });
    const referrers = referrersOf(registry);
    expect(referrers.map((referrer) => referrer.descriptor.artifactType)).toEqual(
      Object.values(statementKinds).map((kind) => kind.artifactType),
    );
    const key = verifyKeyFile(keys.publicPath);
    for (const referrer of referrers) {
      expect(referrer.descriptor.annotations[keyIdAnnotation]).toBe(key.keyId);
      expect(openEnvelope(referrer.data, key)).toEqual({
        statement: expect.objectContaining({ subject: [expect.objectContaining({ name: '127.0.0.1:5000/classifier' })] }),
      });
    }
  });

  it('leaves out the gate result of another image, and attaches nothing again on an unchanged publish', async () => {
    write(
      'dist/apps/classifier/smoke-test/gate.json',
      JSON.stringify({ imageId: 'sha256:0', buildKey: 'other', passed: true, requests: [] }),
    );
    const { registry, run } = setUp();
    await run();
    expect(referrersOf(registry).map((referrer) => referrer.descriptor.artifactType)).toEqual([
      statementKinds.sbom.artifactType,
      statementKinds.provenance.artifactType,
    ]);
    await run();
    expect(referrersOf(registry)).toHaveLength(2);
    expect(JSON.stringify((logger.info as jest.Mock).mock.calls)).toMatch(
      /already holds the sbom, provenance statements signed by key [0-9a-f]{12}; none added/,
    );
  });

  it('adds the gate statement alone to a digest whose tags are all up to date, once the gate has tested it', async () => {
    const { registry, run } = setUp();
    await run();
    expect(referrersOf(registry)).toHaveLength(2);
    // The next publish pushes nothing; the gate tested the image the registry holds (its record was missing).
    write(
      'dist/apps/classifier/smoke-test/gate.json',
      JSON.stringify({ imageId: 'sha256:1', buildKey: 'key1', passed: true, requests: [] }),
    );
    expect(await run()).toEqual({ success: true });
    expect(referrersOf(registry).map((referrer) => referrer.descriptor.artifactType)).toEqual(
      Object.values(statementKinds).map((kind) => kind.artifactType),
    );
    expect(JSON.parse(readFileSync(join(root, 'dist/apps/classifier/push/push.json'), 'utf8')).pushed).toEqual([
      expect.objectContaining({ tag: 'nx1', status: 'up-to-date' }),
    ]);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringMatching(/^Signed and attached to .*\(key [0-9a-f]{12}, the referrers tag schema\): gate\.$/),
    );
  });

  it('refuses a signing key it cannot read before anything is pushed', async () => {
    process.env['NX_BENTOML_SIGNING_KEY'] = join(root, 'missing.pem');
    const { docker, run } = setUp();
    expect(await run()).toEqual({ success: false });
    expect(docker.calls).toEqual([]);
    expect(JSON.stringify((logger.error as jest.Mock).mock.calls)).toMatch(
      /NX_BENTOML_SIGNING_KEY names .*missing\.pem, which cannot be read/,
    );
  });
});
