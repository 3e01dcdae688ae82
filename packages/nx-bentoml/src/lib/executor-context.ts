import type { ExecutorContext } from '@nx/devkit';
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

/** The hash Nx computed for this task from its inputs. */
export function taskHash(context: ExecutorContext): string {
  const id = [context.projectName, context.targetName, context.configurationName].filter(Boolean).join(':');
  const hash = context.taskGraph?.tasks[id]?.hash;
  if (!hash) throw new Error(`Nx did not provide the hash of task ${id}; run it through nx (nx run ${id}).`);
  return hash;
}
