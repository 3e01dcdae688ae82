import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A fresh key pair in `dir`, as the README tells users to make one: PEM PKCS#8 private key, PEM SPKI public key. */
export function writeKeyPair(dir: string, name = 'signing-key', namedCurve = 'P-256') {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
  const privatePath = join(dir, `${name}.pem`);
  const publicPath = join(dir, `${name}.pub`);
  writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privatePath, publicPath, publicKey };
}
