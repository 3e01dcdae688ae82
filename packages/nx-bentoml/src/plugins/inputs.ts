import { posix } from 'node:path';
import { neverPacked, patternLines } from '../lib/bentoml/bento-contents';
import { type BuildConfig, contextFilesOf, parseServiceReference } from '../lib/bentoml/build-config-schema';
import { gitignoreToGlobs } from '../lib/bentoml/gitwildmatch';
import { dvcPointerOf } from '../lib/bentoml/model-files';
import { isSharedInclude, sharedIncludes } from '../lib/bentoml/shared-includes';
import { lineageFiles } from '../lib/project-layout';

export interface BentoInputsContext {
  /** The project root, relative to the workspace root. */
  projectRoot: string;
  /** The build directory relative to the project root ('' when they are the same). */
  contextDir: string;
  /** File name of the build config inside contextDir (bentofile.yaml, pyproject.toml); none when BentoML finds the service itself. */
  configFile?: string;
  /** The build config, whatever its form. */
  bentofile: BuildConfig;
  /** What an image declared in the service's code reads: files and build_include patterns, relative to contextDir. */
  imageInCode?: { files: string[]; includes: string[] };
  /** Lines of the .bentoignore at the top of the build context, if any. */
  bentoignore: string[];
  modelFiles: string[];
  metricsFile: string;
}

/**
 * The Nx inputs of bento-build, in two groups. The Bento's sources, selected by the bentofile's
 * include/exclude rules and .bentoignore, are {projectRoot} globs with negations. Everything else
 * that decides the Bento (bentofile, service module, model files, params, metrics, requirement and
 * build files) is listed as {workspaceRoot} globs: Nx applies a target's {projectRoot} negations to
 * all its {projectRoot} globs, and an exclude rule must never hide those files from the hash.
 */
export type BentoBuildInput = string | { fileset: string; includeIgnored: true };

export function bentoBuildInputs(context: BentoInputsContext): BentoBuildInput[] {
  const { bentofile } = context;
  const contextRoot = posix.join(context.projectRoot, context.contextDir);
  const inContext = (path: string) => `{workspaceRoot}/${posix.normalize(posix.join(contextRoot, path))}`;
  const inProject = (path: string) => `{workspaceRoot}/${posix.normalize(posix.join(context.projectRoot, path))}`;
  const imageInCode = context.imageInCode ?? { files: [], includes: [] };

  const decisive = [
    ...(context.configFile ? [inContext(context.configFile)] : []),
    ...parseServiceReference(bentofile.service).files.map(inContext),
    inContext('**/.bentoignore'),
    ...contextFilesOf(bentofile).map(inContext),
    ...imageInCode.files.map(inContext),
    ...imageInCode.includes.flatMap((pattern) => gitignoreToGlobs(pattern, inContext)),
    ...context.modelFiles.flatMap((glob) => [inProject(glob), inProject(dvcPointerOf(glob))]),
    inProject(lineageFiles.dvcLock),
    inProject(lineageFiles.params),
    inProject(context.metricsFile),
    inProject('requirements*.txt'),
    ...sharedLibraryGlobs(bentofile, contextRoot),
  ];
  const selection = (path: string) => joinGlob('{projectRoot}', context.contextDir, path);
  const includes = bentofile.include ?? ['*'];
  const sources = [
    ...includes.filter((p) => !p.startsWith('!') && !isSharedInclude(p)).flatMap((p) => gitignoreToGlobs(p, selection)),
    ...[...safeNegations(includes, true), ...safeNegations(bentofile.exclude ?? []), ...safeNegations(context.bentoignore), ...neverPacked]
      .flatMap((p) => gitignoreToGlobs(p, selection))
      .map((glob) => `!${glob}`),
  ];
  // Model files git ignores (weights kept out of the repository): Nx 24 hashes them from disk with
  // includeIgnored; Nx 23 reads the same input as the plain glob above, and bento-build warns there.
  const ignoredModels = context.modelFiles.map((glob) => ({ fileset: inProject(glob), includeIgnored: true as const }));
  return [...unique([...decisive, ...sources]), ...ignoredModels];
}

/** The files of shared libraries the bentofile includes from outside its build context ("../../libs/x/x/**"). */
function sharedLibraryGlobs(bentofile: BuildConfig, contextRoot: string): string[] {
  return sharedIncludes(bentofile, contextRoot).flatMap(({ source, staged }) => {
    const files = posix.join(posix.dirname(source), staged);
    return [`{workspaceRoot}/${files}`, `{workspaceRoot}/${files}/**`];
  });
}

/**
 * The patterns of one gitignore-style list that may become Nx negations. Nx cannot express a
 * later "!pattern" re-including what an earlier line excluded, so a list with a re-inclusion
 * contributes no negation at all: the hash may cover more than BentoML packs, never less.
 * For `include`, the negated lines are the exclusions, valid only when nothing is re-included after them.
 */
function safeNegations(lines: string[], isInclude = false): string[] {
  const patterns = patternLines(lines);
  if (isInclude) {
    const firstNegation = patterns.findIndex((line) => line.startsWith('!'));
    if (firstNegation < 0 || patterns.slice(firstNegation).some((line) => !line.startsWith('!'))) return [];
    return patterns.filter((line) => line.startsWith('!')).map((line) => line.slice(1));
  }
  return patterns.some((line) => line.startsWith('!')) ? [] : patterns.map((line) => line.replace(/^\\([#!])/, '$1'));
}

function joinGlob(...parts: string[]) {
  return parts
    .filter(Boolean)
    .join('/')
    .replace(/\/{2,}/g, '/');
}

function unique(values: string[]) {
  return [...new Set(values)];
}

/**
 * What decides a smoke test besides the image: its smoke-test.json and the sample files it names
 * (`"file"` values at any depth, relative to it), so that an edit elsewhere in the project (a
 * README, a notebook, training code) selects no smoke test on Nx 24's task-based affected. A file
 * that does not parse hashes the whole project: the smoke test itself reports where it is wrong.
 */
export function smokeTestInputs(projectRoot: string, file: string, text: string | undefined): string[] {
  const inWorkspace = (path: string) => `{workspaceRoot}/${posix.normalize(posix.join(projectRoot, path))}`;
  if (text === undefined) return [inWorkspace(file)];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return ['{projectRoot}/**/*'];
  }
  const named: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    for (const [key, entry] of Object.entries(value)) {
      if (key === 'file' && typeof entry === 'string') named.push(posix.join(posix.dirname(file), entry));
      else visit(entry);
    }
  };
  visit(parsed);
  return unique([inWorkspace(file), ...named.map(inWorkspace)]);
}
