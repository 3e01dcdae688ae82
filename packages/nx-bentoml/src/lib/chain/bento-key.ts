import { exec } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { glob } from 'tinyglobby';
import { notSearchedGlobs } from '../bentoml/bento-contents';

/**
 * What a task's inputs select, in words that know no build tool: groups of file globs, each with
 * the negations that apply to it, and values (a command's output, an environment variable, an
 * external package's version) in the order the inputs name them.
 */
export interface InputSelection {
  /** Globs relative to the workspace root; a group's negations remove files from that group only. */
  fileSets: Array<{ globs: string[]; negations: string[] }>;
  values: InputValue[];
}

export type InputValue = { runtime: string } | { env: string } | { external: string; version: string };

/** The selection resolved on this machine: the files it selects and each value as read now. */
export interface ResolvedInputs {
  /** Relative to the workspace root. */
  files: string[];
  /** One line per value, in the selection's order. */
  values: string[];
}

/**
 * Resolves a selection in the workspace: globs against the files on disk (never the directories
 * no Bento packs, such as .venv), commands run through the shell in the workspace root with their
 * output taken as it is (the command itself names a machine's interpreter path), environment
 * variables read from this process.
 */
export async function resolveInputSelection(workspaceRoot: string, selection: InputSelection): Promise<ResolvedInputs> {
  const found = await Promise.all(
    selection.fileSets.map(({ globs, negations }) =>
      glob(globs, { cwd: workspaceRoot, dot: true, ignore: [...notSearchedGlobs, ...negations], expandDirectories: false }),
    ),
  );
  const outputs = new Map<string, Promise<string>>();
  const output = (command: string) => {
    if (!outputs.has(command))
      outputs.set(
        command,
        promisify(exec)(command, { cwd: workspaceRoot, env: process.env }).then((r) => r.stdout),
      );
    return outputs.get(command)!;
  };
  const values = await Promise.all(
    selection.values.map(async (value) => {
      if ('runtime' in value) return `runtime\n${await output(value.runtime)}`;
      if ('env' in value) return `env ${value.env}=${process.env[value.env] ?? ''}`;
      return `external ${value.external}=${value.version}`;
    }),
  );
  return { files: [...new Set(found.flat())], values };
}

/**
 * Rule 1's key (reuse-rules.ts): a hash of what decides the Bento, from the task's inputs as
 * resolved and its options, and of the model files bento-build imports, hashed here even when
 * the inputs miss them, so a changed model always gives a new Bento version. `notInInputs` names
 * those, for a warning: Nx's own cache does not see them. `files` is each hashed file's sha256
 * (hex), which the provenance of the image lists.
 */
export async function bentoKey(
  workspaceRoot: string,
  inputs: ResolvedInputs,
  build: { options: object; modelFiles: string[] },
): Promise<{ key: string; notInInputs: string[]; files: Record<string, string> }> {
  const selected = new Set(inputs.files);
  const notInInputs = build.modelFiles.filter((file) => !selected.has(file));
  const files = [...selected, ...notInInputs].sort();
  const hash = createHash('sha256');
  for (const value of [`options ${JSON.stringify(sorted(build.options))}`, ...inputs.values]) hash.update(`${value}\0`);
  const digests: Record<string, string> = {};
  for (const file of files) {
    digests[file] = await fileDigest(join(workspaceRoot, file));
    hash.update(`${file}\0${digests[file]}\0`);
  }
  return { key: hash.digest('hex'), notInInputs, files: digests };
}

async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, entry]) => [key, sorted(entry)]),
    );
  }
  return value;
}
