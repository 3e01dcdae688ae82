import type { ExecutorContext } from '@nx/devkit';
import { fakeExecutorContext } from '../../testing/executor-context';
import { configuredTargetName } from './configured-targets';

describe('configuredTargetName', () => {
  const withTargets = (targets: Record<string, { executor: string }>): ExecutorContext => {
    const context = fakeExecutorContext('/ws', 'apps/classifier', 'publish');
    context.projectsConfigurations.projects['classifier'].targets = targets;
    return context;
  };

  it('names the target as the project configures it', () => {
    const context = withTargets({ 'build-bento': { executor: 'nx-bentoml:bento-build' }, image: { executor: 'nx-bentoml:containerize' } });
    expect(configuredTargetName(context, 'bento-build')).toBe('build-bento');
    expect(configuredTargetName(context, 'containerize')).toBe('image');
  });

  it("falls back to the executor's name when no target runs it", () => {
    expect(configuredTargetName(withTargets({ build: { executor: 'nx:run-commands' } }), 'bento-build')).toBe('bento-build');
    expect(configuredTargetName(fakeExecutorContext('/ws', 'apps/classifier', 'publish'), 'docker-push')).toBe('docker-push');
  });
});
