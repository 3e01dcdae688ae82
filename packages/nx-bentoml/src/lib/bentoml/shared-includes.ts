import { posix } from 'node:path';
import { patternLines } from './bento-contents';
import type { BuildConfig } from './build-config-schema';

/**
 * An include pattern that reaches out of the build context, "../../../libs/features/features/**":
 * the way a service packs a shared Python library of the workspace. BentoML refuses "../", so
 * bento-build stages a build context where the directory the pattern names (its part before the
 * first wildcard) sits at the top under its own name, and the pattern becomes "features/**".
 */
export interface SharedInclude {
  /** The pattern as the bentofile writes it. */
  pattern: string;
  /** The directory or file the pattern names, relative to the workspace root: "libs/features/features". */
  source: string;
  /** Its name at the top of the staged context, and so its import name: "features". */
  name: string;
  /** The pattern inside the staged context: "features/**". */
  staged: string;
}

export function isSharedInclude(pattern: string): boolean {
  return pattern.trim().startsWith('../');
}

/**
 * The shared includes of a bentofile whose directory is `contextRoot` (workspace-relative).
 * A pattern that leaves the workspace, or names no directory before its first wildcard, is
 * reported through `invalid` and left out.
 */
export function sharedIncludes(
  bentofile: BuildConfig,
  contextRoot: string,
  invalid: (pattern: string, reason: string) => void = () => undefined,
): SharedInclude[] {
  return patternLines(bentofile.include ?? [])
    .filter(isSharedInclude)
    .flatMap((pattern) => {
      const segments = pattern.split('/').filter(Boolean);
      const firstWildcard = segments.findIndex((segment) => /[*?[]/.test(segment));
      const fixed = firstWildcard < 0 ? segments : segments.slice(0, firstWildcard);
      const name = fixed[fixed.length - 1];
      if (!name || name === '..') {
        invalid(pattern, 'it must name a directory or file before its first wildcard, such as "../../libs/features/features/**"');
        return [];
      }
      const source = posix.normalize(posix.join(contextRoot, ...fixed));
      if (source === '..' || source.startsWith('../')) {
        invalid(pattern, 'it leads out of the workspace');
        return [];
      }
      return [{ pattern, source, name, staged: [name, ...segments.slice(fixed.length)].join('/') }];
    });
}
