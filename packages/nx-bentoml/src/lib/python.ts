import { existsSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';

/**
 * The interpreter that runs BentoML: the "python" option, else a .venv in the project, else one
 * at the workspace root, else python3 from PATH.
 */
export function resolvePython(option: string | undefined, projectRoot: string, workspaceRoot: string): string {
  if (option) return isAbsolute(option) ? option : join(workspaceRoot, option);
  const venv = findVenvPython(projectRoot, workspaceRoot);
  return venv ? join(workspaceRoot, venv) : 'python3';
}

/** The .venv interpreter of the project, else of the workspace, relative to the workspace root. */
export function findVenvPython(projectRoot: string, workspaceRoot: string): string | undefined {
  const venvPython = process.platform === 'win32' ? '.venv/Scripts/python.exe' : '.venv/bin/python';
  return [posix.join(projectRoot, venvPython), venvPython].find((path) => existsSync(join(workspaceRoot, path)));
}
