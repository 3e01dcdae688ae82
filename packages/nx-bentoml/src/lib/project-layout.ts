import { posix } from 'node:path';

export { bentofileName } from './bentoml/build-config';

/**
 * Where a service project keeps its build directory (the bentofile, serve.py and what they pack),
 * relative to the project root, in the order it is looked for: the seed's layout puts them in
 * src/, a flat project keeps them at its root.
 */
export const buildDirCandidates = ['src', '.'];

/**
 * The project root a build directory implies when no project.json or package.json owns it:
 * the parent of a src/ directory, else the directory itself.
 */
export function impliedProjectRoot(buildDir: string): string {
  const parent = posix.dirname(buildDir);
  return posix.basename(buildDir) === 'src' && parent !== '.' ? parent : buildDir;
}
