import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning } from './is-running';

/**
 * Removes the entries of `parent` that belong to another process which is gone: a task killed
 * or stopped by a signal never reaches the `finally` that would remove its own.
 * `ownerOf` reads the owning process id from an entry's name, undefined for entries not ours.
 */
export function removeAbandonedDirectories(parent: string, ownerOf: (entry: string) => number | undefined) {
  for (const entry of listDirectory(parent)) {
    const pid = ownerOf(entry);
    if (pid === undefined || pid === process.pid || isRunning(pid)) continue;
    rmSync(join(parent, entry), { recursive: true, force: true });
  }
}

/** Owners of entries named `<prefix><pid>…`, as processTempDir and writeOutputDirectory name them. */
export function ownerByPrefix(prefix: string): (entry: string) => number | undefined {
  return (entry) => (entry.startsWith(prefix) ? Number.parseInt(entry.slice(prefix.length), 10) : undefined);
}

/**
 * A new directory of this process under the OS temp directory, named `<prefix><pid>-XXXXXX`,
 * after removing those of the same prefix whose process is gone (a task killed mid-way).
 */
export function processTempDir(prefix: string): string {
  removeAbandonedDirectories(tmpdir(), ownerByPrefix(prefix));
  return mkdtempSync(join(tmpdir(), `${prefix}${process.pid}-`));
}

function listDirectory(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
