import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type ChainEnvironment, requireChainEnvironment } from './support/environment';
import { removeRepositoryImages } from './support/container';
import { run, runNx, runNxUnchecked, runOrThrow } from './support/run';
import { type ChainWorkspace, addTrainedService, createChainWorkspace } from './support/chain-workspace';
import {
  type SigstoreTools,
  admits,
  cosignStatements,
  cosignVerifyAttestation,
  readmePolicy,
  requireSigstoreTools,
} from './support/sigstore';

const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
const ociIndex = 'application/vnd.oci.image.index.v1+json';
const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

// DSSE's pre-authentication encoding and the ECDSA check written from the DSSE and in-toto specs with
// Python's cryptography: code independent of the plugin's (which uses @sigstore/core and node:crypto).
const dsseCheck = join(__dirname, '../../../packages/nx-bentoml/src/testing/dsse_check.py');

/**
 * A signed publish to the e2e registry (distribution 2.8: no referrers API, so the referrers tag
 * schema), its envelopes checked by Python's cryptography and by cosign verify-attestation, verify
 * with the right key and another key, promote to the second registry and both checks there, and
 * verify after the tag is moved to an unsigned image.
 */
describe('signed statements on a registry without the referrers API', () => {
  let environment: ChainEnvironment;
  let workspace: ChainWorkspace;
  let python: string;
  let sigstore: SigstoreTools;
  const imageName = `attest-${Date.now().toString(36)}/classifier`;
  const file = (path: string) => join(workspace.root, path);
  const basic = () => `Basic ${Buffer.from(`${environment.username}:${environment.password}`).toString('base64')}`;
  const registryGet = (path: string, accept: string) =>
    fetch(`http://${environment.registry}/v2/${imageName}/${path}`, { headers: { authorization: basic(), accept } });
  const latestDigest = () =>
    (
      JSON.parse(readFileSync(file('dist/apps/classifier/push/push.json'), 'utf8')) as { pushed: Array<{ tag: string; digest: string }> }
    ).pushed.find((entry) => entry.tag === 'latest')!.digest;

  beforeAll(async () => {
    environment = await requireChainEnvironment();
    sigstore = requireSigstoreTools();
    workspace = createChainWorkspace('attest-ws', environment);
    addTrainedService(workspace, environment, 'classifier', imageName);
    // Keys as the README makes them.
    for (const name of ['signing-key', 'other-key']) {
      runOrThrow('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.pem`], workspace.root);
      runOrThrow('openssl', ['pkey', '-in', `${name}.pem`, '-pubout', '-out', `${name}.pub`], workspace.root);
    }
    // Python with cryptography: the system's, else a venv of this test's own.
    python = 'python3';
    if (run(python, ['-c', 'import cryptography'], workspace.root).status !== 0) {
      runOrThrow('python3', ['-m', 'venv', file('.crypto-venv')], workspace.root);
      runOrThrow(file('.crypto-venv/bin/pip'), ['install', '--quiet', 'cryptography'], workspace.root);
      python = file('.crypto-venv/bin/python');
    }
  });

  afterAll(async () => {
    if (environment) await removeRepositoryImages(environment.docker, imageName).catch(() => undefined);
    workspace?.cleanup();
  });

  it('attaches the SBOM, provenance and gate result, each an envelope that Python verifies over the DSSE PAE', async () => {
    // First published unsigned and without the gate: the registry holds the image, but no gate record.
    runNx(workspace.root, ['run', 'classifier:publish', '--gate=false'], workspace.taskEnv);
    const output = runNx(workspace.root, ['run', 'classifier:publish'], {
      ...workspace.taskEnv,
      NX_BENTOML_SIGNING_KEY: file('signing-key.pem'),
    }).stdout;
    expect(output).toMatch(
      /Testing the image before docker-push, although a registry already holds it: .*carries no gate statement signed by key [0-9a-f]{12}/,
    );
    expect(output).toMatch(/Signed and attached to .* \(key [0-9a-f]{12}, the referrers tag schema\): sbom, provenance, gate\./);
    expect(output).not.toContain('BEGIN PRIVATE KEY');
    const digest = latestDigest();

    const index = await registryGet(`manifests/sha256-${digest.slice('sha256:'.length)}`, ociIndex);
    expect(index.status).toBe(200);
    const { manifests } = (await index.json()) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
    const predicateTypes: string[] = [];
    for (const descriptor of manifests) {
      const manifest = (await (await registryGet(`manifests/${descriptor.digest}`, ociManifest)).json()) as {
        subject: { digest: string };
        layers: Array<{ digest: string; mediaType: string }>;
      };
      expect(manifest.subject.digest).toBe(digest);
      expect(manifest.layers[0].mediaType).toBe('application/vnd.dsse.envelope.v1+json');
      const envelope = Buffer.from(await (await registryGet(`blobs/${manifest.layers[0].digest}`, '*/*')).arrayBuffer());
      expect(sha256(envelope)).toBe(manifest.layers[0].digest);
      writeFileSync(file('envelope.json'), envelope);
      const checked = JSON.parse(runOrThrow(python, [dsseCheck, file('envelope.json'), file('signing-key.pub')], workspace.root).stdout);
      expect(checked.subject).toBe(digest.slice('sha256:'.length));
      expect(descriptor.annotations['in-toto.io/predicate-type']).toBe(checked.predicateType);
      predicateTypes.push(checked.predicateType);
    }
    expect(predicateTypes.sort()).toEqual([
      'https://cyclonedx.org/bom',
      'https://nx-bentoml.dev/smoke-test/v1',
      'https://slsa.dev/provenance/v1',
    ]);

    // Unchanged, a publish attaches nothing new.
    const again = runNx(workspace.root, ['run', 'classifier:publish'], {
      ...workspace.taskEnv,
      NX_BENTOML_SIGNING_KEY: file('signing-key.pem'),
    }).stdout;
    expect(again).toMatch(/already holds the sbom, provenance(, gate)? statements signed by key [0-9a-f]{12}; none added/);
    expect(again).toMatch(/Every tag already holds this image, with a passed gate statement signed by key [0-9a-f]{12}/);
    runNx(workspace.root, ['run', 'classifier:versions'], workspace.taskEnv);
    const versions = JSON.parse(readFileSync(file('dist/apps/classifier/versions/versions.json'), 'utf8'));
    expect(versions.versions[0].signatures).toMatchObject({ keyIds: [expect.stringMatching(/^[0-9a-f]{64}$/)], gate: 'passed' });
  });

  it('verify passes with the right key, materials included, and fails with another key', () => {
    const passed = runNx(
      workspace.root,
      ['run', 'classifier:verify', `--key=${file('signing-key.pub')}`, '--materials'],
      workspace.taskEnv,
    );
    expect(passed.stdout).toMatch(/classifier:latest \(sha256:[0-9a-f]{64}\): sbom, provenance, gate verified with key [0-9a-f]{12}\./);
    const report = JSON.parse(readFileSync(file('dist/apps/classifier/verify/verify.json'), 'utf8'));
    expect(report.passed).toBe(true);

    const refused = runNxUnchecked(workspace.root, ['run', 'classifier:verify', `--key=${file('other-key.pub')}`], workspace.taskEnv);
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(
      /The sbom statement of .*classifier:latest \(sha256:[0-9a-f]{64}\) has no signature that verifies with the key/,
    );
  });

  // cosign's shortcut or the predicate type itself, and the predicate type its statement must carry.
  const cosignTypes = [
    ['slsaprovenance1', 'https://slsa.dev/provenance/v1'],
    ['cyclonedx', 'https://cyclonedx.org/bom'],
    ['https://nx-bentoml.dev/smoke-test/v1', 'https://nx-bentoml.dev/smoke-test/v1'],
  ];
  const checkWithCosign = (image: string, digest: string) => {
    for (const [type, predicateType] of cosignTypes) {
      const checked = cosignVerifyAttestation(sigstore, environment, workspace.root, { image, key: file('signing-key.pub'), type });
      expect({ type, status: checked.status, stderr: checked.status === 0 ? '' : checked.stderr }).toEqual({ type, status: 0, stderr: '' });
      const statements = cosignStatements(checked.stdout).filter((found) => found.predicateType === predicateType);
      expect(statements).toHaveLength(1);
      expect(statements[0].subject.map((subject) => `sha256:${subject.digest.sha256}`)).toEqual([digest]);
    }
  };

  const readme = join(__dirname, '../../../README.md');
  const policyFor = (key: string) => readmePolicy(readme, file(key), `${environment.registry}/**`);

  it("cosign verify-attestation and the README's admission policy accept it with the key, and not with another key", () => {
    const image = `${environment.registry}/${imageName}:latest`;
    checkWithCosign(image, latestDigest());
    const admitted = admits(sigstore, environment, workspace.root, { policy: policyFor('signing-key.pub'), image });
    expect({ status: admitted.status, output: admitted.status === 0 ? '' : admitted.stdout + admitted.stderr }).toEqual({
      status: 0,
      output: '',
    });
    const otherKey = admits(sigstore, environment, workspace.root, { policy: policyFor('other-key.pub'), image });
    expect(otherKey.status).not.toBe(0);
    expect(otherKey.stdout + otherKey.stderr).toContain('no matching attestations');
    const refused = cosignVerifyAttestation(sigstore, environment, workspace.root, {
      image,
      key: file('other-key.pub'),
      type: 'slsaprovenance1',
    });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('no matching attestations');
  });

  it('promote to the second registry carries the statements: verify and cosign pass there', () => {
    const promoted = runNx(
      workspace.root,
      ['run', 'classifier:promote', `--toRegistry=${environment.secondRegistry}`, '--to=production'],
      workspace.taskEnv,
    );
    expect(promoted.stdout).toMatch(/production/);
    const record = JSON.parse(readFileSync(file('dist/apps/classifier/promote/promote.json'), 'utf8'));
    expect(record).toMatchObject({ digest: latestDigest(), referrers: 3 });

    const verified = runNx(
      workspace.root,
      ['run', 'classifier:verify', `--registry=${environment.secondRegistry}`, '--tags=production', `--key=${file('signing-key.pub')}`],
      workspace.taskEnv,
    );
    expect(verified.stdout).toMatch(
      /classifier:production \(sha256:[0-9a-f]{64}\): sbom, provenance, gate verified with key [0-9a-f]{12}\./,
    );
    const production = `${environment.secondRegistry}/${imageName}:production`;
    checkWithCosign(production, latestDigest());
    const policy = readmePolicy(readme, file('signing-key.pub'), `${environment.secondRegistry}/**`);
    expect(admits(sigstore, environment, workspace.root, { policy, image: production }).status).toBe(0);
  });

  it('verify fails after the tag is moved to an unsigned image', async () => {
    // An unsigned image written under "latest" over the Distribution API, as anyone with push rights could.
    const upload = async (data: Buffer) => {
      const start = await fetch(`http://${environment.registry}/v2/${imageName}/blobs/uploads/`, {
        method: 'POST',
        headers: { authorization: basic() },
      });
      const url = new URL(start.headers.get('location')!, `http://${environment.registry}`);
      url.searchParams.set('digest', sha256(data));
      expect((await fetch(url, { method: 'PUT', headers: { authorization: basic() }, body: data })).status).toBe(201);
    };
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    const layer = gzipSync(Buffer.alloc(1024));
    await upload(config);
    await upload(layer);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: ociManifest,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
    });
    const put = await fetch(`http://${environment.registry}/v2/${imageName}/manifests/latest`, {
      method: 'PUT',
      headers: { authorization: basic(), 'content-type': ociManifest },
      body: manifest,
    });
    expect(put.status).toBe(201);

    const moved = runNxUnchecked(workspace.root, ['run', 'classifier:verify', `--key=${file('signing-key.pub')}`], workspace.taskEnv);
    expect(moved.status).not.toBe(0);
    expect(moved.stdout + moved.stderr).toContain(`classifier:latest (${sha256(Buffer.from(manifest))}) carries no sbom statement`);
    const image = `${environment.registry}/${imageName}:latest`;
    const refused = admits(sigstore, environment, workspace.root, { policy: policyFor('signing-key.pub'), image });
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('no matching attestations');
  });
});
