import { UserError } from '../errors';
import type { CosignAttestation, RegistryClient } from '../registry/client';
import { cosignAttestationTag, cosignPredicateTypeAnnotation } from '../registry/cosign-attestations';
import type { RegistryAuth } from '../registry/credentials';
import { RegistryRefusal, explainRefusal } from '../registry/errors';
import { type Statement, dsseMediaType, signStatement } from './envelope';
import { findSignedEnvelope, findStatement } from './verify';
import type { Signer } from './signer';
import { type StatementKind, keyIdAnnotation, predicateTypeAnnotation, statementKinds } from './statements';

/** Where the statements go: one image manifest in one repository. */
export interface AttachTarget {
  repository: string;
  digest: string;
  auth: RegistryAuth | undefined;
}

export interface Attached {
  kind: StatementKind;
  /** "present": this key already signed a statement of this kind for this digest, in both places, so none is added. */
  status: 'attached' | 'present';
  via?: 'referrers-api' | 'tag-schema';
}

/**
 * Signs each statement and attaches it to the image in two places with the same envelope bytes: as
 * an OCI 1.1 referrer and as a layer of cosign's attestation tag (sha256-<hex>.att, which cosign
 * verify-attestation and admission controllers read). A statement this key signed for this digest,
 * whose signature verifies (annotations are unsigned: a forged one does not count), is not signed
 * again, only copied to the place that lacks it: an unchanged publish adds nothing, and one digest
 * never holds two different statements of one kind from one key (the SBOM of a later run could
 * differ in a tool's version).
 */
export async function attachStatements(
  target: AttachTarget,
  statements: Array<{ kind: StatementKind; statement: Statement; annotations?: Record<string, string> }>,
  signer: Signer,
  registry: RegistryClient,
): Promise<Attached[]> {
  const { repository, digest, auth } = target;
  const refusedBy = (what: string) => (error: unknown) => {
    throw refusedReferrers(target, what, error);
  };
  const cosignRefused = refusedBy(`statements under cosign's tag ${cosignAttestationTag(digest)}`);
  if (statements.length === 0) return [];
  const tagged = await registry.listCosignAttestations(repository, digest, auth).catch(cosignRefused);
  // One listing for every kind: findStatement keeps each kind's own.
  const referrers = await registry.listReferrers(repository, digest, auth).catch(refusedBy('statements'));
  /** The envelope of `kind` under cosign's tag that this key signed about this digest. */
  const heldInTag = async (kind: StatementKind): Promise<Buffer | undefined> => {
    const candidates = tagged
      .filter((layer) => layer.annotations[cosignPredicateTypeAnnotation] === statementKinds[kind].predicateType)
      .map((layer) => ({ ...layer, read: () => registry.readCosignAttestation(repository, layer.digest, auth).catch(cosignRefused) }));
    const found = await findSignedEnvelope(candidates, { kind, digest, key: signer });
    return found.status === 'verified' ? found.envelope : undefined;
  };
  const forTag: CosignAttestation[] = [];
  const attached: Attached[] = [];
  for (const { kind, statement, annotations } of statements) {
    const { artifactType, predicateType } = statementKinds[kind];
    const refused = refusedBy(`${kind} statement`);
    const asReferrer = await findStatement(target, kind, referrers, signer, registry).catch(refused);
    const inTag = await heldInTag(kind);
    if (asReferrer.status === 'verified' && inTag) {
      attached.push({ kind, status: 'present' });
      continue;
    }
    const envelope =
      asReferrer.status === 'verified'
        ? asReferrer.envelope
        : (inTag ?? Buffer.from(JSON.stringify(await signStatement(statement, signer))));
    const labels = { ...annotations, [keyIdAnnotation]: signer.keyId };
    if (!inTag) forTag.push({ data: envelope, annotations: { ...labels, [cosignPredicateTypeAnnotation]: predicateType } });
    if (asReferrer.status === 'verified') {
      attached.push({ kind, status: 'attached' });
      continue;
    }
    const { via } = await registry
      .attachReferrer(
        repository,
        digest,
        { artifactType, mediaType: dsseMediaType, data: envelope, annotations: { ...labels, [predicateTypeAnnotation]: predicateType } },
        auth,
      )
      .catch(refused);
    attached.push({ kind, status: 'attached', via });
  }
  if (forTag.length) await registry.attachCosignAttestations(repository, digest, forTag, auth).catch(cosignRefused);
  return attached;
}

/** A registry that will not list or take a statement: the image is pushed, its statements are not. */
function refusedReferrers({ repository, digest }: AttachTarget, what: string, error: unknown): UserError {
  const reason = error instanceof RegistryRefusal ? explainRefusal(error).message : (error as Error).message;
  return new UserError(
    `${repository} refused the signed ${what} for ${digest}: ${reason}\n` +
      `The image and its tags are pushed, but not every statement is attached. Run docker-push again once the registry takes ` +
      `OCI 1.1 artifacts (an image manifest with a subject, or the referrers tag sha256-<hex>) and cosign's tag sha256-<hex>.att, or unset NX_BENTOML_SIGNING_KEY to publish unsigned.`,
  );
}
