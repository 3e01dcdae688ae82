import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/**
 * The interpreter that runs BentoML: the "python" option, else a .venv in the project, else one
 * at the workspace root, else python3 from PATH.
 */
export function resolvePython(option: string | undefined, projectRoot: string, workspaceRoot: string): string {
  if (option) return isAbsolute(option) ? option : join(workspaceRoot, option);
  for (const root of [join(workspaceRoot, projectRoot), workspaceRoot]) {
    const candidate = join(root, '.venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
    if (existsSync(candidate)) return candidate;
  }
  return 'python3';
}
