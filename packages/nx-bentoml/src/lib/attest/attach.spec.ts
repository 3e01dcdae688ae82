import { fakeRegistry } from '../../testing/fake-registry';
import { writeKeyPair } from '../../testing/signing-keys';
import { useTempDir } from '../../testing/temp-dir';
import { RegistryRefusal } from '../registry/errors';
import { attachStatements } from './attach';
import { openEnvelope, signStatement, statement } from './envelope';
import { keyFileSigner, verifyKeyFile } from './signer';
import { keyIdAnnotation, predicateTypeAnnotation, statementKinds } from './statements';

describe('attaching signed statements', () => {
  const temp = useTempDir('nx-bentoml-attach-');
  const target = { repository: '127.0.0.1:5000/app', digest: `sha256:${'ab'.repeat(32)}`, auth: undefined };
  const statements = [
    { kind: 'sbom' as const, statement: statement(target.repository, target.digest, statementKinds.sbom.predicateType, { a: 1 }) },
    { kind: 'provenance' as const, statement: statement(target.repository, target.digest, statementKinds.provenance.predicateType, {}) },
  ];

  it('attaches each statement as a referrer of its own artifactType, annotated with its predicate type and key id', async () => {
    const { privatePath, publicPath } = writeKeyPair(temp.dir);
    const signer = keyFileSigner(privatePath);
    const registry = fakeRegistry();
    expect(await attachStatements(target, statements, signer, registry.client)).toEqual([
      { kind: 'sbom', status: 'attached', via: 'tag-schema' },
      { kind: 'provenance', status: 'attached', via: 'tag-schema' },
    ]);
    const [sbom] = await registry.client.listReferrers(target.repository, target.digest, undefined, statementKinds.sbom.artifactType);
    expect(sbom.annotations).toEqual({ [predicateTypeAnnotation]: 'https://cyclonedx.org/bom', [keyIdAnnotation]: signer.keyId });
    const { data } = await registry.client.readReferrer(target.repository, sbom.digest, undefined);
    expect(openEnvelope(data, verifyKeyFile(publicPath))).toEqual({ statement: statements[0].statement });
  });

  it("puts the same envelope bytes under cosign's attestation tag, annotated with the predicate type", async () => {
    const signer = keyFileSigner(writeKeyPair(temp.dir).privatePath);
    const registry = fakeRegistry();
    await attachStatements(target, statements, signer, registry.client);
    const layers = registry.cosignAttestations.get(`${target.repository}@${target.digest}`)!;
    expect(layers.map((layer) => layer.annotations)).toEqual([
      { predicateType: 'https://cyclonedx.org/bom', [keyIdAnnotation]: signer.keyId },
      { predicateType: 'https://slsa.dev/provenance/v1', [keyIdAnnotation]: signer.keyId },
    ]);
    const referrers = registry.referrers.get(`${target.repository}@${target.digest}`)!;
    expect(layers.map((layer) => layer.data)).toEqual(referrers.map((referrer) => referrer.data));
  });

  it('copies a statement this key signed to the place that lacks it, without signing it again', async () => {
    const signer = keyFileSigner(writeKeyPair(temp.dir).privatePath);
    const registry = fakeRegistry();
    await attachStatements(target, statements, signer, registry.client);
    const signed = registry.referrers.get(`${target.repository}@${target.digest}`)!.map((referrer) => referrer.data);
    // A push that stopped between the two writes, or a registry that lost the tag.
    registry.cosignAttestations.delete(`${target.repository}@${target.digest}`);
    expect(await attachStatements(target, statements, signer, registry.client)).toEqual([
      { kind: 'sbom', status: 'attached' },
      { kind: 'provenance', status: 'attached' },
    ]);
    expect(registry.cosignAttestations.get(`${target.repository}@${target.digest}`)!.map((layer) => layer.data)).toEqual(signed);
    expect(registry.referrers.get(`${target.repository}@${target.digest}`)).toHaveLength(2);

    // And the other way round: a referrer lost, the tag's envelope is attached as it is.
    registry.referrers.delete(`${target.repository}@${target.digest}`);
    await attachStatements(target, statements, signer, registry.client);
    expect(registry.referrers.get(`${target.repository}@${target.digest}`)!.map((referrer) => referrer.data)).toEqual(signed);
  });

  it("does not count a statement annotated with this key's id whose signature does not verify", async () => {
    const signer = keyFileSigner(writeKeyPair(temp.dir, 'mine').privatePath);
    const forger = keyFileSigner(writeKeyPair(temp.dir, 'forger').privatePath);
    const registry = fakeRegistry();
    // Signed by another key, but labelled with this key's id in both places, as anyone with push rights could.
    const forged = Buffer.from(JSON.stringify(await signStatement(statements[0].statement, forger)));
    const labels = { [keyIdAnnotation]: signer.keyId };
    await registry.client.attachReferrer(
      target.repository,
      target.digest,
      {
        artifactType: statementKinds.sbom.artifactType,
        mediaType: 'application/vnd.dsse.envelope.v1+json',
        data: forged,
        annotations: labels,
      },
      undefined,
    );
    await registry.client.attachCosignAttestations(
      target.repository,
      target.digest,
      [{ data: forged, annotations: { ...labels, predicateType: statementKinds.sbom.predicateType } }],
      undefined,
    );
    expect(await attachStatements(target, [statements[0]], signer, registry.client)).toEqual([
      { kind: 'sbom', status: 'attached', via: 'tag-schema' },
    ]);
    const held = registry.referrers.get(`${target.repository}@${target.digest}`)!;
    expect(held).toHaveLength(2);
    expect(openEnvelope(held[1].data, signer)).toEqual({ statement: statements[0].statement });
    expect(registry.cosignAttestations.get(`${target.repository}@${target.digest}`)!.map((layer) => layer.data)).toEqual([
      forged,
      held[1].data,
    ]);
  });

  it('adds nothing when this key already signed each kind for the digest, even when the statement changed', async () => {
    const signer = keyFileSigner(writeKeyPair(temp.dir).privatePath);
    const registry = fakeRegistry();
    await attachStatements(target, statements, signer, registry.client);
    const changed = [{ kind: 'sbom' as const, statement: { ...statements[0].statement, predicate: { a: 2 } } }];
    expect(await attachStatements(target, changed, signer, registry.client)).toEqual([{ kind: 'sbom', status: 'present' }]);
    expect(registry.referrers.get(`${target.repository}@${target.digest}`)).toHaveLength(2);
  });

  it("adds another key's statements beside the first key's", async () => {
    const registry = fakeRegistry();
    await attachStatements(target, statements, keyFileSigner(writeKeyPair(temp.dir, 'a').privatePath), registry.client);
    await attachStatements(target, statements, keyFileSigner(writeKeyPair(temp.dir, 'b').privatePath), registry.client);
    expect(registry.referrers.get(`${target.repository}@${target.digest}`)).toHaveLength(4);
  });

  it('says the image is pushed but not signed when the registry refuses the referrer', async () => {
    const registry = fakeRegistry(undefined, {
      overrides: {
        attachReferrer: () =>
          Promise.reject(
            new RegistryRefusal(400, target.repository, { method: 'PUT', url: 'http://127.0.0.1:5000/v2/app/manifests/sha256-ab' }),
          ),
      },
    });
    await expect(attachStatements(target, statements, keyFileSigner(writeKeyPair(temp.dir).privatePath), registry.client)).rejects.toThrow(
      /127\.0\.0\.1:5000\/app refused the signed sbom statement for sha256:abab.*HTTP 400.*\nThe image and its tags are pushed, but not every statement is attached\. Run docker-push again once the registry takes OCI 1\.1 artifacts/s,
    );
  });
});
