import { appendFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ChainEnvironment } from './environment';
import { runNx, runOrThrow } from './run';
import { type TestWorkspace, type WorkspaceOptions, createWorkspace } from './workspace';

export interface ChainWorkspace extends TestWorkspace {
  /** The environment of every task: its own BentoML store and Docker config, registry credentials. */
  taskEnv: Record<string, string>;
}

/**
 * A fresh workspace set up as a user would for publishing: the Python environment as
 * <workspace>/.venv (found by the plugin), nx-bentoml initialised, credentials for CI in the
 * environment; its own BentoML home and Docker config so runs do not share state.
 */
export function createChainWorkspace(name: string, environment: ChainEnvironment, options: WorkspaceOptions = {}): ChainWorkspace {
  const workspace = createWorkspace(name, options);
  const file = (path: string) => join(workspace.root, path);
  const taskEnv = {
    BENTOML_HOME: file('.bentoml-home'),
    DOCKER_CONFIG: file('.docker-config'),
    NX_BENTOML_REGISTRY_USERNAME: environment.username,
    NX_BENTOML_REGISTRY_PASSWORD: environment.password,
  };
  mkdirSync(taskEnv.DOCKER_CONFIG);
  symlinkSync(dirname(dirname(environment.python)), file('.venv'));
  appendFileSync(file('.gitignore'), '\n.venv\n.bentoml-home\n.docker-config\n');
  runNx(workspace.root, ['g', 'nx-bentoml:init', '--no-interactive'], taskEnv);
  return { ...workspace, taskEnv };
}

/** A service from the plugin's generator, its image `imageName` in the e2e registry, and its model trained with the workspace's Python. */
export function addTrainedService(workspace: ChainWorkspace, environment: ChainEnvironment, service: string, imageName: string): void {
  runNx(
    workspace.root,
    [
      'g',
      'nx-bentoml:service',
      service,
      `--baseImage=${environment.baseImage}`,
      `--registry=${environment.registry}`,
      `--imageName=${imageName}`,
      '--no-interactive',
    ],
    workspace.taskEnv,
  );
  const file = (path: string) => join(workspace.root, path);
  runOrThrow(file('.venv/bin/python'), [file(`apps/${service}/train.py`)], workspace.root, undefined, workspace.taskEnv);
}
