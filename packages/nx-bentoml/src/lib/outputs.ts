import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { UserError } from './errors';
import { ownerByPrefix, removeAbandonedDirectories } from './process/abandoned-directories';

const partialSuffix = '.partial-';
/** Tells apart two fills of one output in one process. */
let fillsStarted = 0;

/**
 * Fills an output directory all at once: the work happens in a sibling temporary directory that
 * replaces the output only when it succeeded, so a failure leaves nothing half-written.
 */
export async function writeOutputDirectory<T>(outputDir: string, fill: (tempDir: string) => Promise<T>): Promise<T> {
  removeStalePartialDirectories(outputDir);
  const tempDir = `${outputDir}${partialSuffix}${process.pid}-${++fillsStarted}`;
  rmSync(tempDir, { recursive: true, force: true });
  mkdirSync(tempDir, { recursive: true });
  try {
    const result = await fill(tempDir);
    mkdirSync(dirname(outputDir), { recursive: true });
    replaceDirectory(tempDir, outputDir);
    return result;
  } catch (error) {
    throw isDiskFull(error) ? new UserError(`No space left on the device holding ${outputDir}. Free some space and run again.`) : error;
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
}

/** Two tasks writing one output at once (two promotes): the last to finish wins, neither fails. */
function replaceDirectory(from: string, to: string, attempts = 5) {
  for (let attempt = 1; ; attempt++) {
    rmSync(to, { recursive: true, force: true });
    try {
      renameSync(from, to);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt >= attempts || (code !== 'ENOTEMPTY' && code !== 'EEXIST')) throw error;
    }
  }
}

/** ENOSPC from Node.js, or a tool's message about it (BentoML prints "[Errno 28] No space left on device"). */
function isDiskFull(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOSPC' || /No space left on device|\bENOSPC\b/.test((error as Error)?.message ?? '');
}

/** The temporary directories of this output that processes now gone left behind. */
function removeStalePartialDirectories(outputDir: string) {
  const prefix = `${basename(outputDir)}${partialSuffix}`;
  removeAbandonedDirectories(dirname(outputDir), ownerByPrefix(prefix));
}
