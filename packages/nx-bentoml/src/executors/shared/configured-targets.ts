import type { ExecutorContext } from '@nx/devkit';

/** The executors of this plugin, by the name each has in executors.json. */
export type ChainExecutor =
  'bento-build' | 'containerize' | 'docker-push' | 'publish' | 'serve' | 'smoke-test' | 'versions' | 'promote' | 'plan' | 'verify';

/**
 * The name this project gives the target that runs one of the plugin's executors, for messages
 * such as "Run the bento-build target first": users rename targets in nx.json's plugin options
 * or in project.json. Falls back to the executor's own name when the project has no such target.
 */
export function configuredTargetName(context: ExecutorContext, executor: ChainExecutor): string {
  const targets = context.projectName ? context.projectsConfigurations?.projects[context.projectName]?.targets : undefined;
  const match = Object.entries(targets ?? {}).find(([, target]) => target.executor === `nx-bentoml:${executor}`);
  return match?.[0] ?? executor;
}

/** The options this project gives the target that runs another of the chain's executors (e.g. docker-push's registries); none when it has none. */
export function chainTargetOptions<T>(context: ExecutorContext, executor: ChainExecutor): Partial<T> {
  const target = configuredTargetName(context, executor);
  return (context.projectsConfigurations?.projects[context.projectName!]?.targets?.[target]?.options ?? {}) as Partial<T>;
}
