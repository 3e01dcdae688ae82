import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nxDataDirectories } from './leftovers';
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
  return {
    root,
    cleanup: () => {
      removeSharedNxData(root, dir);
      removeTempDir(dir);
    },
  };
}

/** Nx 23.2 keeps a workspace's cache and task database in ~/.nx/<workspace id>, outside the temp dir. */
function removeSharedNxData(root: string, tempDir: string) {
  if (process.env['E2E_KEEP'] === '1') return;
  try {
    for (const data of nxDataDirectories(root).filter((path) => !path.startsWith(tempDir))) rmSync(data, { recursive: true, force: true });
  } catch {
    // Cleanup only: a workspace that never got its node_modules has no Nx to ask.
  }
}
