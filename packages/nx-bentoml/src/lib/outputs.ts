import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { UserError } from './errors';
import { removeAbandonedDirectories } from './process/abandoned-directories';

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
  } catch (error) {
    throw isDiskFull(error) ? new UserError(`No space left on the device holding ${outputDir}. Free some space and run again.`) : error;
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
}

/** ENOSPC from Node.js, or a tool's message about it (BentoML prints "[Errno 28] No space left on device"). */
function isDiskFull(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOSPC' || /No space left on device|\bENOSPC\b/.test((error as Error)?.message ?? '');
}

/** The temporary directories of this output that processes now gone left behind. */
function removeStalePartialDirectories(outputDir: string) {
  const prefix = `${basename(outputDir)}${partialSuffix}`;
  removeAbandonedDirectories(dirname(outputDir), (entry) => (entry.startsWith(prefix) ? Number(entry.slice(prefix.length)) : undefined));
}
