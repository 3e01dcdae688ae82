import { readdirSync, rmSync } from 'node:fs';
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

function listDirectory(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
