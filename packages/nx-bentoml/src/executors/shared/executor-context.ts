import type { ExecutorContext } from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export function projectRootOf(context: ExecutorContext): string {
  const project = context.projectName ? context.projectsConfigurations?.projects[context.projectName] : undefined;
  if (!project) throw new Error(`Executor run outside a project (project "${context.projectName}").`);
  return project.root;
}

/** Resolves an option path with {workspaceRoot}/{projectRoot} tokens against the workspace root. */
export function resolveOption(path: string, context: ExecutorContext): string {
  const resolved = path.replace('{workspaceRoot}', context.root).replace('{projectRoot}', projectRootOf(context));
  return isAbsolute(resolved) ? resolved : join(context.root, resolved);
}

/**
 * The hash Nx computed for this task from its inputs.
 *
 * Nx up to 23 puts it on the task graph handed to the executor (`context.taskGraph.tasks[id].hash`);
 * Nx 24 prunes result fields such as `hash` from that graph and gives each task process its own
 * hash in `NX_TASK_HASH`, next to `NX_TASK_TARGET_PROJECT`, `_TARGET` and `_CONFIGURATION`. The
 * variable is taken only when those name this very task, so a hash left in the environment by an
 * outer Nx run (a task that runs nx again) or by another task of the same process is never used.
 */
export function taskHash(context: ExecutorContext, env: NodeJS.ProcessEnv = process.env): string {
  const id = [context.projectName, context.targetName, context.configurationName].filter(Boolean).join(':');
  const fromGraph = context.taskGraph?.tasks?.[id]?.hash;
  if (fromGraph) return fromGraph;
  const fromEnv = env['NX_TASK_HASH'];
  const sameTask =
    env['NX_TASK_TARGET_PROJECT'] === context.projectName &&
    env['NX_TASK_TARGET_TARGET'] === context.targetName &&
    (env['NX_TASK_TARGET_CONFIGURATION'] || undefined) === (context.configurationName || undefined);
  if (fromEnv && sameTask) return fromEnv;
  throw new Error(`Nx did not provide the hash of task ${id}; run it through nx (nx run ${id}).`);
}

/**
 * Whether the Nx running this task hashes the files git ignores that a target's inputs ask for
 * (`{ fileset, includeIgnored: true }`, read from disk since Nx 24; Nx 23 hashes tracked files only).
 */
export function hashesIgnoredFiles(context: ExecutorContext, targetName: string): boolean {
  const inputs = context.projectsConfigurations?.projects[context.projectName ?? '']?.targets?.[targetName]?.inputs ?? [];
  const asks = inputs.some((input) => typeof input === 'object' && 'includeIgnored' in input && input.includeIgnored === true);
  return asks && runningNxMajor(context.root) >= 24;
}

function runningNxMajor(workspaceRoot: string): number {
  try {
    const manifest = require.resolve('nx/package.json', { paths: [workspaceRoot] });
    return Number((JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version.split('.')[0]);
  } catch {
    // No Nx to be found from the workspace (a unit test's): take the one that hashes least.
    return 0;
  }
}
