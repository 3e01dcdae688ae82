import { findPython } from '../lib/python';

// Double quotes outside, single inside: read the same by sh and cmd.exe.
const versionScript = `"import importlib.metadata as m; print('bentoml', m.version('bentoml'))"`;

/**
 * A runtime input with the BentoML version of the interpreter bento-build will use (found as
 * lib/python.ts decides), so upgrading BentoML rebuilds the Bentos instead of reusing cached
 * ones. Nx hashes what the command prints and runs each distinct command once per run, so
 * projects sharing the workspace's .venv cost one call.
 */
export function bentomlVersionInput(projectRoot: string, workspaceRoot: string, pythonOption?: string): { runtime: string } {
  return { runtime: `"${findPython(pythonOption, projectRoot, workspaceRoot)}" -c ${versionScript}` };
}
