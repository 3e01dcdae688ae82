import { posix } from 'node:path';

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

/** The JSON metrics file of a service project, relative to its root, unless configured otherwise. */
export const defaultMetricsFile = 'evaluation/metrics.json';

/** The project files the lineage is read from, relative to the project root; each one is a bento-build input. */
export const lineageFiles = {
  /** Hyperparameters, as DVC pipelines keep them. */
  params: 'params.yaml',
  /** DVC's record of each stage's outputs, the model's data hash among them. */
  dvcLock: 'dvc.lock',
};
