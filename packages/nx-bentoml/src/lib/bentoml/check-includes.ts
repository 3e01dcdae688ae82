import { relative } from 'node:path';
import { glob } from 'tinyglobby';
import { UserError } from '../errors';
import type { Bentofile } from './bentofile';
import { gitignoreToGlobs } from './gitwildmatch';
import { isSharedInclude } from './shared-includes';

/**
 * BentoML builds silently when an include pattern matches nothing, and the service then fails
 * only when it is served; a pattern that selects no file is almost always a typo.
 */
export async function checkIncludes(bentofile: Bentofile, contextDir: string, workspaceRoot: string): Promise<void> {
  // Shared includes ("../libs/x/x/**") are checked as their build context is staged.
  const patterns = (bentofile.include ?? []).map((line) => line.trim()).filter((line) => line && !line.startsWith('!') && !line.startsWith('#') && !isSharedInclude(line));
  for (const pattern of patterns) {
    const matches = await glob(gitignoreToGlobs(pattern, (path) => path), { cwd: contextDir, dot: true, onlyFiles: true, ignore: ['**/node_modules/**', '**/.venv/**'] });
    if (matches.length === 0) {
      throw new UserError(
        `The bentofile's include pattern "${pattern}" matches no file in "${relative(workspaceRoot, contextDir) || '.'}". ` +
          `Fix or remove it: patterns are relative to the bentofile's directory.`,
      );
    }
  }
}
