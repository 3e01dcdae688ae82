import type { ExecutorContext } from '@nx/devkit';
import type { DockerPushExecutorSchema } from '../docker-push/schema';
import { configuredTargetName } from './configured-targets';
import { typedPushOptions } from './typed-overrides';

type TaskGraph = NonNullable<ExecutorContext['taskGraph']>;

/** This project's docker-push task in this run, with its options as Nx resolves them. */
export interface PushInRun {
  target: string;
  options: DockerPushExecutorSchema;
  taskId: string;
}

/**
 * The docker-push task of this project when this run has one (containerize then looks for its
 * image in the push's registries first), with that push's options as Nx resolves them: the
 * target's options, its configuration's, then the command line's, forwarded.
 */
export function pushInThisRun(context: ExecutorContext): PushInRun | undefined {
  const pushTarget = configuredTargetName(context, 'docker-push');
  const push = Object.values(context.taskGraph?.tasks ?? {}).find(
    (task) => task.target.project === context.projectName && task.target.target === pushTarget,
  );
  if (!push) return undefined;
  const targetConfig = context.projectsConfigurations?.projects[context.projectName!]?.targets?.[pushTarget];
  const configuration = push.target.configuration ?? targetConfig?.defaultConfiguration;
  const { __overrides_unparsed__: _unparsed, ...overrides } = typedPushOptions(push.overrides);
  return {
    target: pushTarget,
    taskId: push.id,
    options: { ...targetConfig?.options, ...(configuration ? targetConfig?.configurations?.[configuration] : {}), ...overrides },
  };
}

/**
 * The docker-push task this task gates, when it runs as the push's dependency (the plugin infers
 * docker-push → smoke-test for projects with a smoke-test.json).
 */
export function gatedPush(context: ExecutorContext): PushInRun | undefined {
  const push = pushInThisRun(context);
  const self = Object.values(context.taskGraph?.tasks ?? {}).find(
    (task) => task.target.project === context.projectName && task.target.target === context.targetName,
  );
  return push && self && dependsOn(context.taskGraph!, push.taskId, self.id) ? push : undefined;
}

function dependsOn(graph: TaskGraph, taskId: string, dependencyId: string): boolean {
  // Nx 23 lists dependencies as task ids, Nx 24 as edges ({ id }).
  return (graph.dependencies[taskId] ?? []).some(
    (edge: string | { id: string }) => (typeof edge === 'string' ? edge : edge.id) === dependencyId,
  );
}
