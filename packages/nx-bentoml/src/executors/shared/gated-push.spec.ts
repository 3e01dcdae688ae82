import type { ExecutorContext } from '@nx/devkit';
import { fakeExecutorContext } from '../../testing/executor-context';
import { gatedPush, pushInThisRun } from './gated-push';

describe('gatedPush', () => {
  /** smoke-test's context in `nx run classifier:publish`, where docker-push depends on it (or not, with `gated: false`). */
  const smokeTestContext = ({
    gated = true,
    edges = 'nx24' as 'nx23' | 'nx24',
    overrides = {},
    configuration = undefined as string | undefined,
  } = {}) => {
    const context: ExecutorContext = fakeExecutorContext('/ws', 'apps/classifier', 'smoke-test');
    context.projectsConfigurations.projects['classifier'].targets = {
      'smoke-test': { executor: 'nx-bentoml:smoke-test' },
      push: {
        executor: 'nx-bentoml:docker-push',
        options: { registry: '127.0.0.1:5000', retries: 3 },
        configurations: { ci: { registry: 'ghcr.io/org' } },
      },
    };
    const edge = (edges === 'nx24' ? { id: 'classifier:smoke-test' } : 'classifier:smoke-test') as never;
    context.taskGraph = {
      roots: ['classifier:smoke-test'],
      tasks: {
        'classifier:smoke-test': { id: 'classifier:smoke-test', target: { project: 'classifier', target: 'smoke-test' } } as never,
        'classifier:push': {
          id: 'classifier:push',
          target: { project: 'classifier', target: 'push', configuration },
          overrides: { __overrides_unparsed__: ['--retries=5'], ...overrides },
        } as never,
      },
      dependencies: { 'classifier:push': gated ? [edge] : [], 'classifier:smoke-test': [] },
      continuousDependencies: {},
    };
    return context;
  };

  it("finds the push that depends on this task, under the project's name for it, with Nx 23's and Nx 24's edges", () => {
    for (const edges of ['nx23', 'nx24'] as const) {
      expect(gatedPush(smokeTestContext({ edges }))).toEqual({
        target: 'push',
        taskId: 'classifier:push',
        options: { registry: '127.0.0.1:5000', retries: 3 },
      });
    }
  });

  it("layers the push's options as Nx does: target, configuration, then its typed command line", () => {
    expect(gatedPush(smokeTestContext({ configuration: 'ci', overrides: { retries: '5', gate: 'false' } }))).toEqual({
      target: 'push',
      taskId: 'classifier:push',
      options: { registry: 'ghcr.io/org', retries: 5, gate: false },
    });
  });

  it('finds none when the push does not depend on this task, or there is no push', () => {
    expect(gatedPush(smokeTestContext({ gated: false }))).toBeUndefined();
    expect(gatedPush(fakeExecutorContext('/ws', 'apps/classifier', 'smoke-test'))).toBeUndefined();
  });

  it("finds this run's push for any task of the project, dependent or not (containerize's look in the push's registries)", () => {
    expect(pushInThisRun(smokeTestContext({ gated: false, overrides: { registry: 'ghcr.io/org' } }))).toEqual({
      target: 'push',
      taskId: 'classifier:push',
      options: { registry: 'ghcr.io/org', retries: 3 },
    });
    expect(pushInThisRun(fakeExecutorContext('/ws', 'apps/classifier', 'containerize'))).toBeUndefined();
  });
});
