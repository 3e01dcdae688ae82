import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { runOrThrow } from './run';

/**
 * Where the workspace's Nx keeps its task cache and workspace data, asked of that Nx itself:
 * Nx 23.2 moved the cache from <workspace>/.nx/cache to ~/.nx/<workspace id>/cache, next to
 * the task database (~/.nx/<workspace id>/databases), so that whole directory is included.
 */
export function nxDataDirectories(root: string): string[] {
  const script = "const d = require('nx/src/utils/cache-directory'); console.log(JSON.stringify([d.cacheDir, d.workspaceDataDirectory]))";
  const [cacheDir, workspaceData] = JSON.parse(runOrThrow('node', ['-e', script], root).stdout) as string[];
  const sharedRoot = cacheDir.startsWith(`${root}/`) ? [] : [dirname(cacheDir)];
  return [...new Set([join(root, '.nx'), workspaceData, cacheDir, ...sharedRoot])].filter((dir) => existsSync(dir));
}

/** The task hashes the Nx cache holds an entry for (terminal output of every run, failed ones too, is kept apart). */
export function cachedTaskHashes(root: string): string[] {
  const [cacheDir] = nxDataDirectories(root).filter((dir) => basename(dir) === 'cache');
  if (!cacheDir) return [];
  return readdirSync(cacheDir)
    .filter((entry) => entry !== 'terminalOutputs' && statSync(join(cacheDir, entry)).isDirectory())
    .sort();
}

/** Every file under `dir` with the SHA-256 of its bytes, and the half-written siblings a failed write would leave ("<dir>.partial-<pid>"). */
export function directoryState(dir: string): { files: Record<string, string>; partialSiblings: string[] } {
  const files: Record<string, string> = {};
  for (const file of filesUnder(dir)) files[relative(dir, file)] = createHash('sha256').update(readFileSync(file)).digest('hex');
  const partialSiblings = existsSync(dirname(dir))
    ? readdirSync(dirname(dir)).filter((entry) => entry.startsWith(`${basename(dir)}.partial-`))
    : [];
  return { files, partialSiblings };
}

/** The files under `dirs` (recursively, symlinks not followed) whose bytes contain any of `needles`. */
export function filesContaining(dirs: string[], needles: string[]): string[] {
  const patterns = needles.map((needle) => Buffer.from(needle));
  return dirs
    .flatMap((dir) => filesUnder(dir))
    .filter((file) => {
      const bytes = readFileSync(file);
      return patterns.some((pattern) => bytes.includes(pattern));
    });
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.isFile() ? [path] : [];
  });
}
