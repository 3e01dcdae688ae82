import type { DockerClient } from '../docker/client';
import type { BentoHandoff, GateHandoff, ImageHandoff } from '../chain/handoff-files';
import { readSourceInfo } from '../chain/source-info';
import { runCommand } from '../process/run-command';
import { readBentoLock } from './bento-lock';
import type { Statement } from './envelope';
import { type ImageFacts, type StatementKind, gateAnnotation, gateStatement, provenanceStatement, sbomStatement } from './statements';

/** What docker-push hands over for the statements: the hand-offs of the chain and where bento.tar is. */
export interface StatementSources {
  project: string;
  workspaceRoot: string;
  bento: BentoHandoff;
  bentoArchive: string;
  image: ImageHandoff;
  /** smoke-test's result, when the gate ran: it counts only for an image of the same build key. */
  gate?: GateHandoff;
}

export type ImageStatements = (
  repository: string,
  digest: string,
) => Array<{ kind: StatementKind; statement: Statement; annotations?: Record<string, string> }>;

/**
 * Gathers once what every pushed digest's statements say (the lock in bento.tar, the base image's
 * digest where the engine holds it, the commit) and answers the statements of one digest.
 */
export async function imageStatements(sources: StatementSources, docker: DockerClient): Promise<ImageStatements> {
  const { bento, image, gate } = sources;
  const [lock, baseImage, git] = await Promise.all([
    readBentoLock(sources.bentoArchive),
    bento.baseImage ? baseImageOf(bento.baseImage.image, docker) : undefined,
    gitState(sources.workspaceRoot),
  ]);
  const gateCounts = gate && (image.buildKey ? gate.buildKey === image.buildKey : gate.imageId === image.imageId);
  return (repository, digest) => {
    const facts: ImageFacts = { repository, digest, project: sources.project, bento, buildKey: image.buildKey, lock, baseImage, git };
    return [
      { kind: 'sbom', statement: sbomStatement(facts) },
      { kind: 'provenance', statement: provenanceStatement(facts) },
      ...(gate && gateCounts
        ? [
            {
              kind: 'gate' as const,
              statement: gateStatement(facts, gate),
              annotations: { [gateAnnotation]: gate.passed ? 'passed' : 'failed' },
            },
          ]
        : []),
    ];
  };
}

/** The base image with the digest the engine pulled it by, where it holds it. */
async function baseImageOf(reference: string, docker: DockerClient): Promise<{ image: string; digest?: string }> {
  const summary = await docker.inspectImage(reference).catch(() => undefined);
  const digest = summary?.repoDigests.map((entry) => entry.split('@')[1]).find(Boolean);
  return { image: reference, ...(digest ? { digest } : {}) };
}

/** The workspace's commit, its remote (without credentials) and whether tracked or new files differ from it. */
async function gitState(workspaceRoot: string): Promise<ImageFacts['git']> {
  const { revision, url } = await readSourceInfo(workspaceRoot);
  if (!revision) return undefined;
  const status = await runCommand('git', ['status', '--porcelain'], { cwd: workspaceRoot }).catch(() => undefined);
  return { commit: revision, ...(url ? { url } : {}), dirty: !status || status.exitCode !== 0 || status.stdout.trim() !== '' };
}
