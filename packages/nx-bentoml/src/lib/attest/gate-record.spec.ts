import { fakeRegistry } from '../../testing/fake-registry';
import { attachGateStatement, writeKeyPair } from '../../testing/signing-keys';
import { useTempDir } from '../../testing/temp-dir';
import { attachStatements } from './attach';
import { statement } from './envelope';
import { missingGateRecords } from './gate-record';
import { keyFileSigner } from './signer';
import { statementKinds } from './statements';

describe("the gate's signed record on the images a push keeps or tags", () => {
  const temp = useTempDir('nx-bentoml-gate-record-');
  const repository = '127.0.0.1:5000/classifier';
  const digest = `sha256:${'aa'.repeat(32)}`;
  const image = { repository, digest, auth: undefined };
  const setUp = () => ({ registry: fakeRegistry(), signer: keyFileSigner(writeKeyPair(temp.dir, 'ours').privatePath) });
  const none = (keyId: string) => `${repository}@sha256:aaaaaaaaaaaa carries no gate statement signed by key ${keyId.slice(0, 12)}`;

  it('holds where the key signed a passed gate statement about the digest, listing once and reading only the gate envelope', async () => {
    const { registry, signer } = setUp();
    const about = (kind: 'sbom' | 'provenance') => statement(repository, digest, statementKinds[kind].predicateType, {});
    await attachStatements(
      image,
      [
        { kind: 'sbom', statement: about('sbom') },
        { kind: 'provenance', statement: about('provenance') },
      ],
      signer,
      registry.client,
    );
    // Another key's gate statement beside it is not read: the key's id on the listing orders the reads.
    await attachGateStatement(registry.client, image, keyFileSigner(writeKeyPair(temp.dir, 'other').privatePath));
    await attachGateStatement(registry.client, image, signer);
    const listed = jest.spyOn(registry.client, 'listReferrers');
    const read = jest.spyOn(registry.client, 'readReferrer');
    expect(await missingGateRecords([image], signer, registry.client)).toEqual([]);
    expect(listed).toHaveBeenCalledTimes(1);
    expect(listed).toHaveBeenCalledWith(repository, digest, undefined, statementKinds.gate.artifactType);
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('is missing where the image carries no gate statement', async () => {
    const { registry, signer } = setUp();
    expect(await missingGateRecords([image], signer, registry.client)).toEqual([none(signer.keyId)]);
  });

  it("is missing where only another key's signature is on the gate statement", async () => {
    const { registry, signer } = setUp();
    await attachGateStatement(registry.client, image, keyFileSigner(writeKeyPair(temp.dir, 'other').privatePath));
    expect(await missingGateRecords([image], signer, registry.client)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${none(signer.keyId)} \\(its gate statement has no signature that verifies with the key [0-9a-f]{12} \\(signed by key id [0-9a-f]{64}\\)\\)$`,
        ),
      ),
    ]);
  });

  it('is missing where the signed statement says failed, whatever the unsigned annotation says', async () => {
    const { registry, signer } = setUp();
    await attachGateStatement(registry.client, image, signer, { passed: false });
    expect(await missingGateRecords([image], signer, registry.client)).toEqual([
      `${none(signer.keyId)} that says passed (the one it carries says the gate failed)`,
    ]);
  });

  it('is missing where the signed statement is about another digest', async () => {
    const { registry, signer } = setUp();
    const other = `sha256:${'bb'.repeat(32)}`;
    await attachGateStatement(registry.client, image, signer, { about: other });
    expect(await missingGateRecords([image], signer, registry.client)).toEqual([
      `${none(signer.keyId)} (its gate statement is about ${other}, not ${digest})`,
    ]);
  });

  it('answers for each image, one sentence for each without a record', async () => {
    const { registry, signer } = setUp();
    const elsewhere = { repository: 'ghcr.io/org/classifier', digest, auth: undefined };
    await attachGateStatement(registry.client, image, signer);
    expect(await missingGateRecords([image, elsewhere], signer, registry.client)).toEqual([
      `ghcr.io/org/classifier@sha256:aaaaaaaaaaaa carries no gate statement signed by key ${signer.keyId.slice(0, 12)}`,
    ]);
  });
});
