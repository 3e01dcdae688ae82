import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import { UserError } from '../errors';
import type { Bentofile } from './bentofile';
import { type SharedInclude, isSharedInclude, sharedIncludes } from './shared-includes';

export interface BuildContext {
  contextDir: string;
  bentofilePath: string;
  /** Removes the staged copy, if one was made. */
  dispose(): void;
}

// Never worth copying into a staged context; BentoML leaves them out of a Bento anyway.
const notCopied = new Set(['.git', 'node_modules', '.venv', 'venv', '__pycache__']);

/**
 * The build context BentoML is given. Without shared includes it is the bentofile's directory.
 * With them, a temporary copy of that directory holds each shared library under its own name and
 * a bentofile whose include lists it there: BentoML refuses "../" in include.
 */
export function stageBuildContext(bentofile: Bentofile, bentofilePath: string, contextDir: string, workspaceRoot: string): BuildContext {
  const shared = sharedIncludes(bentofile, relative(workspaceRoot, contextDir), (pattern, reason) => {
    throw new UserError(`The bentofile's include pattern "${pattern}" cannot be packed: ${reason}.`);
  });
  if (shared.length === 0) return { contextDir, bentofilePath, dispose: () => undefined };

  const staged = mkdtempSync(join(tmpdir(), 'nx-bentoml-context-'));
  try {
    cpSync(contextDir, staged, { recursive: true, filter: (path) => !notCopied.has(basename(path)) });
    for (const include of shared) copySharedLibrary(include, staged, workspaceRoot, relative(workspaceRoot, contextDir));
    const stagedBentofile = join(staged, basename(bentofilePath));
    writeFileSync(stagedBentofile, withStagedIncludes(readFileSync(bentofilePath, 'utf8'), shared));
    return { contextDir: staged, bentofilePath: stagedBentofile, dispose: () => rmSync(staged, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(staged, { recursive: true, force: true });
    throw error;
  }
}

function copySharedLibrary(include: SharedInclude, staged: string, workspaceRoot: string, contextRoot: string) {
  const source = join(workspaceRoot, include.source);
  if (!existsSync(source)) {
    throw new UserError(`The bentofile's include pattern "${include.pattern}" names ${include.source}, which does not exist. Fix the path: it is relative to ${contextRoot}.`);
  }
  const target = join(staged, include.name);
  if (existsSync(target)) {
    throw new UserError(
      `The shared library ${include.source} would be packed as "${include.name}", but ${contextRoot}/${include.name} exists too. Rename one of them.`,
    );
  }
  cpSync(source, target, { recursive: true, filter: (path) => !notCopied.has(basename(path)) });
}

/** The bentofile text with each shared pattern replaced by its staged form; the rest of the file is kept as written. */
function withStagedIncludes(text: string, shared: SharedInclude[]): string {
  const document = parseDocument(text);
  const include = (document.get('include') as { items: Array<{ value: unknown }> } | undefined)?.items ?? [];
  for (const item of include) {
    if (typeof item.value !== 'string' || !isSharedInclude(item.value)) continue;
    item.value = shared.find((entry) => entry.pattern === (item.value as string).trim())?.staged ?? item.value;
  }
  return document.toString();
}
