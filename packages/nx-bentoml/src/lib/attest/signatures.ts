import type { ReferrerDescriptor, RegistryClient } from '../registry/client';
import type { RegistryAuth } from '../registry/credentials';
import { type StatementKind, gateAnnotation, keyIdAnnotation, statementKinds } from './statements';

/** What a version's referrers say of its statements, from their listing alone (verify checks the signatures). */
export interface VersionSignatures {
  /** The key ids that signed statements of this version. */
  keyIds: string[];
  kinds: StatementKind[];
  gate?: 'passed' | 'failed';
}

export function signaturesOf(referrers: ReferrerDescriptor[]): VersionSignatures {
  const kinds = (Object.keys(statementKinds) as StatementKind[]).filter((kind) =>
    referrers.some((referrer) => referrer.artifactType === statementKinds[kind].artifactType),
  );
  const ours = referrers.filter((referrer) => Object.values(statementKinds).some((kind) => kind.artifactType === referrer.artifactType));
  const keyIds = [...new Set(ours.map((referrer) => referrer.annotations[keyIdAnnotation]).filter(Boolean))].sort();
  const gate = ours.find((referrer) => referrer.artifactType === statementKinds.gate.artifactType)?.annotations[gateAnnotation];
  return { keyIds, kinds, ...(gate === 'passed' || gate === 'failed' ? { gate } : {}) };
}

/** Each version's signatures, one listing of referrers per version; undefined for a version the registry would not list. */
export async function versionSignatures(
  registry: RegistryClient,
  repository: string,
  digests: string[],
  auth: RegistryAuth | undefined,
): Promise<Map<string, VersionSignatures | undefined>> {
  const found = new Map<string, VersionSignatures | undefined>();
  for (const digest of digests) {
    found.set(digest, await registry.listReferrers(repository, digest, auth).then(signaturesOf, () => undefined));
  }
  return found;
}
