import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attachStatements } from '../lib/attest/attach';
import type { Signer } from '../lib/attest/signer';
import { gateAnnotation, gateStatement } from '../lib/attest/statements';
import type { RegistryClient } from '../lib/registry/client';

/** A fresh key pair in `dir`, as the README tells users to make one: PEM PKCS#8 private key, PEM SPKI public key. */
export function writeKeyPair(dir: string, name = 'signing-key', namedCurve = 'P-256') {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
  const privatePath = join(dir, `${name}.pem`);
  const publicPath = join(dir, `${name}.pub`);
  writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privatePath, publicPath, publicKey };
}

/**
 * Attaches a gate statement to `target` as a signed docker-push does, signed by `signer`, saying
 * `passed` about `about` (the target's digest unless a test says otherwise). Its unsigned
 * annotation always says "passed": only the signed predicate may count.
 */
export async function attachGateStatement(
  registry: RegistryClient,
  target: { repository: string; digest: string },
  signer: Signer,
  { passed = true, about = target.digest }: { passed?: boolean; about?: string } = {},
) {
  const result = { imageId: 'sha256:1', buildKey: 'key-1', passed, requests: [] };
  const content = gateStatement({ repository: target.repository, digest: about }, result);
  await attachStatements(
    { ...target, auth: undefined },
    [{ kind: 'gate', statement: content, annotations: { [gateAnnotation]: 'passed' } }],
    signer,
    registry,
  );
}
