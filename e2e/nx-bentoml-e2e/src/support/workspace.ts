import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packedTarball } from './pack-plugin';
import { runOrThrow } from './run';
import { removeTempDir } from './temp-dir';

/** create-nx-workspace version; E2E_NX_VERSION=24.0.6 (say) tries another Nx. */
export const createNxWorkspaceVersion = process.env['E2E_NX_VERSION'] || 'latest';

export interface TestWorkspace {
  /** The workspace root. */
  root: string;
  /** Removes the temp dir holding the workspace (kept when E2E_KEEP=1). */
  cleanup(): void;
}

/**
 * Creates a fresh Nx workspace the way users do, in a new temp dir, and installs the packed
 * plugin into it as a dev dependency.
 */
export function createWorkspace(name: string): TestWorkspace {
  const dir = mkdtempSync(join(tmpdir(), 'nx-bentoml-e2e-'));
  const root = join(dir, name);
  runOrThrow(
    'npx',
    [
      '-y',
      `create-nx-workspace@${createNxWorkspaceVersion}`,
      name,
      '--preset=apps',
      '--nxCloud=skip',
      '--interactive=false',
      '--packageManager=npm',
      '--aiAgents=none',
      '--analytics=false',
    ],
    dir,
  );
  runOrThrow('npm', ['install', '-D', packedTarball()], root);
  return { root, cleanup: () => removeTempDir(dir) };
}
