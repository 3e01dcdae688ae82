import { UserError } from '../errors';
import type { RegistryClient } from '../registry/client';
import type { RegistryAuth } from '../registry/credentials';
import { RegistryRefusal, explainRefusal } from '../registry/errors';
import { type Statement, dsseMediaType, signStatement } from './envelope';
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
  /** "present": this key already signed a statement of this kind for this digest, so none is added. */
  status: 'attached' | 'present';
  via?: 'referrers-api' | 'tag-schema';
}

/**
 * Signs each statement and attaches it to the image as a referrer, unless this key already signed
 * one of its kind for this digest: an unchanged publish adds nothing, and one digest never holds two
 * different statements of one kind from one key (the SBOM of a later run could differ in a tool's version).
 */
export async function attachStatements(
  target: AttachTarget,
  statements: Array<{ kind: StatementKind; statement: Statement; annotations?: Record<string, string> }>,
  signer: Signer,
  registry: RegistryClient,
): Promise<Attached[]> {
  const attached: Attached[] = [];
  for (const { kind, statement, annotations } of statements) {
    const { artifactType, predicateType } = statementKinds[kind];
    const refused = (error: unknown) => {
      throw refusedReferrers(target, kind, error);
    };
    const held = await registry.listReferrers(target.repository, target.digest, target.auth, artifactType).catch(refused);
    if (held.some((referrer) => referrer.annotations[keyIdAnnotation] === signer.keyId)) {
      attached.push({ kind, status: 'present' });
      continue;
    }
    const envelope = await signStatement(statement, signer);
    const { via } = await registry
      .attachReferrer(
        target.repository,
        target.digest,
        {
          artifactType,
          mediaType: dsseMediaType,
          data: Buffer.from(JSON.stringify(envelope)),
          annotations: { ...annotations, [predicateTypeAnnotation]: predicateType, [keyIdAnnotation]: signer.keyId },
        },
        target.auth,
      )
      .catch(refused);
    attached.push({ kind, status: 'attached', via });
  }
  return attached;
}

/** A registry that will not list or take a statement: the image is pushed, its statements are not. */
function refusedReferrers({ repository, digest }: AttachTarget, kind: StatementKind, error: unknown): UserError {
  const reason = error instanceof RegistryRefusal ? explainRefusal(error).message : (error as Error).message;
  return new UserError(
    `${repository} refused the signed ${kind} statement for ${digest}: ${reason}\n` +
      `The image and its tags are pushed, but not every statement is attached. Run docker-push again once the registry takes ` +
      `OCI 1.1 artifacts (an image manifest with a subject, or the referrers tag sha256-<hex>), or unset NX_BENTOML_SIGNING_KEY to publish unsigned.`,
  );
}
