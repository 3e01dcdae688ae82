import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { UserError } from '../errors';
import { processTempDir } from '../process/abandoned-directories';
import { notSearched } from './bento-contents';
import { type BuildConfig, contextPathOptions, descriptionFile } from './build-config-schema';
import { bentofileName } from './build-config';
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
 * The build context BentoML is given. Without shared includes it is the bentofile's directory.
 * With them, a temporary copy of that directory holds each shared library under its own name and
 * a bentofile whose include lists it there: BentoML refuses "../" in include.
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
  if (!bentofilePath || basename(bentofilePath) !== bentofileName) {
    throw new UserError(
      `Shared libraries ("${shared[0].pattern}") are packed from a bentofile.yaml only: BentoML refuses "../" in include. ` +
        `Move the build config to a bentofile.yaml, or copy the library into the build directory.`,
    );
  }

  const staged = processTempDir(stagedPrefix);
  try {
    cpSync(contextDir, staged, { recursive: true, filter: (path) => !notCopied.has(basename(path)) });
    const copied = new Map<string, string>();
    for (const include of shared) copySharedLibrary(include, staged, workspaceRoot, relative(workspaceRoot, contextDir), copied);
    const stagedBentofile = join(staged, basename(bentofilePath));
    writeFileSync(stagedBentofile, stagedBentofileText(readFileSync(bentofilePath, 'utf8'), shared, contextDir, staged));
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

/**
 * The bentofile for the staged context: each shared pattern in its staged form, and every other
 * path that leads out of the bentofile's directory ("../requirements.txt") pointing at the same
 * file from the staged copy. The rest of the file is kept as written.
 */
function stagedBentofileText(text: string, shared: SharedInclude[], contextDir: string, staged: string): string {
  const document = parseDocument(text);
  const include = (document.get('include') as { items: Array<{ value: unknown }> } | undefined)?.items ?? [];
  for (const item of include) {
    if (typeof item.value !== 'string' || !isSharedInclude(item.value)) continue;
    item.value = shared.find((entry) => entry.pattern === (item.value as string).trim())?.staged ?? item.value;
  }
  const fromStaged = (path: string) => (path.trim().startsWith('../') ? relative(staged, resolve(contextDir, path.trim())) : path);
  for (const path of contextPathOptions) {
    const node = document.getIn(path, true) as { value?: unknown; items?: Array<{ value: unknown }> } | undefined;
    for (const scalar of node?.items ?? (node ? [node] : [])) {
      if (typeof scalar.value !== 'string') continue;
      if (path[0] !== 'description') scalar.value = fromStaged(scalar.value);
      else if (descriptionFile(scalar.value)) scalar.value = `file:${fromStaged(descriptionFile(scalar.value)!)}`;
    }
  }
  return document.toString();
}
