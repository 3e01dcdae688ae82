import { type KeyObject, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { crypto as sigstoreCrypto } from '@sigstore/core';
import { UserError } from '../errors';

/** The variable that names the signing key's file, and the one that names the key verify checks with. */
export const signingKeyVariable = 'NX_BENTOML_SIGNING_KEY';
export const verifyKeyVariable = 'NX_BENTOML_VERIFY_KEY';

/** A public key to verify with, and its key id. */
export interface VerifyKey {
  /** The sha256 (hex) of the public key's SubjectPublicKeyInfo DER: the same id for the private and the public key. */
  keyId: string;
  publicKey: KeyObject;
}

/**
 * What signs a statement, with its public half (the gate checks with it that this key recorded a
 * passed test). A key file is the one kind today; a KMS key fits the same members; keyless signing
 * (a CI's OIDC token exchanged for a certificate) would check the gate's record by identity instead.
 */
export interface Signer extends VerifyKey {
  /** ECDSA P-256 over SHA-256 of `bytes`, as a DER signature. */
  sign(bytes: Buffer): Promise<Buffer>;
}

/** The key id of a public key: sha256 of its SubjectPublicKeyInfo DER, hex. */
export function keyIdOf(publicKey: KeyObject): string {
  return sigstoreCrypto.digest('sha256', publicKey.export({ type: 'spki', format: 'der' })).toString('hex');
}

/** The signer NX_BENTOML_SIGNING_KEY names, or undefined when it is unset (nothing is then signed). */
export function signerFromEnvironment(env: Record<string, string | undefined> = process.env): Signer | undefined {
  const path = env[signingKeyVariable];
  return path ? keyFileSigner(path) : undefined;
}

/** A signer over a PEM PKCS#8 ECDSA P-256 private key file. Its bytes are never put in a message. */
export function keyFileSigner(path: string): Signer {
  const privateKey = readKey(path, signingKeyVariable, (text) => createPrivateKey({ key: text, format: 'pem' }));
  assertP256(privateKey, path, signingKeyVariable);
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), publicKey, sign: async (bytes) => sign('sha256', bytes, { key: privateKey, dsaEncoding: 'der' }) };
}

/** The public key verify checks with: a PEM file (cosign.pub, or openssl's -pubout), from an option or NX_BENTOML_VERIFY_KEY. */
export function verifyKeyFile(path: string | undefined, source = `--key or ${verifyKeyVariable}`): VerifyKey {
  if (!path) {
    throw new UserError(
      `No public key to verify with: pass --key=<path of a PEM public key> or set ${verifyKeyVariable} to its path ` +
        `(the public half of the key docker-push signs with: \`openssl pkey -in signing-key.pem -pubout -out signing-key.pub\`, or cosign.pub).`,
    );
  }
  const publicKey = readKey(path, source, (text) => sigstoreCrypto.createPublicKey(text));
  assertP256(publicKey, path, source);
  return { keyId: keyIdOf(publicKey), publicKey };
}

function readKey(path: string, source: string, parse: (text: string) => KeyObject): KeyObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(
      `${source} names ${path}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}). ${keyAdvice}`,
    );
  }
  try {
    return parse(text);
  } catch {
    // The parser's own message can quote the file: only its path is said.
    throw new UserError(`${source} names ${path}, which holds no PEM key this can read. ${keyAdvice}`);
  }
}

function assertP256(key: KeyObject, path: string, source: string) {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    const kind = key.asymmetricKeyType === 'ec' ? `an EC key on ${key.asymmetricKeyDetails?.namedCurve}` : `a ${key.asymmetricKeyType} key`;
    throw new UserError(`${source} names ${path}, ${kind}; statements are signed with ECDSA P-256 only. ${keyAdvice}`);
  }
}

const keyAdvice =
  `${signingKeyVariable} takes the path of a PEM PKCS#8 ECDSA P-256 private key: make one with ` +
  '`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out signing-key.pem` ' +
  '(its public half, for verify: `openssl pkey -in signing-key.pem -pubout -out signing-key.pub`); ' +
  '`cosign import-key-pair --key signing-key.pem` gives cosign the same key.';
