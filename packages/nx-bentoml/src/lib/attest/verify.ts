import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileSha256 } from '../bentoml/bento-archive';
import type { ReferrerDescriptor, RegistryClient } from '../registry/client';
import type { RegistryAuth } from '../registry/credentials';
import { type Statement, openEnvelope } from './envelope';
import type { VerifyKey } from './signer';
import { type StatementKind, keyIdAnnotation, statementKinds } from './statements';

/** One image to check: a tag (or a digest) in a repository. */
export interface VerifyTarget {
  repository: string;
  reference: string;
  auth: RegistryAuth | undefined;
}

export interface StatementCheck {
  kind: StatementKind;
  predicateType: string;
  /** verified: signed by the key, about this digest; absent: none of its kind (the gate's is optional). */
  status: 'verified' | 'failed' | 'absent';
  referrer?: string;
  problem?: string;
}

export interface ImageCheck {
  repository: string;
  reference: string;
  digest?: string;
  statements: StatementCheck[];
  /** One sentence for each thing that does not hold. */
  failures: string[];
}

/** The SBOM and provenance are required; a project without smoke-test.json (or with the gate off) has no gate statement. */
const requiredKinds: StatementKind[] = ['sbom', 'provenance'];

/**
 * Checks the statements of the image a tag points at now: each kind signed by the key, about that
 * very digest; with `materials`, the provenance's files as the workspace holds them now.
 */
export async function verifyImage(
  target: VerifyTarget,
  key: VerifyKey,
  registry: RegistryClient,
  materials?: { workspaceRoot: string; files: string[] },
): Promise<ImageCheck> {
  const { repository, reference, auth } = target;
  const named = reference.startsWith('sha256:') ? `${repository}@${reference}` : `${repository}:${reference}`;
  const manifest = await registry.imageManifest(repository, reference, auth);
  if (!manifest) return { repository, reference, statements: [], failures: [`${named} names no image in the registry.`] };
  const digest = manifest.digest;
  const referrers = await registry.listReferrers(repository, digest, auth);
  const statements: StatementCheck[] = [];
  const failures: string[] = [];
  let provenance: Statement | undefined;
  for (const kind of Object.keys(statementKinds) as StatementKind[]) {
    const { predicateType } = statementKinds[kind];
    const found = await findStatement({ repository, digest, auth, named }, kind, referrers, key, registry);
    if (found.status === 'verified') {
      statements.push({ kind, predicateType, status: 'verified', referrer: found.held });
      if (kind === 'provenance') provenance = found.statement;
    } else if (found.status === 'failed') {
      statements.push({ kind, predicateType, status: 'failed', problem: found.problem });
      failures.push(`The ${kind} statement of ${named} (${digest}) ${found.problem}.`);
    } else {
      statements.push({ kind, predicateType, status: 'absent' });
      if (requiredKinds.includes(kind))
        failures.push(`${named} (${digest}) carries no ${kind} statement: it was not published by a signed docker-push.`);
    }
  }
  if (materials && provenance) failures.push(...(await materialProblems(provenance, materials)).map((problem) => `${named}: ${problem}`));
  return { repository, reference, digest, statements, failures };
}

/** A statement of one kind on a digest: one the key signed about that digest, or why none of its kind holds, or none of its kind. */
export type FoundStatement =
  | { status: 'verified'; held: string; statement: Statement; envelope: Buffer }
  | { status: 'failed'; problem: string }
  | { status: 'absent' };

/**
 * The statement of `kind` among a digest's `referrers` (one listing) that `key` signed about that
 * digest. Reads the envelopes of that kind only (findSignedEnvelope); `named` is the tag the image
 * was asked by, for the problem of a statement about another digest.
 */
export function findStatement(
  subject: { repository: string; digest: string; auth: RegistryAuth | undefined; named?: string },
  kind: StatementKind,
  referrers: ReferrerDescriptor[],
  key: VerifyKey,
  registry: RegistryClient,
): Promise<FoundStatement> {
  const { repository, digest, auth, named } = subject;
  const candidates = referrers
    .filter((referrer) => referrer.artifactType === statementKinds[kind].artifactType)
    .map((referrer) => ({
      digest: referrer.digest,
      annotations: referrer.annotations,
      read: async () => (await registry.readReferrer(repository, referrer.digest, auth)).data,
    }));
  return findSignedEnvelope(candidates, { kind, digest, key, named });
}

/** An envelope held in a registry (a referrer, a layer of cosign's tag): its digest, its unsigned annotations, its bytes on demand. */
export interface HeldEnvelope {
  digest: string;
  annotations: Record<string, string>;
  read: () => Promise<Buffer>;
}

/**
 * The first of `candidates` whose envelope holds for `kind` on `digest` (checkEnvelope), reading
 * those annotated with the key's id first; `held` is its digest. Every problem when none holds.
 */
export async function findSignedEnvelope(
  candidates: HeldEnvelope[],
  { kind, digest, key, named }: { kind: StatementKind; digest: string; key: VerifyKey; named?: string },
): Promise<FoundStatement> {
  if (candidates.length === 0) return { status: 'absent' };
  // The annotation is unsigned: it only orders the reads, the signature decides.
  const annotated = (candidate: HeldEnvelope) => candidate.annotations[keyIdAnnotation] === key.keyId;
  const problems: string[] = [];
  for (const candidate of [...candidates.filter(annotated), ...candidates.filter((candidate) => !annotated(candidate))]) {
    const envelope = await candidate.read();
    const checked = checkEnvelope(envelope, kind, digest, key, named);
    if ('problem' in checked) problems.push(checked.problem);
    else return { status: 'verified', held: candidate.digest, statement: checked.statement, envelope };
  }
  return { status: 'failed', problem: problems.join('; ') };
}

/** Where the provenance's files and the workspace's inputs now differ: a changed, removed or new file. */
async function materialProblems(
  provenance: Statement,
  { workspaceRoot, files }: { workspaceRoot: string; files: string[] },
): Promise<string[]> {
  const predicate = provenance.predicate as {
    buildDefinition?: {
      resolvedDependencies?: Array<{ name?: string; uri?: string; digest?: Record<string, string>; annotations?: object }>;
    };
  };
  // The Bento's input files are the entries with a name and no role (the lock, models and sources have one).
  const recorded = new Map(
    (predicate.buildDefinition?.resolvedDependencies ?? [])
      .filter((entry) => entry.name && !entry.uri && !entry.annotations && entry.digest?.['sha256'])
      .map((entry) => [entry.name as string, entry.digest!['sha256']]),
  );
  const problems: string[] = [];
  for (const [file, sha256] of recorded) {
    const path = join(workspaceRoot, file);
    if (!existsSync(path)) problems.push(`the provenance lists ${file}, which the workspace no longer holds.`);
    else if ((await fileSha256(path)) !== sha256)
      problems.push(`${file} differs from the one the provenance lists (sha256 ${sha256.slice(0, 12)}).`);
  }
  for (const file of files) if (!recorded.has(file)) problems.push(`${file} is an input of the Bento now but not in the provenance.`);
  return problems;
}

/**
 * An envelope's statement when it holds for `kind` on `digest`: signed by `key`, of the kind's
 * predicate type, about that digest; else why not (`named`, the tag the image was asked by).
 */
function checkEnvelope(
  bytes: Buffer,
  kind: StatementKind,
  digest: string,
  key: VerifyKey,
  named?: string,
): { statement: Statement } | { problem: string } {
  const { predicateType } = statementKinds[kind];
  const opened = openEnvelope(bytes, key);
  if ('problem' in opened) return opened;
  if (opened.statement.predicateType !== predicateType)
    return { problem: `states ${opened.statement.predicateType}, not ${predicateType}` };
  if (!opened.statement.subject.some((entry) => `sha256:${entry.digest?.sha256}` === digest)) {
    const about = opened.statement.subject.map((entry) => `sha256:${entry.digest?.sha256}`).join(', ');
    return { problem: `is about ${about}, not ${digest}${named ? `, the image ${named} points at now` : ''}` };
  }
  return opened;
}
