import { relative } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import type { BentomlClient } from '../../lib/bentoml/client';
import {
  type ResolvedModel,
  assertExternalModelsAvailable,
  describeResolvedModel,
  resolveExternalModels,
} from '../../lib/bentoml/external-models';
import { type ServiceProject, readServiceProject, unhashedModelFiles } from '../../lib/bentoml/service-project';
import { configuredTargetName } from './configured-targets';
import { hashesIgnoredFiles, projectRootOf, resolveOption } from './executor-context';

export interface ServiceSetup {
  project: ServiceProject;
  bentoml: BentomlClient;
  bentomlVersion: string;
  /** Tags of the models the project's files hold, now in the store (none when the caller imports them itself). */
  modelTags: string[];
  /** The store and Hugging Face models the service names, as this machine resolves them. */
  externalModels: ResolvedModel[];
}

/**
 * What bento-build and serve both do first: read the service project, check that its Python has
 * BentoML, and import the project's model files into the BentoML store.
 */
export async function setUpService(
  options: { buildDir?: string; bentofile?: string; python?: string; modelFiles?: string[] },
  context: ExecutorContext,
  createClient: (python: string) => BentomlClient,
  /** bento-build imports them in its one BentoML process (BentomlClient.buildBento). */
  { importModels = true } = {},
): Promise<ServiceSetup> {
  const project = await readServiceProject({
    workspaceRoot: context.root,
    projectRoot: projectRootOf(context),
    buildDir: options.buildDir ? resolveOption(options.buildDir, context) : undefined,
    bentofilePath: options.bentofile ? resolveOption(options.bentofile, context) : undefined,
    python: options.python,
    modelFiles: options.modelFiles,
  });
  const bentoml = createClient(project.python);
  const bentomlVersion = await bentoml.version();
  // Nx 24 hashes ignored model files itself through bento-build's includeIgnored inputs.
  const ignoredHashed = hashesIgnoredFiles(context, configuredTargetName(context, 'bento-build'));
  for (const file of ignoredHashed ? [] : await unhashedModelFiles(project.modelFiles, context.root)) {
    logger.warn(
      `${relative(context.root, file)} is ignored by git, so Nx cannot hash it: a retrained model would not rebuild the Bento. ` +
        `Track it with git, or with DVC ("dvc add") so that its .dvc pointer is hashed.`,
    );
  }
  const modelTags: string[] = [];
  for (const modelFile of importModels ? project.modelFiles : []) {
    const { tag, state } = await bentoml.importModel(modelFile);
    modelTags.push(tag);
    logModelImport(context.root, modelFile, tag, state);
  }
  const externalModels = await resolveExternalModels(
    context.root,
    relative(context.root, project.projectDir),
    project.modelFileGlobs,
    project.serviceModels,
  );
  assertExternalModelsAvailable(externalModels, relative(context.root, project.serviceModule));
  for (const line of externalModels.map((entry) => describeResolvedModel(entry)).filter(Boolean)) logger.info(line);
  return { project, bentoml, bentomlVersion, modelTags, externalModels };
}

export function logModelImport(workspaceRoot: string, modelFile: string, tag: string, state: 'imported' | 'present') {
  logger.info(
    `Model ${relative(workspaceRoot, modelFile)} (${tag}): ${state === 'imported' ? 'imported into the BentoML store' : 'already in the store'}`,
  );
}
