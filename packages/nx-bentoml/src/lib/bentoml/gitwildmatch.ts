/**
 * Translates one gitignore-style pattern (BentoML's "gitwildmatch") into Nx globs:
 * a pattern without an inner "/" matches at any depth, and a matched directory brings its contents.
 */
export function gitignoreToGlobs(pattern: string, resolve: (path: string) => string): string[] {
  const trimmed = pattern.trim();
  if (!trimmed || trimmed.startsWith('#')) return [];
  const directoryOnly = trimmed.endsWith('/');
  const body = trimmed.replace(/\/+$/, '');
  const anchored = body.includes('/');
  const path = anchored ? body.replace(/^\/+/, '') : `**/${body}`;
  return directoryOnly ? [resolve(`${path}/**`)] : [resolve(path), resolve(`${path}/**`)];
}
