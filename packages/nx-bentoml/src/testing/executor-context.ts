import type { ExecutorContext } from '@nx/devkit';

/** A minimal executor context for a project, with the task hash Nx would have computed. */
export function fakeExecutorContext(root: string, projectRoot: string, targetName: string, hash = '1234567890'): ExecutorContext {
  const id = `classifier:${targetName}`;
  return {
    root,
    cwd: root,
    isVerbose: false,
    projectName: 'classifier',
    targetName,
    projectsConfigurations: { version: 2, projects: { classifier: { root: projectRoot } } },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
    taskGraph: {
      roots: [id],
      dependencies: {},
      continuousDependencies: {},
      tasks: { [id]: { id, hash, target: { project: 'classifier', target: targetName } } as never },
    },
  } as unknown as ExecutorContext;
}
