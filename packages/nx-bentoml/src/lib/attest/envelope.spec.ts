import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeKeyPair } from '../../testing/signing-keys';
import { useTempDir } from '../../testing/temp-dir';
import { inTotoPayloadType, openEnvelope, signStatement, statement } from './envelope';
import { keyFileSigner, verifyKeyFile } from './signer';

// An independent check of one envelope (testing/dsse_check.py: Python's cryptography, sharing no code
// with the plugin). Run only where plain python3 has cryptography; e2e attest.spec.ts always runs it.
const dsseCheck = join(__dirname, '../../testing/dsse_check.py');
const pythonHasCryptography = spawnSync('python3', ['-c', 'import cryptography']).status === 0;

describe('DSSE envelopes of in-toto statements', () => {
  const temp = useTempDir('nx-bentoml-envelope-');
  const digest = `sha256:${'ab'.repeat(32)}`;
  const content = statement('127.0.0.1:5000/app', digest, 'https://slsa.dev/provenance/v1', { x: 1 });

  it('makes an in-toto Statement v1 whose subject is the repository and the manifest digest (hex)', () => {
    expect(content).toEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: '127.0.0.1:5000/app', digest: { sha256: 'ab'.repeat(32) } }],
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: { x: 1 },
    });
  });

  it('signs the statement and opens it again with the public key', async () => {
    const { privatePath, publicPath } = writeKeyPair(temp.dir);
    const signer = keyFileSigner(privatePath);
    const envelope = await signStatement(content, signer);
    expect(envelope.payloadType).toBe(inTotoPayloadType);
    expect(envelope.signatures).toEqual([{ keyid: signer.keyId, sig: expect.any(String) }]);
    expect(openEnvelope(Buffer.from(JSON.stringify(envelope)), verifyKeyFile(publicPath))).toEqual({ statement: content });
  });

  it('says why an envelope does not hold: another key, a changed payload, not an envelope', async () => {
    const signed = writeKeyPair(temp.dir, 'signed');
    const other = writeKeyPair(temp.dir, 'other');
    const envelope = await signStatement(content, keyFileSigner(signed.privatePath));
    const key = verifyKeyFile(signed.publicPath);
    expect(openEnvelope(Buffer.from(JSON.stringify(envelope)), verifyKeyFile(other.publicPath))).toEqual({
      problem: expect.stringMatching(/^has no signature that verifies with the key [0-9a-f]{12} \(signed by key id [0-9a-f]{64}\)$/),
    });
    const changed = { ...envelope, payload: Buffer.from(JSON.stringify({ ...content, predicate: { x: 2 } })).toString('base64') };
    expect(openEnvelope(Buffer.from(JSON.stringify(changed)), key)).toEqual({
      problem: expect.stringMatching(/^has no signature that verifies/),
    });
    expect(openEnvelope(Buffer.from('{"manifest": true}'), key)).toEqual({ problem: 'is not a DSSE envelope' });
  });

  (pythonHasCryptography ? it : it.skip)("verifies with Python's cryptography over DSSE's PAE, written independently", async () => {
    const { privatePath, publicPath } = writeKeyPair(temp.dir);
    const envelopePath = join(temp.dir, 'envelope.json');
    writeFileSync(envelopePath, JSON.stringify(await signStatement(content, keyFileSigner(privatePath))));
    const result = spawnSync('python3', [dsseCheck, envelopePath, publicPath], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).subject).toBe('ab'.repeat(32));
  });
});
