import { commandPath } from '../lib/helper-programs';
import { pythonProgram } from '../lib/bentoml/python-programs';
import { findPython } from '../lib/python';

/**
 * A runtime input with the BentoML version of the interpreter bento-build will use (found as
 * lib/python.ts decides), printed by the program the BentoML client reads its version with, so
 * upgrading BentoML rebuilds the Bentos instead of reusing cached ones. Nx hashes what the command
 * prints and runs each distinct command once per run, so projects sharing the workspace's .venv
 * cost one call.
 */
export function bentomlVersionInput(projectRoot: string, workspaceRoot: string, pythonOption?: string): { runtime: string } {
  const python = findPython(pythonOption, projectRoot, workspaceRoot);
  return { runtime: `"${python}" ${commandPath(pythonProgram('bentoml_version.py'), workspaceRoot)}` };
}
