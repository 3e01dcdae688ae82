import { posix, relative } from 'node:path';
import { glob } from 'tinyglobby';
import { UserError } from '../errors';
import { notSearchedGlobs, patternLines } from './bento-contents';
import type { BuildConfig } from './build-config-schema';
import { gitignoreToGlobs } from './gitwildmatch';
import { isSharedInclude } from './shared-includes';

/**
 * BentoML builds silently when an include pattern matches nothing, and the service then fails
 * only when it is served; a pattern that selects no file is almost always a typo.
 */
export async function checkIncludes(bentofile: BuildConfig, contextDir: string, workspaceRoot: string): Promise<void> {
  const patterns = patternLines(bentofile.include ?? []).filter((line) => !line.startsWith('!'));
  for (const pattern of patterns) {
    // A shared include ("../../libs/x/x/**") is looked up from the workspace root, where it leads.
    const [cwd, globs] = isSharedInclude(pattern)
      ? [workspaceRoot, sharedGlobs(posix.normalize(posix.join(relative(workspaceRoot, contextDir), pattern)))]
      : [contextDir, gitignoreToGlobs(pattern, (path) => path)];
    const matches = await glob(globs, { cwd, dot: true, onlyFiles: true, ignore: notSearchedGlobs });
    if (matches.length === 0) {
      throw new UserError(
        `The bentofile's include pattern "${pattern}" matches no file in "${relative(workspaceRoot, contextDir) || '.'}". ` +
          `Fix or remove it: patterns are relative to the bentofile's directory.`,
      );
    }
  }
}

/** A shared include names files, or a directory whose files it packs. */
function sharedGlobs(path: string) {
  return [path, `${path}/**`];
}
