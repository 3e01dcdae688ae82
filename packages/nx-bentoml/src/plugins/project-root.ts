import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The project a bentofile belongs to: the nearest directory at or above it (below the workspace
 * root) with a project.json or package.json. Without one, the bentofile's directory, or its parent
 * when the bentofile sits in "src/" as in the manual flow, becomes a project of its own.
 */
export function findOwningProjectRoot(bentofilePath: string, workspaceRoot: string): { root: string; hasConfig: boolean } {
  const start = dirname(bentofilePath);
  for (let dir = start; dir !== '.' && dir !== '/' && dir !== ''; dir = dirname(dir)) {
    if (existsSync(join(workspaceRoot, dir, 'project.json')) || existsSync(join(workspaceRoot, dir, 'package.json'))) {
      return { root: dir, hasConfig: true };
    }
  }
  const root = basename(start) === 'src' && dirname(start) !== '.' ? dirname(start) : start;
  return { root, hasConfig: false };
}
