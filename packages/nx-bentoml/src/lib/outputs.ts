import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const partialSuffix = '.partial-';

/**
 * Fills an output directory all at once: the work happens in a sibling temporary directory that
 * replaces the output only when it succeeded, so a failure leaves nothing half-written.
 */
export async function writeOutputDirectory<T>(outputDir: string, fill: (tempDir: string) => Promise<T>): Promise<T> {
  removeStalePartialDirectories(outputDir);
  const tempDir = `${outputDir}${partialSuffix}${process.pid}`;
  rmSync(tempDir, { recursive: true, force: true });
  mkdirSync(tempDir, { recursive: true });
  try {
    const result = await fill(tempDir);
    rmSync(outputDir, { recursive: true, force: true });
    mkdirSync(dirname(outputDir), { recursive: true });
    renameSync(tempDir, outputDir);
    return result;
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
}

/** A killed task never reaches its `finally`: remove the temporary directories of processes that are gone. */
function removeStalePartialDirectories(outputDir: string) {
  const prefix = `${basename(outputDir)}${partialSuffix}`;
  for (const entry of listDirectory(dirname(outputDir))) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length));
    if (pid !== process.pid && isRunning(pid)) continue;
    rmSync(join(dirname(outputDir), entry), { recursive: true, force: true });
  }
}

function listDirectory(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Whether a process with this id exists; signal 0 checks without sending anything. */
function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
