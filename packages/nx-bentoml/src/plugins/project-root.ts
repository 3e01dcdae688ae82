import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { impliedProjectRoot } from '../lib/project-layout';

/**
 * The project a bentofile belongs to: the nearest directory at or above it (below the workspace
 * root) with a project.json or package.json. Without one, the directory lib/project-layout.ts
 * implies becomes a project of its own.
 */
export function findOwningProjectRoot(bentofilePath: string, workspaceRoot: string): { root: string; hasConfig: boolean } {
  const start = dirname(bentofilePath);
  for (let dir = start; dir !== '.' && dir !== '/' && dir !== ''; dir = dirname(dir)) {
    if (existsSync(join(workspaceRoot, dir, 'project.json')) || existsSync(join(workspaceRoot, dir, 'package.json'))) {
      return { root: dir, hasConfig: true };
    }
  }
  return { root: impliedProjectRoot(start), hasConfig: false };
}
