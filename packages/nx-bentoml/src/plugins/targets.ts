import type { TargetConfiguration } from '@nx/devkit';
import { defaultModelFiles } from '../lib/bentoml/service-project';
import { defaultMetricsFile } from '../lib/project-layout';
import type { BentoBuildInput } from './inputs';
import type { NormalizedPluginOptions } from './options';

export interface BentoTargetsContext {
  /** The build directory relative to the project root, e.g. "src" ('' for the root). */
  buildDir: string;
  /** The build config's file name in it (bentofile.yaml, pyproject.toml); none when BentoML finds the service itself. */
  configFile?: string;
  bentoBuildInputs: Array<BentoBuildInput | { runtime: string }>;
  /** The project keeps a smoke-test.json: with the gate on, docker-push depends on smoke-test. */
  hasSmokeTest: boolean;
  /** smoke-test.json and the sample files it names (inputs.ts smokeTestInputs). */
  smokeTestInputs: string[];
}

/** The sample requests smoke-test sends, relative to the project root. */
export const smokeTestFile = 'smoke-test.json';

export const bentoOutputDir = '{workspaceRoot}/dist/{projectRoot}/bento';
export const imageOutputDir = '{workspaceRoot}/dist/{projectRoot}/image';
export const pushOutputDir = '{workspaceRoot}/dist/{projectRoot}/push';
export const versionsOutputDir = '{workspaceRoot}/dist/{projectRoot}/versions';
export const promoteOutputDir = '{workspaceRoot}/dist/{projectRoot}/promote';
export const planOutputDir = '{workspaceRoot}/dist/{projectRoot}/plan';
export const smokeTestOutputDir = '{workspaceRoot}/dist/{projectRoot}/smoke-test';
export const verifyOutputDir = '{workspaceRoot}/dist/{projectRoot}/verify';

/** The ten inferred targets of a project that owns a BentoML build directory, keyed by their configured names. */
export function bentoTargets(options: NormalizedPluginOptions, context: BentoTargetsContext): Record<string, TargetConfiguration> {
  const buildDir = ['{projectRoot}', context.buildDir].filter(Boolean).join('/');
  const buildConfig = { buildDir, ...(context.configFile ? { bentofile: `${buildDir}/${context.configFile}` } : {}) };
  // Options equal to the executors' schema defaults are left out: every project would repeat them.
  // The paths where each target writes and reads the hand-offs (dist/{projectRoot}/<target>) are such defaults.
  const modelFiles = sameList(options.modelFiles, defaultModelFiles) ? {} : { modelFiles: options.modelFiles };
  const metricsFile = options.metricsFile === defaultMetricsFile ? {} : { metricsFile: options.metricsFile };
  const baseImage = options.baseImage ? { baseImage: options.baseImage } : {};
  const names = {
    build: options.bentoBuildTargetName,
    containerize: options.containerizeTargetName,
    push: options.dockerPushTargetName,
    publish: options.publishTargetName,
    serve: options.serveTargetName,
    smokeTest: options.smokeTestTargetName,
    versions: options.versionsTargetName,
    promote: options.promoteTargetName,
    plan: options.planTargetName,
    verify: options.verifyTargetName,
  };
  // What decides the later targets is what the earlier ones wrote (the Bento, the image record, the
  // push record): on Nx 24's task-based affected, an edit that changes no Bento selects none of them.
  const earlierOutputs = [{ dependentTasksOutputFiles: '**/*' }];
  return {
    [names.build]: {
      executor: 'nx-bentoml:bento-build',
      options: { ...buildConfig, ...modelFiles, ...metricsFile, ...baseImage },
      // The only cacheable target: Nx caches no other unless told to.
      cache: true,
      inputs: context.bentoBuildInputs,
      outputs: [bentoOutputDir],
      metadata: {
        description: 'Build and export the Bento',
        technologies: ['bentoml'],
      },
    },
    [names.containerize]: {
      executor: 'nx-bentoml:containerize',
      ...optionsIfAny(modelFiles),
      dependsOn: [names.build],
      inputs: earlierOutputs,
      outputs: [imageOutputDir],
      metadata: {
        description: 'Build the Docker image of the Bento',
        technologies: ['bentoml', 'docker'],
      },
    },
    [names.push]: {
      executor: 'nx-bentoml:docker-push',
      // The command line's options (registry, gate) are forwarded so that the gate sees this push as it will run.
      dependsOn: [
        names.containerize,
        ...(options.gate && context.hasSmokeTest ? [{ target: names.smokeTest, params: 'forward' as const }] : []),
      ],
      inputs: earlierOutputs,
      outputs: [pushOutputDir],
      metadata: {
        description: 'Push the image to the registry',
        technologies: ['docker'],
      },
    },
    [names.publish]: {
      executor: 'nx-bentoml:publish',
      dependsOn: [{ target: names.push, params: 'forward' }],
      inputs: earlierOutputs,
      metadata: {
        description: 'Build, containerize and push the service',
        technologies: ['bentoml', 'docker'],
      },
    },
    [names.serve]: {
      executor: 'nx-bentoml:serve',
      options: { ...buildConfig, ...modelFiles },
      continuous: true,
      metadata: {
        description: 'Serve the service locally with bentoml serve',
        technologies: ['bentoml'],
      },
    },
    [names.smokeTest]: {
      executor: 'nx-bentoml:smoke-test',
      options: { sampleRequest: `{projectRoot}/${smokeTestFile}` },
      dependsOn: [names.containerize],
      // The image, and smoke-test.json with the sample files it names.
      inputs: [...context.smokeTestInputs, ...earlierOutputs],
      outputs: [smokeTestOutputDir],
      metadata: {
        description: 'Run the image and check a sample prediction',
        technologies: ['docker'],
      },
    },
    [names.plan]: {
      executor: 'nx-bentoml:plan',
      dependsOn: [names.build],
      inputs: earlierOutputs,
      outputs: [planOutputDir],
      metadata: {
        description: 'Say what publish would do (build, push, tag only, up to date) before anything is built or pushed',
        technologies: ['bentoml', 'docker'],
      },
    },
    [names.versions]: {
      executor: 'nx-bentoml:versions',
      outputs: [versionsOutputDir],
      metadata: {
        description: 'List the published versions, newest first',
        technologies: ['docker'],
      },
    },
    [names.verify]: {
      executor: 'nx-bentoml:verify',
      outputs: [verifyOutputDir],
      metadata: {
        description: 'Check the signed statements of the published images with a public key',
        technologies: ['docker'],
      },
    },
    [names.promote]: {
      executor: 'nx-bentoml:promote',
      outputs: [promoteOutputDir],
      metadata: {
        description: 'Point a tag at a published version',
        technologies: ['docker'],
      },
    },
  };
}

function optionsIfAny(options: Record<string, unknown>): Pick<TargetConfiguration, 'options'> {
  return Object.keys(options).length > 0 ? { options } : {};
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
