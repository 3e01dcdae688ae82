import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * A file of the plugin (a helper program) as a command that Nx runs in the workspace root names
 * it, in double quotes (read alike by sh and cmd.exe, spaces included): relative to the workspace
 * when the plugin is installed inside it (node_modules/nx-bentoml/...), so that the command is the
 * same on every machine, else absolute. "/" separates the parts on every platform.
 */
export function commandPath(file: string, workspaceRoot: string): string {
  const inWorkspace = relative(resolve(workspaceRoot), resolve(file));
  const path = inWorkspace && !inWorkspace.startsWith('..') && !isAbsolute(inWorkspace) ? inWorkspace : resolve(file);
  return `"${path.split(sep).join('/')}"`;
}
