/**
 * What BentoML leaves out of every Bento whatever the bentofile says (BentoPathSpec's extra
 * excludes), as gitignore patterns: a trailing "/" matches directories only.
 */
export const neverPacked = ['.git/', '.venv/', 'venv/', '__pycache__/', '.DS_Store'];

/** Names never worth reading when copying or searching a build directory: never packed, or npm's packages. */
export const notSearched = [...neverPacked.map((pattern) => pattern.replace(/\/$/, '')), 'node_modules'];

/** `notSearched` as ignore globs for tinyglobby. */
export const notSearchedGlobs = notSearched.map((name) => `**/${name}/**`);

/** The lines of a gitignore-style list (include, exclude, .bentoignore) that are patterns: trimmed, without blanks and comments. */
export function patternLines(lines: string[]): string[] {
  return lines.map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
}
