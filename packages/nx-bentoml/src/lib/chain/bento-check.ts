import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { fileSha256, modelDigest } from '../bentoml/bento-archive';
import { bentofileName, readBuildConfig } from '../bentoml/build-config';
import { sharedIncludes } from '../bentoml/shared-includes';
import { UserError } from '../errors';
import type { BentoHandoff } from './handoff-files';

/**
 * Whether a Bento restored from the Nx cache packs the workspace's files. A shared remote cache
 * can hold an entry another branch's CI wrote under a hash this commit reads (CVE-2025-36852), so
 * before containerize builds, or looks for an image by the Bento's build key, each file of the
 * Bento's src/ that has a workspace counterpart is compared by its SHA-256 with the workspace's
 * bytes. What BentoML generates (bento.yaml, env/, apis/, README.md, the build file it rewrites in
 * src/) has no counterpart and is not compared; neither is a src/ file the workspace lacks.
 * bento-build keeps store models out of bento.tar (containerize takes them from the BentoML store
 * and checks them against bento.json's digests), so a model inside the archive is refused: the
 * build would take it instead of the store's, and the cache entry that holds it also holds the
 * digest it would be checked against.
 */

/** Where bento-build took the Bento's src/ from, as its options name it. */
export interface BentoSources {
  workspaceRoot: string;
  /** Absolute path of the directory BentoML built (its files are src/ in the Bento). */
  buildDir: string;
  /** Absolute path of the build file bento-build names, if any; else the one BentoML finds in buildDir. */
  bentofilePath?: string;
}

/** A file of the Bento that is not the workspace's, in words that name it. */
export interface BentoMismatch {
  /** The path in the Bento, "src/serve.py". */
  bentoPath: string;
  /** Its counterpart, relative to the workspace root, when it has one. */
  workspacePath?: string;
  problem: string;
}

export interface BentoCheck {
  /** The files compared with the workspace's. */
  compared: number;
  /** The files of src/ the workspace has no counterpart for. */
  notInWorkspace: number;
  mismatches: BentoMismatch[];
}

class UnreadableArchiveError extends Error {}

interface ArchiveEntry {
  name: string;
  type: tar.Headers['type'];
  sha256: string;
}

/** Compares the Bento's files with the workspace's; see the comment at the top. */
export async function checkBento(archive: string, bento: Pick<BentoHandoff, 'modelDigests'>, sources: BentoSources): Promise<BentoCheck> {
  const counterpartOf = workspaceCounterparts(sources);
  const mismatches: BentoMismatch[] = [];
  const models = new Map<string, Array<[string, string]>>();
  let compared = 0;
  let notInWorkspace = 0;
  const entries = await readArchive(archive).catch((error: Error) => {
    throw new UnreadableArchiveError(error.message);
  });
  for (const entry of entries) {
    if (entry.name === '..' || entry.name.startsWith('../') || entry.name.startsWith('/')) {
      mismatches.push({ bentoPath: entry.name, problem: 'leads out of the Bento' });
      continue;
    }
    const model = /^models\/([^/]+)\/([^/]+)\/(.+)$/.exec(entry.name);
    if (model) {
      const tag = `${model[1]}:${model[2]}`;
      models.set(tag, [...(models.get(tag) ?? []), [model[3], entry.sha256]]);
      continue;
    }
    const source = /^src\/(.+)$/.exec(entry.name)?.[1];
    const workspacePath = source === undefined || entry.type === 'directory' ? undefined : counterpartOf(source);
    if (workspacePath === undefined) continue;
    const file = join(sources.workspaceRoot, workspacePath);
    if (!existsSync(file)) {
      notInWorkspace++;
      continue;
    }
    compared++;
    if (!statSync(file).isFile()) {
      mismatches.push({ bentoPath: entry.name, workspacePath, problem: 'is a directory, where the Bento packs a file' });
    } else if (entry.type !== 'file') {
      mismatches.push({ bentoPath: entry.name, workspacePath, problem: `is a file, where the Bento packs a ${entry.type}` });
    } else if ((await fileSha256(file)) !== entry.sha256) {
      mismatches.push({ bentoPath: entry.name, workspacePath, problem: 'differs from the file the Bento packs' });
    }
  }
  for (const [tag, files] of models) {
    const [name, version] = tag.split(':');
    const recorded = bento.modelDigests?.[tag];
    const digest = modelDigest(files);
    mismatches.push({
      bentoPath: `models/${name}/${version}`,
      problem:
        recorded === undefined
          ? `holds the store model ${tag}, which bento.json records no digest for (an nx-bentoml that kept models in bento.tar wrote it, or it was altered): it cannot be checked`
          : recorded !== digest
            ? `holds the store model ${tag} with the digest ${digest}, not the ${recorded} bento-build recorded`
            : `holds the store model ${tag}, which bento-build leaves in the BentoML store: the image would be built with this copy instead`,
    });
  }
  return { compared, notInWorkspace, mismatches };
}

/** checkBento, refusing a Bento that does not match with one message; answers what was compared. */
export async function assertBentoMatchesWorkspace(
  archive: string,
  bento: Pick<BentoHandoff, 'tag' | 'modelDigests'>,
  sources: BentoSources,
  rebuild: string,
): Promise<Omit<BentoCheck, 'mismatches'>> {
  const shown = relative(sources.workspaceRoot, archive);
  if (!existsSync(archive)) throw cacheEntryError(`${shown} is missing`, rebuild);
  const { compared, notInWorkspace, mismatches } = await checkBento(archive, bento, sources).catch((error: unknown) => {
    if (!(error instanceof UnreadableArchiveError)) throw error;
    throw cacheEntryError(`${shown} is not a tar archive nx-bentoml can read (${error.message})`, rebuild);
  });
  if (mismatches.length === 0) return { compared, notInWorkspace };
  const listed = mismatches
    .slice(0, 5)
    .map(({ bentoPath, workspacePath, problem }) =>
      workspacePath ? `${workspacePath} ${problem} as ${bentoPath}` : `${bentoPath} ${problem}`,
    );
  const more = mismatches.length > listed.length ? `, and ${mismatches.length - listed.length} more` : '';
  throw cacheEntryError(`${listed.join('; ')}${more} (the Bento ${bento.tag} in ${shown})`, rebuild);
}

function cacheEntryError(problem: string, rebuild: string): UserError {
  return new UserError(
    `${problem}: the Bento restored from the Nx cache does not match the workspace, a poisoned or corrupted cache entry. ` +
      `Nothing was built or pushed. Build the Bento again with "${rebuild}", and check who can write to the remote cache: only CI runs on the default branch should.`,
  );
}

/**
 * The workspace path of a file of the Bento's src/ (given relative to src/), or none for a file
 * bento-build or BentoML writes. A shared library sits at the top of src/ under its own name
 * (build-context.ts stages it there); everything else comes from the build directory.
 */
function workspaceCounterparts({ workspaceRoot, buildDir, bentofilePath }: BentoSources): (path: string) => string | undefined {
  const display = (path: string) => relative(workspaceRoot, path);
  const buildConfig = readBuildConfig(buildDir, bentofilePath, display);
  const contextRoot = display(buildDir).split(/[\\/]/).join('/');
  const libraries = sharedIncludes(buildConfig.config, contextRoot);
  // The build file bento-build restages and the bentofile BentoML writes into every Bento.
  const written = new Set([bentofileName, buildConfig.file]);
  return (path) => {
    if (written.has(path)) return undefined;
    const [top, ...rest] = path.split('/');
    const library = libraries.find((include) => include.name === top);
    return library ? posix.join(library.source, ...rest) : posix.join(contextRoot, path);
  };
}

/** Every entry of the archive with the SHA-256 of its bytes, in archive order (a name given twice is compared twice). */
async function readArchive(archive: string): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  const extract = tar.extract();
  extract.on('entry', (header: tar.Headers, body: NodeJS.ReadableStream, next: (error?: unknown) => void) => {
    const hash = createHash('sha256');
    body.on('data', (chunk: Buffer) => hash.update(chunk));
    body.on('end', () => {
      entries.push({ name: posix.normalize(header.name).replace(/^(\.\/)+/, ''), type: header.type, sha256: hash.digest('hex') });
      next();
    });
  });
  await pipeline(createReadStream(archive), extract);
  return entries;
}
