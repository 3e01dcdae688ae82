import { fakeRegistry } from '../../testing/fake-registry';
import { writeKeyPair } from '../../testing/signing-keys';
import { useTempDir } from '../../testing/temp-dir';
import { publishedVersions, formatVersions } from '../chain/published-versions';
import { attachStatements } from './attach';
import { statement } from './envelope';
import { versionSignatures } from './signatures';
import { gateAnnotation, statementKinds } from './statements';
import { keyFileSigner } from './signer';

describe("a version's signatures, from its referrers", () => {
  const temp = useTempDir('nx-bentoml-signatures-');
  const repository = '127.0.0.1:5000/classifier';
  const signed = `sha256:${'aa'.repeat(32)}`;
  const unsigned = `sha256:${'bb'.repeat(32)}`;

  it('says which key signed which statements and the gate result, one listing per version', async () => {
    const registry = fakeRegistry();
    const signer = keyFileSigner(writeKeyPair(temp.dir).privatePath);
    const about = (kind: 'sbom' | 'gate') => statement(repository, signed, statementKinds[kind].predicateType, {});
    await attachStatements(
      { repository, digest: signed, auth: undefined },
      [
        { kind: 'sbom', statement: about('sbom') },
        { kind: 'gate', statement: about('gate'), annotations: { [gateAnnotation]: 'passed' } },
      ],
      signer,
      registry.client,
    );
    const listed = jest.spyOn(registry.client, 'listReferrers');
    const found = await versionSignatures(registry.client, repository, [signed, unsigned], undefined);
    expect(listed).toHaveBeenCalledTimes(2);
    expect(found.get(signed)).toEqual({ keyIds: [signer.keyId], kinds: ['sbom', 'gate'], gate: 'passed' });
    expect(found.get(unsigned)).toEqual({ keyIds: [], kinds: [] });

    const versions = publishedVersions([
      { tag: 'nx1', image: { digest: signed, labels: {}, platform: 'linux/amd64' } },
      { tag: 'nx2', image: { digest: unsigned, labels: {}, platform: 'linux/amd64' } },
    ]);
    for (const version of versions) version.signatures = found.get(version.digest);
    const table = formatVersions(versions).split('\n');
    expect(table[0]).toMatch(/signed\s+gate$/);
    expect(table.find((line) => line.startsWith('nx1'))).toMatch(new RegExp(`${signer.keyId.slice(0, 12)}\\s+passed$`));
    expect(table.find((line) => line.startsWith('nx2'))).toMatch(/\sno$/);
  });

  it('leaves a version unknown where the registry will not list referrers', async () => {
    const registry = fakeRegistry(undefined, { overrides: { listReferrers: () => Promise.reject(new Error('404')) } });
    expect((await versionSignatures(registry.client, repository, [signed], undefined)).get(signed)).toBeUndefined();
  });
});
