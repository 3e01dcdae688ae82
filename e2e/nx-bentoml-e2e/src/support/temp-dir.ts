import { rmSync } from 'node:fs';

/** Removes a temp dir made by the suite, unless E2E_KEEP=1 asks to keep it for inspection. */
export function removeTempDir(dir: string | undefined) {
  if (!dir) return;
  if (process.env['E2E_KEEP'] === '1') {
    console.log(`nx-bentoml e2e: kept ${dir} (E2E_KEEP=1)`);
    return;
  }
  rmSync(dir, { recursive: true, force: true });
}
