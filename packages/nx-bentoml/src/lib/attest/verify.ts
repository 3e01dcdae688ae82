import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RegistryClient } from '../registry/client';
import type { RegistryAuth } from '../registry/credentials';
import { type Statement, openEnvelope } from './envelope';
import type { VerifyKey } from './signer';
import { type StatementKind, statementKinds } from './statements';

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
  for (const [kind, { artifactType, predicateType }] of Object.entries(statementKinds) as Array<
    [StatementKind, (typeof statementKinds)[StatementKind]]
  >) {
    const candidates = referrers.filter((referrer) => referrer.artifactType === artifactType);
    if (candidates.length === 0) {
      statements.push({ kind, predicateType, status: 'absent' });
      if (requiredKinds.includes(kind))
        failures.push(`${named} (${digest}) carries no ${kind} statement: it was not published by a signed docker-push.`);
      continue;
    }
    const problems: string[] = [];
    let verified: { referrer: string; statement: Statement } | undefined;
    for (const candidate of candidates) {
      const opened = openEnvelope((await registry.readReferrer(repository, candidate.digest, auth)).data, key);
      if ('problem' in opened) problems.push(opened.problem);
      else if (opened.statement.predicateType !== predicateType)
        problems.push(`states ${opened.statement.predicateType}, not ${predicateType}`);
      else if (!opened.statement.subject.some((subject) => `sha256:${subject.digest?.sha256}` === digest)) {
        const about = opened.statement.subject.map((subject) => `sha256:${subject.digest?.sha256}`).join(', ');
        problems.push(`is about ${about}, not ${digest}, the image ${named} points at now`);
      } else verified = { referrer: candidate.digest, statement: opened.statement };
      if (verified) break;
    }
    if (verified) {
      statements.push({ kind, predicateType, status: 'verified', referrer: verified.referrer });
      if (kind === 'provenance') provenance = verified.statement;
    } else {
      const problem = problems.join('; ');
      statements.push({ kind, predicateType, status: 'failed', problem });
      failures.push(`The ${kind} statement of ${named} (${digest}) ${problem}.`);
    }
  }
  if (materials && provenance) failures.push(...(await materialProblems(provenance, materials)).map((problem) => `${named}: ${problem}`));
  return { repository, reference, digest, statements, failures };
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

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
