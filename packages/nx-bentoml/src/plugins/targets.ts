import type { TargetConfiguration } from '@nx/devkit';
import type { NormalizedPluginOptions } from './options';

export interface BentoTargetsContext {
  projectName: string;
  /** The build directory relative to the project root, e.g. "src" ('' for the root). */
  buildDir: string;
  /** The build config's file name in it (bentofile.yaml, pyproject.toml); none when BentoML finds the service itself. */
  configFile?: string;
  bentoBuildInputs: Array<string | { runtime: string }>;
  /** The project keeps a smoke-test.json: with the gate on, docker-push depends on smoke-test. */
  hasSmokeTest: boolean;
}

/** The sample requests smoke-test sends, relative to the project root. */
export const smokeTestFile = 'smoke-test.json';

export const bentoOutputDir = '{workspaceRoot}/dist/{projectRoot}/bento';
export const imageOutputDir = '{workspaceRoot}/dist/{projectRoot}/image';
export const pushOutputDir = '{workspaceRoot}/dist/{projectRoot}/push';
export const versionsOutputDir = '{workspaceRoot}/dist/{projectRoot}/versions';
export const promoteOutputDir = '{workspaceRoot}/dist/{projectRoot}/promote';

/** The eight inferred targets of a project that owns a BentoML build directory, keyed by their configured names. */
export function bentoTargets(options: NormalizedPluginOptions, context: BentoTargetsContext): Record<string, TargetConfiguration> {
  const project = context.projectName;
  const buildDir = ['{projectRoot}', context.buildDir].filter(Boolean).join('/');
  const buildConfig = { buildDir, ...(context.configFile ? { bentofile: `${buildDir}/${context.configFile}` } : {}) };
  const names = {
    build: options.bentoBuildTargetName,
    containerize: options.containerizeTargetName,
    push: options.dockerPushTargetName,
    publish: options.publishTargetName,
    serve: options.serveTargetName,
    smokeTest: options.smokeTestTargetName,
    versions: options.versionsTargetName,
    promote: options.promoteTargetName,
  };
  return {
    [names.build]: {
      executor: 'nx-bentoml:bento-build',
      options: { ...buildConfig, outputPath: bentoOutputDir, modelFiles: options.modelFiles, metricsFile: options.metricsFile },
      cache: true,
      inputs: context.bentoBuildInputs,
      outputs: [bentoOutputDir],
      metadata: {
        description: 'Import the model files, build the Bento with a version derived from its inputs and export it',
        technologies: ['bentoml'],
        help: { command: `nx run ${project}:${names.build} --help`, example: { options: { python: '.venv/bin/python' } } },
      },
    },
    [names.containerize]: {
      executor: 'nx-bentoml:containerize',
      options: { bentoPath: bentoOutputDir, outputPath: imageOutputDir, modelFiles: options.modelFiles },
      dependsOn: [names.build],
      cache: false,
      outputs: [imageOutputDir],
      metadata: {
        description: 'Build the Docker image of the exported Bento through the Docker Engine API',
        technologies: ['bentoml', 'docker'],
        help: {
          command: `nx run ${project}:${names.containerize} --help`,
          example: { options: { imageName: 'classifier', tags: ['latest'] } },
        },
      },
    },
    [names.push]: {
      executor: 'nx-bentoml:docker-push',
      options: { imagePath: imageOutputDir, outputPath: pushOutputDir },
      // The command line's options (registry, gate) are forwarded so that the gate sees this push as it will run.
      dependsOn: [
        names.containerize,
        ...(options.gate && context.hasSmokeTest ? [{ target: names.smokeTest, params: 'forward' as const }] : []),
      ],
      cache: false,
      outputs: [pushOutputDir],
      metadata: {
        description: 'Tag and push the image to the registry with Docker credentials',
        technologies: ['docker'],
        help: {
          command: `nx run ${project}:${names.push} --help`,
          example: { options: { registry: 'europe-west6-docker.pkg.dev/my-project/models' } },
        },
      },
    },
    [names.publish]: {
      executor: 'nx-bentoml:publish',
      options: { pushPath: pushOutputDir },
      dependsOn: [{ target: names.push, params: 'forward' }],
      cache: false,
      metadata: {
        description: 'Build, containerize and push the model service: the whole publishing flow in one command',
        technologies: ['bentoml', 'docker'],
        help: { command: `nx run ${project}:${names.publish} --help`, example: { args: ['--registry=127.0.0.1:5000'] } },
      },
    },
    [names.serve]: {
      executor: 'nx-bentoml:serve',
      options: { ...buildConfig, modelFiles: options.modelFiles },
      continuous: true,
      metadata: {
        description: 'Serve the model service locally with bentoml serve, for development',
        technologies: ['bentoml'],
        help: { command: `nx run ${project}:${names.serve} --help`, example: { options: { port: 3000 } } },
      },
    },
    [names.smokeTest]: {
      executor: 'nx-bentoml:smoke-test',
      options: { imagePath: imageOutputDir, sampleRequest: `{projectRoot}/${smokeTestFile}` },
      dependsOn: [names.containerize],
      cache: false,
      metadata: {
        description: 'Run the image on a free loopback port, wait until ready and check a sample prediction',
        technologies: ['docker'],
        help: { command: `nx run ${project}:${names.smokeTest} --help`, example: { options: { readinessTimeoutSeconds: 120 } } },
      },
    },
    [names.versions]: {
      executor: 'nx-bentoml:versions',
      options: { imagePath: imageOutputDir, outputPath: versionsOutputDir },
      cache: false,
      outputs: [versionsOutputDir],
      metadata: {
        description: 'List the published versions in the registry, newest first, with their tags, models, params and metrics',
        technologies: ['docker'],
        help: { command: `nx run ${project}:${names.versions} --help`, example: { args: ['--registry=127.0.0.1:5000', '--json'] } },
      },
    },
    [names.promote]: {
      executor: 'nx-bentoml:promote',
      options: { imagePath: imageOutputDir, pushPath: pushOutputDir, outputPath: promoteOutputDir },
      cache: false,
      outputs: [promoteOutputDir],
      metadata: {
        description: 'Point a tag (production, staging) at an exact published version through the registry API, no pull and no build',
        technologies: ['docker'],
        help: { command: `nx run ${project}:${names.promote} --help`, example: { args: ['--to=production', '--from=latest'] } },
      },
    },
  };
}
