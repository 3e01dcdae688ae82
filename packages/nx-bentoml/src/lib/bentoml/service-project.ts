import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { runCommand } from '../process/run-command';
import { resolvePython } from '../python';
import type { BuildConfig } from './build-config-schema';
import { type BuildDirConfig, readBuildConfig } from './build-config';
import { checkService } from './check-service';
import { dvcPointerOf, findModelFiles } from './model-files';
import { type ServiceModels, modelsNamedBy } from './service-models';

/** Globs, relative to the project root, of the model files bento-build imports unless told otherwise. */
export const defaultModelFiles = ['**/*.bentomodel'];

/** A BentoML service project as the executors see it, read from the workspace without Nx. */
export interface ServiceProject {
  workspaceRoot: string;
  /** Absolute path of the project root. */
  projectDir: string;
  /** The build file (bentofile.yaml, pyproject.toml), when the project has one. */
  bentofilePath?: string;
  /** The directory BentoML builds. */
  contextDir: string;
  buildConfig: BuildDirConfig;
  /** The build config, whatever its form. */
  bentofile: BuildConfig;
  /** The interpreter that runs BentoML. */
  python: string;
  /** The globs, relative to the project root, that find the model files. */
  modelFileGlobs: string[];
  /** Absolute paths of the project's model files. */
  modelFiles: string[];
  /** Absolute path of the service module. */
  serviceModule: string;
  /** The models the service module names: from the BentoML store or Hugging Face. */
  serviceModels: ServiceModels;
}

export interface ServiceProjectOptions {
  workspaceRoot: string;
  /** Relative to the workspace root. */
  projectRoot: string;
  /** Absolute path of the build directory; by default the bentofile's directory. */
  buildDir?: string;
  /** Absolute path of the build file; by default the one BentoML finds in buildDir. */
  bentofilePath?: string;
  python?: string;
  modelFiles?: string[];
}

/** The directory BentoML builds: the build directory given, else the build file's, else the project root. */
export function buildDirOf({ workspaceRoot, projectRoot, buildDir, bentofilePath }: ServiceProjectOptions): string {
  return buildDir ?? (bentofilePath ? dirname(bentofilePath) : join(workspaceRoot, projectRoot));
}

/** Reads and checks the project: a valid bentofile naming a service that exists, its interpreter and model files. */
export async function readServiceProject(options: ServiceProjectOptions): Promise<ServiceProject> {
  const { workspaceRoot, projectRoot } = options;
  const contextDir = buildDirOf(options);
  const buildConfig = readBuildConfig(contextDir, options.bentofilePath, (path) => relative(workspaceRoot, path));
  const origin =
    buildConfig.form === 'pyproject' ? `the service of ${relative(workspaceRoot, buildConfig.path!)}` : "the bentofile's service";
  const serviceModule = checkService(buildConfig.config, contextDir, workspaceRoot, origin);
  const projectDir = join(workspaceRoot, projectRoot);
  const modelFileGlobs = options.modelFiles ?? defaultModelFiles;
  return {
    workspaceRoot,
    projectDir,
    bentofilePath: buildConfig.path,
    contextDir,
    buildConfig,
    bentofile: buildConfig.config,
    python: resolvePython(options.python, projectRoot, workspaceRoot),
    modelFileGlobs,
    serviceModule: serviceModule.path,
    modelFiles: await findModelFiles(projectDir, modelFileGlobs),
    serviceModels: modelsNamedBy(serviceModule.source, buildConfig.config),
  };
}

/**
 * The model files Nx cannot hash: git ignores them and no DVC pointer stands for them, so a
 * retrained model would not rebuild the Bento.
 */
export async function unhashedModelFiles(modelFiles: string[], workspaceRoot: string): Promise<string[]> {
  if (modelFiles.length === 0) return [];
  const result = await runCommand('git', ['check-ignore', ...modelFiles], { cwd: workspaceRoot }).catch(() => undefined);
  // check-ignore prints the ignored paths as given: absolute here.
  const ignored = result?.exitCode === 0 ? result.stdout.split('\n').filter(Boolean) : [];
  return ignored.filter((path) => !existsSync(dvcPointerOf(path)));
}
