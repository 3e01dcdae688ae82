import type { ExecutorContext } from '@nx/devkit';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashesIgnoredFiles, taskHash } from './executor-context';

/** The context Nx hands an executor for classifier:bento-build, with or without the hash on its task graph. */
function contextFor(hashOnGraph: string | undefined, configurationName?: string): ExecutorContext {
  const id = ['classifier', 'bento-build', configurationName].filter(Boolean).join(':');
  const task = {
    id,
    target: { project: 'classifier', target: 'bento-build', configuration: configurationName },
    overrides: {},
    outputs: [],
  };
  return {
    root: '/ws',
    cwd: '/ws',
    isVerbose: false,
    projectName: 'classifier',
    targetName: 'bento-build',
    configurationName,
    projectsConfigurations: { version: 2, projects: { classifier: { root: 'apps/classifier' } } },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
    taskGraph: {
      roots: [id],
      tasks: { [id]: hashOnGraph === undefined ? task : { ...task, hash: hashOnGraph } },
      dependencies: { [id]: [] },
      continuousDependencies: { [id]: [] },
    },
  } as unknown as ExecutorContext;
}

const envOf = (hash: string, project = 'classifier', target = 'bento-build', configuration?: string): NodeJS.ProcessEnv => ({
  NX_TASK_HASH: hash,
  NX_TASK_TARGET_PROJECT: project,
  NX_TASK_TARGET_TARGET: target,
  ...(configuration ? { NX_TASK_TARGET_CONFIGURATION: configuration } : {}),
});

describe('taskHash', () => {
  it('takes the hash from the task graph when Nx puts it there (Nx 23)', () => {
    expect(taskHash(contextFor('111'), {})).toBe('111');
    expect(taskHash(contextFor('111'), envOf('222'))).toBe('111');
  });

  it('takes NX_TASK_HASH when the task graph has no hash (Nx 24)', () => {
    expect(taskHash(contextFor(undefined), envOf('222'))).toBe('222');
  });

  it('matches the configuration of the task too', () => {
    expect(taskHash(contextFor(undefined, 'production'), envOf('333', 'classifier', 'bento-build', 'production'))).toBe('333');
    expect(() => taskHash(contextFor(undefined, 'production'), envOf('333'))).toThrow('classifier:bento-build:production');
    expect(() => taskHash(contextFor(undefined), envOf('333', 'classifier', 'bento-build', 'production'))).toThrow(
      'Nx did not provide the hash of task classifier:bento-build',
    );
  });

  it('ignores an NX_TASK_HASH that belongs to another task (an outer nx run, another project or target)', () => {
    expect(() => taskHash(contextFor(undefined), envOf('444', 'regressor'))).toThrow(
      'Nx did not provide the hash of task classifier:bento-build',
    );
    expect(() => taskHash(contextFor(undefined), envOf('444', 'classifier', 'publish'))).toThrow(
      'Nx did not provide the hash of task classifier:bento-build',
    );
  });

  it('says how to run the task when neither is there, also without a task graph', () => {
    const message = 'Nx did not provide the hash of task classifier:bento-build; run it through nx (nx run classifier:bento-build).';
    expect(() => taskHash(contextFor(undefined), {})).toThrow(message);
    expect(() => taskHash(contextFor(''), { NX_TASK_HASH: '' })).toThrow(message);
    expect(() => taskHash({ ...contextFor(undefined), taskGraph: undefined }, {})).toThrow(message);
  });
});

describe('hashesIgnoredFiles', () => {
  const workspaceWithNx = (version: string | undefined, inputs: unknown[]) => {
    const root = mkdtempSync(join(tmpdir(), 'nx-bentoml-nx-version-'));
    if (version) {
      mkdirSync(join(root, 'node_modules/nx'), { recursive: true });
      writeFileSync(join(root, 'node_modules/nx/package.json'), JSON.stringify({ name: 'nx', version }));
    }
    const context = {
      root,
      projectName: 'classifier',
      projectsConfigurations: { version: 2, projects: { classifier: { root: 'apps/classifier', targets: { 'bento-build': { inputs } } } } },
    } as unknown as ExecutorContext;
    return { context, cleanup: () => rmSync(root, { recursive: true, force: true }) };
  };
  const asks = [{ fileset: '{workspaceRoot}/apps/classifier/**/*.bentomodel', includeIgnored: true }];

  it.each([
    ['24.0.6', asks, true],
    ['23.2.1', asks, false],
    ['24.0.6', ['{workspaceRoot}/apps/classifier/**/*.bentomodel'], false],
    [undefined, asks, false],
  ])('on Nx %s with inputs %j: %s', (version, inputs, expected) => {
    const { context, cleanup } = workspaceWithNx(version, inputs);
    try {
      expect(hashesIgnoredFiles(context, 'bento-build')).toBe(expected);
    } finally {
      cleanup();
    }
  });
});
