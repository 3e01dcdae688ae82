import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeKeyPair } from '../../testing/signing-keys';
import { useTempDir } from '../../testing/temp-dir';
import { keyFileSigner, signerFromEnvironment, verifyKeyFile } from './signer';

describe('signing keys', () => {
  const temp = useTempDir('nx-bentoml-signer-');

  it('signs with ECDSA P-256 over SHA-256 (a DER signature) under the sha256 of the public key SPKI as key id', async () => {
    const { privatePath, publicKey } = writeKeyPair(temp.dir);
    const signer = keyFileSigner(privatePath);
    const signature = await signer.sign(Buffer.from('bytes'));
    expect(verify('sha256', Buffer.from('bytes'), { key: publicKey, dsaEncoding: 'der' }, signature)).toBe(true);
    expect(signature[0]).toBe(0x30); // an ASN.1 SEQUENCE: DER, not the 64-byte r||s form
    expect(signer.keyId).toBe(
      createHash('sha256')
        .update(publicKey.export({ type: 'spki', format: 'der' }))
        .digest('hex'),
    );
  });

  it('gives the public key the same key id as its private key, and the signer that public key', () => {
    const { privatePath, publicPath } = writeKeyPair(temp.dir);
    const signer = keyFileSigner(privatePath);
    expect(verifyKeyFile(publicPath).keyId).toBe(signer.keyId);
    expect(signer.publicKey.equals(verifyKeyFile(publicPath).publicKey)).toBe(true);
  });

  it('signs nothing when NX_BENTOML_SIGNING_KEY is unset', () => {
    expect(signerFromEnvironment({})).toBeUndefined();
  });

  it('names the variable and how to make a key when the file is missing', () => {
    expect(() => signerFromEnvironment({ NX_BENTOML_SIGNING_KEY: join(temp.dir, 'none.pem') })).toThrow(
      /NX_BENTOML_SIGNING_KEY names .*none\.pem, which cannot be read \(ENOENT\)\..*openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256/,
    );
  });

  it('refuses a file that holds no key without printing its bytes', () => {
    const path = join(temp.dir, 'garbled.pem');
    writeFileSync(path, '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXRoYXQtbXVzdC1ub3Qtc2hvdw==\n-----END PRIVATE KEY-----\n');
    let message = '';
    try {
      keyFileSigner(path);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/NX_BENTOML_SIGNING_KEY names .*garbled\.pem, which holds no PEM key this can read/);
    expect(message).not.toContain('c2VjcmV0');
  });

  it('refuses a key on another curve or of another kind', () => {
    const { privatePath } = writeKeyPair(temp.dir, 'p384', 'P-384');
    expect(() => keyFileSigner(privatePath)).toThrow(/an EC key on secp384r1; statements are signed with ECDSA P-256 only/);
    const rsa = join(temp.dir, 'rsa.pem');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => keyFileSigner(rsa)).toThrow(/a rsa key; statements are signed with ECDSA P-256 only/);
  });

  it('asks for a public key when verify is given none', () => {
    expect(() => verifyKeyFile(undefined)).toThrow(/pass --key=<path of a PEM public key> or set NX_BENTOML_VERIFY_KEY/);
  });

  it('reads cosign.pub and openssl -pubout alike (PEM SPKI)', () => {
    const { publicPath } = writeKeyPair(temp.dir);
    expect(readFileSync(publicPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(verifyKeyFile(publicPath).keyId).toMatch(/^[0-9a-f]{64}$/);
  });
});
