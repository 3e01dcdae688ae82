import type { ExecutorContext } from '@nx/devkit';
import type { DockerPushExecutorSchema } from '../docker-push/schema';
import { configuredTargetName } from './configured-targets';
import { typedPushOptions } from './typed-overrides';

/**
 * The docker-push task this task gates, when it runs as the push's dependency (the plugin infers
 * docker-push → smoke-test for projects with a smoke-test.json), with that push's options as Nx
 * resolves them: the target's options, its configuration's, then the command line's, forwarded.
 */
export function gatedPush(context: ExecutorContext): { target: string; options: DockerPushExecutorSchema } | undefined {
  const graph = context.taskGraph;
  const pushTarget = configuredTargetName(context, 'docker-push');
  const self = Object.values(graph?.tasks ?? {}).find(
    (task) => task.target.project === context.projectName && task.target.target === context.targetName,
  );
  const push = Object.values(graph?.tasks ?? {}).find(
    (task) => task.target.project === context.projectName && task.target.target === pushTarget,
  );
  // Nx 23 lists dependencies as task ids, Nx 24 as edges ({ id }).
  const dependsOnSelf = (graph?.dependencies[push?.id ?? ''] ?? []).some(
    (edge: string | { id: string }) => (typeof edge === 'string' ? edge : edge.id) === self?.id,
  );
  if (!self || !push || !dependsOnSelf) return undefined;
  const targetConfig = context.projectsConfigurations?.projects[context.projectName!]?.targets?.[pushTarget];
  const configuration = push.target.configuration ?? targetConfig?.defaultConfiguration;
  const { __overrides_unparsed__: _unparsed, ...overrides } = typedPushOptions(push.overrides);
  return {
    target: pushTarget,
    options: { ...targetConfig?.options, ...(configuration ? targetConfig?.configurations?.[configuration] : {}), ...overrides },
  };
}
