import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Fills an output directory all at once: the work happens in a sibling temporary directory that
 * replaces the output only when it succeeded, so a failure leaves nothing half-written.
 */
export async function writeOutputDirectory<T>(outputDir: string, fill: (tempDir: string) => Promise<T>): Promise<T> {
  const tempDir = `${outputDir}.partial-${process.pid}`;
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
