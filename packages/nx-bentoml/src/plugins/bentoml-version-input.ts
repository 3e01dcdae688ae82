import { findVenvPython } from '../lib/python';

// Double quotes outside, single inside: read the same by sh and cmd.exe.
const versionScript = `"import importlib.metadata as m; print('bentoml', m.version('bentoml'))"`;

/**
 * A runtime input with the BentoML version of the interpreter bento-build will use (its "python"
 * option, else a .venv in the project, else at the workspace root, else python3, as
 * lib/python.ts decides), so upgrading BentoML rebuilds the Bentos instead of reusing cached
 * ones. Nx hashes what the command prints and runs each distinct command once per run, so
 * projects sharing the workspace's .venv cost one call. Workspace-relative paths keep the
 * command the same on every machine.
 */
export function bentomlVersionInput(projectRoot: string, workspaceRoot: string, pythonOption?: string): { runtime: string } {
  const python = pythonOption || findVenvPython(projectRoot, workspaceRoot) || 'python3';
  return { runtime: `"${python}" -c ${versionScript}` };
}
