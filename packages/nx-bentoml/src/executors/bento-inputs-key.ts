import { exec } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import type { ExecutorContext } from '@nx/devkit';
import { glob } from 'tinyglobby';
import { notSearchedGlobs } from '../lib/bentoml/bento-contents';
import { projectRootOf } from './shared/executor-context';

/**
 * The key of rule 1 (lib/chain/reuse-rules.ts): what decides the Bento among the task's own
 * inputs, read as Nx reads them, without the project's configuration that Nx's task hash also
 * covers (tags, other targets' options such as imageName). So a change to project.json alone
 * gives the same Bento version, image and digest. It covers the files the inputs select (their
 * content), the runtime inputs' output, the env inputs' values and the task's options.
 *
 * Undefined when the target's inputs are not all of those kinds (named inputs, "^" inputs,
 * dependency outputs): the caller then keeps Nx's task hash, which covers at least as much.
 */
export async function bentoInputsKey(
  context: ExecutorContext,
  options: object,
  /** Files that decide the Bento whatever the inputs say (the model files bento-build imports), relative to the workspace root. */
  decisiveFiles: string[] = [],
): Promise<{ key: string; notInInputs: string[] } | undefined> {
  const projectRoot = projectRootOf(context);
  const target = context.projectsConfigurations?.projects[context.projectName!]?.targets?.[context.targetName!];
  const inputs = target?.inputs;
  if (!inputs || inputs.length === 0) return undefined;

  const workspaceGlobs: string[] = [];
  const projectGlobs: string[] = [];
  const projectNegations: string[] = [];
  const values: string[] = [`options ${JSON.stringify(sorted(options))}`];
  for (const input of inputs) {
    if (typeof input === 'string') {
      const negated = input.startsWith('!');
      const glob = negated ? input.slice(1) : input;
      if (glob.startsWith('{workspaceRoot}/') && !negated) workspaceGlobs.push(glob.slice('{workspaceRoot}/'.length));
      else if (glob.startsWith('{projectRoot}/'))
        (negated ? projectNegations : projectGlobs).push(posix.join(projectRoot, glob.slice('{projectRoot}/'.length)));
      else return undefined;
    } else if ('runtime' in input && typeof input.runtime === 'string') {
      const { stdout } = await promisify(exec)(input.runtime, { cwd: context.root, env: process.env });
      // Only the output, as Nx hashes it: the command names a machine's interpreter path.
      values.push(`runtime\n${stdout}`);
    } else if ('env' in input && typeof input.env === 'string') {
      values.push(`env ${input.env}=${process.env[input.env] ?? ''}`);
    } else {
      return undefined;
    }
  }

  const found = await Promise.all([
    glob(workspaceGlobs, { cwd: context.root, dot: true, ignore: notSearchedGlobs, expandDirectories: false }),
    glob(projectGlobs, { cwd: context.root, dot: true, ignore: [...notSearchedGlobs, ...projectNegations], expandDirectories: false }),
  ]);
  const selected = new Set(found.flat());
  // Hashed here even when the inputs miss them: a changed model always gives a new Bento version.
  const notInInputs = decisiveFiles.filter((file) => !selected.has(file));
  const files = [...selected, ...notInInputs].sort();
  const hash = createHash('sha256');
  for (const value of values) hash.update(`${value}\0`);
  for (const file of files) hash.update(`${file}\0${await fileDigest(join(context.root, file))}\0`);
  return { key: hash.digest('hex'), notInInputs };
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
