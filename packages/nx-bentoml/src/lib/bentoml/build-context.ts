import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { UserError } from '../errors';
import { processTempDir } from '../process/abandoned-directories';
import { type TomlTable, parseToml, stringifyToml } from '../toml';
import { notSearched } from './bento-contents';
import { type BuildConfig, contextPathOptions, descriptionFile } from './build-config-schema';
import { formOfFile } from './build-config';
import { type SharedInclude, isSharedInclude, sharedIncludes } from './shared-includes';

export interface BuildContext {
  contextDir: string;
  bentofilePath?: string;
  /** Removes the staged copy, if one was made. */
  dispose(): void;
}

// Staged contexts are named after their process, so that abandoned ones can be told apart.
const stagedPrefix = 'nx-bentoml-staged-context-';
// Never worth copying into a staged context; BentoML leaves them out of a Bento anyway.
const notCopied = new Set(notSearched);

/**
 * The build context BentoML is given. Without shared includes it is the build file's directory.
 * With them, a temporary copy of that directory holds each shared library under its own name and
 * a build file (bentofile.yaml or pyproject.toml) whose include lists it there: BentoML refuses
 * "../" in include.
 */
export function stageBuildContext(
  bentofile: BuildConfig,
  bentofilePath: string | undefined,
  contextDir: string,
  workspaceRoot: string,
): BuildContext {
  const shared = sharedIncludes(bentofile, relative(workspaceRoot, contextDir), (pattern, reason) => {
    throw new UserError(`The bentofile's include pattern "${pattern}" cannot be packed: ${reason}.`);
  });
  if (shared.length === 0) return { contextDir, bentofilePath, dispose: () => undefined };
  if (!bentofilePath) {
    throw new UserError(
      `Shared libraries ("${shared[0].pattern}") are packed from a build file (bentofile.yaml or pyproject.toml): BentoML refuses "../" in include. ` +
        `Add one with "nx g nx-bentoml:bentofile", or copy the library into the build directory.`,
    );
  }
  const staged = processTempDir(stagedPrefix);
  try {
    cpSync(contextDir, staged, { recursive: true, filter: (path) => !notCopied.has(basename(path)) });
    const copied = new Map<string, string>();
    for (const include of shared) copySharedLibrary(include, staged, workspaceRoot, relative(workspaceRoot, contextDir), copied);
    const stagedBentofile = join(staged, basename(bentofilePath));
    const restage = stagedPaths(shared, contextDir, staged);
    const text = readFileSync(bentofilePath, 'utf8');
    const form = formOfFile(bentofilePath);
    writeFileSync(stagedBentofile, form === 'pyproject' ? stagedPyprojectText(text, restage) : stagedBentofileText(text, restage));
    return { contextDir: staged, bentofilePath: stagedBentofile, dispose: () => rmSync(staged, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(staged, { recursive: true, force: true });
    throw error;
  }
}

/** Copies a library once, however many patterns name it; `copied` maps staged names to their sources. */
function copySharedLibrary(
  include: SharedInclude,
  staged: string,
  workspaceRoot: string,
  contextRoot: string,
  copied: Map<string, string>,
) {
  const source = join(workspaceRoot, include.source);
  if (!existsSync(source)) {
    throw new UserError(
      `The bentofile's include pattern "${include.pattern}" names ${include.source}, which does not exist. Fix the path: it is relative to ${contextRoot}.`,
    );
  }
  const earlier = copied.get(include.name);
  if (earlier === include.source) return;
  if (earlier !== undefined) {
    throw new UserError(
      `The shared libraries ${earlier} and ${include.source} would both be packed as "${include.name}". Include only one of them, or rename one.`,
    );
  }
  const target = join(staged, include.name);
  if (existsSync(target)) {
    throw new UserError(
      `The shared library ${include.source} would be packed as "${include.name}", but ${contextRoot}/${include.name} exists too. Rename one of them.`,
    );
  }
  cpSync(source, target, { recursive: true, filter: (path) => !notCopied.has(basename(path)) });
  copied.set(include.name, include.source);
}

/** How a path option reads from the staged copy. */
type Restage = { include(pattern: string): string; path(option: readonly string[], value: string): string };

/**
 * Each shared pattern in its staged form, and every other path that leads out of the build file's
 * directory ("../requirements.txt") pointing at the same file from the staged copy.
 */
function stagedPaths(shared: SharedInclude[], contextDir: string, staged: string): Restage {
  const fromStaged = (path: string) => (path.trim().startsWith('../') ? relative(staged, resolve(contextDir, path.trim())) : path);
  return {
    include: (pattern) =>
      isSharedInclude(pattern) ? (shared.find((entry) => entry.pattern === pattern.trim())?.staged ?? pattern) : pattern,
    path: (option, value) => {
      if (option[0] !== 'description') return fromStaged(value);
      const file = descriptionFile(value);
      return file ? `file:${fromStaged(file)}` : value;
    },
  };
}

/** The bentofile for the staged context, restaged; the rest of the file is kept as written. */
function stagedBentofileText(text: string, restage: Restage): string {
  const document = parseDocument(text);
  const include = (document.get('include') as { items: Array<{ value: unknown }> } | undefined)?.items ?? [];
  for (const item of include) if (typeof item.value === 'string') item.value = restage.include(item.value);
  for (const option of contextPathOptions) {
    const node = document.getIn(option, true) as { value?: unknown; items?: Array<{ value: unknown }> } | undefined;
    for (const scalar of node?.items ?? (node ? [node] : [])) {
      if (typeof scalar.value === 'string') scalar.value = restage.path(option, scalar.value);
    }
  }
  return document.toString();
}

/**
 * The pyproject.toml for the staged context: its [tool.bentoml.build] restaged, every other table
 * as it was (TOML has no layout-keeping editor; comments are dropped from this temporary copy).
 */
function stagedPyprojectText(text: string, restage: Restage): string {
  const document = parseToml(text, 'pyproject.toml');
  const build = ((document['tool'] as TomlTable | undefined)?.['bentoml'] as TomlTable | undefined)?.['build'] as TomlTable | undefined;
  if (!build) return text;
  if (Array.isArray(build['include']))
    build['include'] = build['include'].map((item) => (typeof item === 'string' ? restage.include(item) : item));
  for (const option of contextPathOptions) {
    const parent = option.slice(0, -1).reduce<TomlTable | undefined>((table, key) => table?.[key] as TomlTable | undefined, build);
    const key = option[option.length - 1];
    const value = parent?.[key];
    if (typeof value === 'string') parent![key] = restage.path(option, value);
    else if (Array.isArray(value)) parent![key] = value.map((item) => (typeof item === 'string' ? restage.path(option, item) : item));
  }
  return stringifyToml(document);
}
