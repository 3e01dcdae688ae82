import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as Tinyglobby from 'tinyglobby';
import { UserError } from '../errors';
import { notSearchedGlobs } from './bento-contents';

/** The DVC pointer that stands for a model file (or a glob of them) when DVC tracks it. */
export function dvcPointerOf(modelFile: string): string {
  return `${modelFile}.dvc`;
}

/**
 * The model files a project's Bento imports. A DVC pointer (`x.bentomodel.dvc`) without its file
 * means the data was never pulled: say so instead of letting BentoML fail later.
 */
export async function findModelFiles(projectDir: string, patterns: string[]): Promise<string[]> {
  // Loaded on first use: the plugin imports this module for dvcPointerOf on every project graph.
  const { glob } = require('tinyglobby') as typeof Tinyglobby;
  const files = await glob(patterns, { cwd: projectDir, ignore: notSearchedGlobs, absolute: false, dot: false });
  const pointers = await glob(patterns.map(dvcPointerOf), { cwd: projectDir, ignore: notSearchedGlobs });
  const missing = pointers.map((pointer) => pointer.replace(/\.dvc$/, '')).filter((file) => !existsSync(join(projectDir, file)));
  if (missing.length > 0) {
    throw new UserError(
      `The model file ${missing.join(', ')} is tracked by DVC but not present in ${projectDir}. Run "dvc pull" and try again.`,
    );
  }
  return files.sort().map((file) => join(projectDir, file));
}
