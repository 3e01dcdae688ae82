import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { hashArray } from '@nx/devkit';
import { type BuildConfig, parseServiceReference } from '../lib/bentoml/build-config-schema';
import { type BuildConfigSource, buildDirMarkers, detectBuildConfig, parseBuildConfig } from '../lib/bentoml/build-config';
import { sharedIncludes } from '../lib/bentoml/shared-includes';
import { pluginVersion, readPluginCache } from './plugin-cache';

/** Every file that can make its directory a BentoML build directory. */
export const buildConfigGlob = `**/{${buildDirMarkers.join(',')}}`;

/**
 * The directories BentoML would build, each keyed by the file that decides it (its build file,
 * or service.py): one per directory, in BentoML's lookup order. A service.py below a build
 * directory (a src/ layout under pyproject.toml) belongs to that directory's project.
 */
export function findBuildDirs(markerFiles: readonly string[], workspaceRoot: string): Map<string, BuildConfigSource> {
  const byDir = new Map<string, Set<string>>();
  for (const file of markerFiles) {
    if (isInsideBuiltBento(file, workspaceRoot)) continue;
    const dir = dirname(file);
    byDir.set(dir, (byDir.get(dir) ?? new Set()).add(basename(file)));
  }
  const found = [...byDir].flatMap(([dir, present]) => {
    const source = detectBuildConfig(present, (name) => readFileSync(join(workspaceRoot, dir, name), 'utf8'));
    return source ? [{ dir, source }] : [];
  });
  const withBuildFile = found.filter(({ source }) => source.file).map(({ dir }) => dir);
  const insideAnother = (dir: string) => withBuildFile.some((other) => other !== dir && (other === '.' || dir.startsWith(`${other}/`)));
  return new Map(
    found
      .filter(({ dir, source }) => source.file || !insideAnother(dir))
      .map(({ dir, source }) => [join(dir, source.file ?? 'service.py'), source] as const),
  );
}

/** The build-config files among a list of workspace files, as createNodes' glob selects them. */
export function markerFilesOf(files: Iterable<string>): string[] {
  const markers = new Set(buildDirMarkers);
  return [...files].filter((file) => markers.has(posix.basename(file)));
}

/**
 * What the plugin needs from parsing a build config. It depends on the config's text and place
 * only, so it is kept by that key in the plugin's cache and a warm run parses nothing.
 */
export interface BuildConfigFacts {
  /** The files the service module may be, relative to the build directory. */
  serviceModules: string[];
  /** The shared libraries the config packs from outside its build directory, relative to the workspace root ("libs/features/features"). */
  sharedLibraries: string[];
}

export interface BuildConfigRead {
  /** Changes whenever the facts may: the plugin's version, the deciding file, the form and the config's text. */
  key: string;
  facts: BuildConfigFacts;
  /** The config parsed (loosely: one unknown key must not break the project graph; bento-build validates strictly). */
  config: () => BuildConfig;
}

/**
 * Reads the build config of a build directory (`decidingFile` relative to the workspace root),
 * taking its facts from `known` when its text is unchanged; what it used is recorded in `used`.
 */
export function readBuildConfigFacts(
  decidingFile: string,
  source: BuildConfigSource,
  workspaceRoot: string,
  known: Record<string, BuildConfigFacts>,
  used: Record<string, BuildConfigFacts>,
): BuildConfigRead {
  const contextDir = dirname(decidingFile);
  const text = source.file ? readIfPresent(join(workspaceRoot, contextDir, source.file)) : '';
  const key = hashArray([pluginVersion, decidingFile, source.form, text]);
  let parsed: BuildConfig | undefined;
  const config = () => (parsed ??= parseBuildConfig(source.form, text, join(contextDir, source.file ?? ''), { strict: false }));
  const facts = known[key] ?? {
    serviceModules: parseServiceReference(config().service).files,
    sharedLibraries: sharedIncludes(config(), posix.normalize(contextDir)).map((include) => include.source),
  };
  used[key] = facts;
  return { key, facts, config };
}

/** A file's text, '' when it is absent. */
export function readIfPresent(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/**
 * A built Bento keeps a copy of its bentofile in src/ next to bento.yaml; a BentoML home inside the
 * workspace (BENTOML_HOME=./.bentoml) must not turn every built Bento into a project.
 */
function isInsideBuiltBento(bentofilePath: string, workspaceRoot: string): boolean {
  return existsSync(join(workspaceRoot, dirname(dirname(bentofilePath)), 'bento.yaml'));
}

export interface FoundBuildConfig {
  /** The build file, or service.py, relative to the workspace root. */
  decidingFile: string;
  facts: BuildConfigFacts;
}

/**
 * The build configs the last createNodes of this process found. Nx runs createDependencies next,
 * in the same plugin worker, for the same files: it takes them from here instead of finding and
 * reading them a second time.
 */
let lastFound: { workspaceRoot: string; cachePath: string; found: FoundBuildConfig[] } | undefined;

export function rememberBuildConfigs(workspaceRoot: string, cachePath: string, found: FoundBuildConfig[]) {
  lastFound = { workspaceRoot, cachePath, found };
}

/**
 * The build configs of the workspace: those createNodes found in this process, else found again
 * among `workspaceFiles` with the facts the plugin's cache holds. A config that cannot be read
 * is left out (createNodes reports it).
 */
export function buildConfigsOf(workspaceRoot: string, cachePath: string, workspaceFiles: () => Iterable<string>): FoundBuildConfig[] {
  if (lastFound?.workspaceRoot === workspaceRoot && lastFound.cachePath === cachePath) return lastFound.found;
  const known = readPluginCache(cachePath).buildConfigs;
  return [...findBuildDirs(markerFilesOf(workspaceFiles()), workspaceRoot)].flatMap(([decidingFile, source]) => {
    try {
      return [{ decidingFile, facts: readBuildConfigFacts(decidingFile, source, workspaceRoot, known, {}).facts }];
    } catch {
      return [];
    }
  });
}
