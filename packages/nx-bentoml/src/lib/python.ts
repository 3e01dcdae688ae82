import { existsSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';

/** The interpreter found when no option or .venv names one: python3 from PATH. */
const pathPython = 'python3';

/**
 * The interpreter that runs BentoML, in the lookup order both bento-build and its Nx input use:
 * the "python" option, else a .venv in the project, else one at the workspace root, else python3
 * from PATH. Paths stay as given or workspace-relative, so the same command hashes the same on
 * every machine.
 */
export function findPython(option: string | undefined, projectRoot: string, workspaceRoot: string): string {
  if (option) return option;
  const venvPython = process.platform === 'win32' ? '.venv/Scripts/python.exe' : '.venv/bin/python';
  return [posix.join(projectRoot, venvPython), venvPython].find((path) => existsSync(join(workspaceRoot, path))) ?? pathPython;
}

/** `findPython`'s answer as a path a process can be started with from anywhere. */
export function resolvePython(option: string | undefined, projectRoot: string, workspaceRoot: string): string {
  const python = findPython(option, projectRoot, workspaceRoot);
  return python === pathPython || isAbsolute(python) ? python : join(workspaceRoot, python);
}
