import type { RegistryClient } from '../registry/client';
import type { RegistryAuth } from '../registry/credentials';
import type { VerifyKey } from './signer';
import { statementKinds } from './statements';
import { findStatement } from './verify';

/** An image in one repository that a push keeps a tag on, or points or copies tags to. */
export interface HeldImage {
  repository: string;
  digest: string;
  auth: RegistryAuth | undefined;
}

/**
 * The held images that are no record of a passed gate, each as one sentence saying why: none when
 * each carries a gate statement signed by `key`, about that very digest, whose predicate says passed
 * (the unsigned annotation is not read). One listing of the gate's referrers per image; only gate
 * envelopes are read.
 */
export async function missingGateRecords(images: HeldImage[], key: VerifyKey, registry: RegistryClient): Promise<string[]> {
  const missing: string[] = [];
  for (const image of images) {
    const why = await gateRecordProblem(image, key, registry);
    if (why) missing.push(why);
  }
  return missing;
}

async function gateRecordProblem(image: HeldImage, key: VerifyKey, registry: RegistryClient): Promise<string | undefined> {
  const { repository, digest, auth } = image;
  const referrers = await registry.listReferrers(repository, digest, auth, statementKinds.gate.artifactType);
  const found = await findStatement(image, 'gate', referrers, key, registry);
  const none = `${repository}@${digest.slice(0, 19)} carries no gate statement signed by key ${key.keyId.slice(0, 12)}`;
  if (found.status === 'absent') return none;
  if (found.status === 'failed') return `${none} (its gate statement ${found.problem})`;
  const { passed } = found.statement.predicate as { passed?: unknown };
  return passed === true ? undefined : `${none} that says passed (the one it carries says the gate failed)`;
}
