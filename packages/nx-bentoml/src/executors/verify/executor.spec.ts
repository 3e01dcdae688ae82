import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import { attachStatements } from '../../lib/attest/attach';
import { statement } from '../../lib/attest/envelope';
import { keyFileSigner } from '../../lib/attest/signer';
import { statementKinds } from '../../lib/attest/statements';
import { fakeExecutorContext } from '../../testing/executor-context';
import { fakeRegistry } from '../../testing/fake-registry';
import { bentoHandoff } from '../../testing/image-handoffs';
import { captureLogger } from '../../testing/logger';
import { writeKeyPair } from '../../testing/signing-keys';
import verifyExecutor from './executor';

describe('verify executor', () => {
  captureLogger();
  let root: string;
  let keys: ReturnType<typeof writeKeyPair>;
  const repository = '127.0.0.1:5000/classifier';
  const signedDigest = `sha256:${'aa'.repeat(32)}`;
  const options = (extra: object = {}) => ({
    imagePath: 'dist/apps/classifier/image',
    bentoPath: 'dist/apps/classifier/bento',
    outputPath: 'dist/apps/classifier/verify',
    registry: '127.0.0.1:5000',
    key: keys.publicPath,
    ...extra,
  });
  const context = () => fakeExecutorContext(root, 'apps/classifier', 'verify');
  const write = (path: string, content: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const errors = () => JSON.stringify((logger.error as jest.Mock).mock.calls);

  /** A registry where "latest" holds an image docker-push signed: its SBOM and its provenance listing service.py. */
  const signedRegistry = async (about = signedDigest) => {
    const registry = fakeRegistry();
    registry.tags.set(`${repository}:latest`, signedDigest);
    const provenance = {
      buildDefinition: { resolvedDependencies: [{ name: 'apps/classifier/src/service.py', digest: { sha256: sha256('v1') } }] },
    };
    const statements = [
      { kind: 'sbom' as const, statement: statement(repository, about, statementKinds.sbom.predicateType, {}) },
      { kind: 'provenance' as const, statement: statement(repository, about, statementKinds.provenance.predicateType, provenance) },
    ];
    await attachStatements(
      { repository, digest: signedDigest, auth: undefined },
      statements,
      keyFileSigner(keys.privatePath),
      registry.client,
    );
    return registry;
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'verify-'));
    keys = writeKeyPair(root);
    write(
      'dist/apps/classifier/image/image.json',
      JSON.stringify({ imageId: 'sha256:1', imageName: 'classifier', tags: ['latest'], bentoTag: 'classifier:v1', built: true }),
    );
    write('apps/classifier/src/service.py', 'v1');
    write('dist/apps/classifier/bento/bento.json', JSON.stringify(bentoHandoff('v1', { 'apps/classifier/src/service.py': sha256('v1') })));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('passes when each statement verifies with the key and is about the digest the tag points at, and writes the report', async () => {
    const registry = await signedRegistry();
    expect(await verifyExecutor(options({ materials: true }), context(), registry.client)).toEqual({ success: true });
    const report = JSON.parse(readFileSync(join(root, 'dist/apps/classifier/verify/verify.json'), 'utf8'));
    expect(report).toMatchObject({ passed: true, images: [{ repository, reference: 'latest', digest: signedDigest, failures: [] }] });
    expect(report.images[0].statements.map((check: { kind: string; status: string }) => [check.kind, check.status])).toEqual([
      ['sbom', 'verified'],
      ['provenance', 'verified'],
      ['gate', 'absent'],
    ]);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringMatching(/^127\.0\.0\.1:5000\/classifier:latest \(sha256:a+\): sbom, provenance verified with key [0-9a-f]{12}\.$/),
    );
  });

  it('fails with another key, one message per statement, and still writes the report', async () => {
    const registry = await signedRegistry();
    const other = writeKeyPair(root, 'other');
    expect(await verifyExecutor(options({ key: other.publicPath }), context(), registry.client)).toEqual({ success: false });
    expect(errors()).toMatch(
      /The sbom statement of 127\.0\.0\.1:5000\/classifier:latest \(sha256:a+\) has no signature that verifies with the key [0-9a-f]{12}/,
    );
    expect(errors()).toMatch(/The provenance statement of .* has no signature that verifies/);
    expect(JSON.parse(readFileSync(join(root, 'dist/apps/classifier/verify/verify.json'), 'utf8')).passed).toBe(false);
  });

  it('fails after the tag is moved to an unsigned image', async () => {
    const registry = await signedRegistry();
    registry.tags.set(`${repository}:latest`, `sha256:${'bb'.repeat(32)}`);
    expect(await verifyExecutor(options(), context(), registry.client)).toEqual({ success: false });
    expect(errors()).toMatch(
      /127\.0\.0\.1:5000\/classifier:latest \(sha256:b+\) carries no sbom statement: it was not published by a signed docker-push\./,
    );
  });

  it('fails when a statement is about another digest than the one the tag points at', async () => {
    const registry = await signedRegistry(`sha256:${'cc'.repeat(32)}`);
    expect(await verifyExecutor(options(), context(), registry.client)).toEqual({ success: false });
    expect(errors()).toMatch(
      /The sbom statement of .* is about sha256:c+, not sha256:a+, the image 127\.0\.0\.1:5000\/classifier:latest points at now/,
    );
  });

  it('with --materials, fails when an input file of the workspace differs from the provenance', async () => {
    const registry = await signedRegistry();
    write('apps/classifier/src/service.py', 'v2');
    expect(await verifyExecutor(options({ materials: true }), context(), registry.client)).toEqual({ success: false });
    expect(errors()).toMatch(
      /127\.0\.0\.1:5000\/classifier:latest: apps\/classifier\/src\/service\.py differs from the one the provenance lists/,
    );
  });

  it('checks one digest given instead of the tags, and asks for a key when none is given', async () => {
    const registry = await signedRegistry();
    expect(await verifyExecutor(options({ digest: signedDigest }), context(), registry.client)).toEqual({ success: true });
    expect(await verifyExecutor(options({ key: undefined }), context(), registry.client)).toEqual({ success: false });
    expect(errors()).toMatch(/No public key to verify with: pass --key=<path of a PEM public key> or set NX_BENTOML_VERIFY_KEY/);
  });

  it('fails for a tag that names no image, and asks for bento-build again when bento.json records no inputs', async () => {
    const registry = await signedRegistry();
    expect(await verifyExecutor(options({ tags: ['staging'] }), context(), registry.client)).toEqual({ success: false });
    expect(errors()).toMatch(/127\.0\.0\.1:5000\/classifier:staging names no image in the registry\./);
    write('dist/apps/classifier/bento/bento.json', JSON.stringify(bentoHandoff('v1')));
    expect(await verifyExecutor(options({ materials: true }), context(), registry.client)).toEqual({ success: false });
    expect(errors()).toMatch(/bento\.json records no inputs .*: run the bento-build target again, then verify --materials\./);
  });
});
