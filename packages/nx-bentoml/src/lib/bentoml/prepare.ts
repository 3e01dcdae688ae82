import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { projectRootOf, resolveOption } from '../executor-context';
import { resolvePython } from '../python';
import { runCommand } from '../process/run-command';
import { type Bentofile, readBentofile } from './bentofile';
import { checkService } from './check-service';
import type { BentomlClient } from './client';
import { findModelFiles } from './model-files';

export const defaultModelFiles = ['**/*.bentomodel'];

export interface PreparedBentoml {
  bentoml: BentomlClient;
  bentofile: Bentofile;
  bentofilePath: string;
  contextDir: string;
  projectDir: string;
  bentomlVersion: string;
  modelFiles: string[];
  /** Tags of the models the project's files hold, now in the store. */
  modelTags: string[];
}

/**
 * What bento-build and serve both need first: a valid bentofile and service, a Python with
 * BentoML, and the project's model files imported into the BentoML store.
 */
export async function prepareBentoml(
  options: { bentofile: string; python?: string; modelFiles?: string[] },
  context: ExecutorContext,
  createClient: (python: string) => BentomlClient,
): Promise<PreparedBentoml> {
  const projectRoot = projectRootOf(context);
  const projectDir = join(context.root, projectRoot);
  const bentofilePath = resolveOption(options.bentofile, context);
  const contextDir = dirname(bentofilePath);
  const bentofile = readBentofile(bentofilePath, relative(context.root, bentofilePath));
  checkService(bentofile, contextDir, context.root);

  const bentoml = createClient(resolvePython(options.python, projectRoot, context.root));
  const bentomlVersion = await bentoml.version();
  const modelFiles = await findModelFiles(projectDir, options.modelFiles ?? defaultModelFiles);
  await warnAboutUnhashedModels(modelFiles, context.root);
  const modelTags: string[] = [];
  for (const modelFile of modelFiles) {
    const { tag, state } = await bentoml.importModel(modelFile);
    modelTags.push(tag);
    logger.info(
      `Model ${relative(context.root, modelFile)} (${tag}): ${state === 'imported' ? 'imported into the BentoML store' : 'already in the store'}`,
    );
  }
  return { bentoml, bentofile, bentofilePath, contextDir, projectDir, bentomlVersion, modelFiles, modelTags };
}

/** Nx hashes only files git does not ignore: an ignored model without a DVC pointer escapes the cache key. */
async function warnAboutUnhashedModels(modelFiles: string[], workspaceRoot: string) {
  if (modelFiles.length === 0) return;
  const result = await runCommand('git', ['check-ignore', ...modelFiles], { cwd: workspaceRoot }).catch(() => undefined);
  // check-ignore prints the ignored paths as given: absolute here.
  const ignored = result?.exitCode === 0 ? result.stdout.split('\n').filter(Boolean) : [];
  for (const file of ignored.filter((path) => !existsSync(`${path}.dvc`))) {
    logger.warn(
      `${relative(workspaceRoot, file)} is ignored by git, so Nx cannot hash it: a retrained model would not rebuild the Bento. ` +
        `Track it with git, or with DVC ("dvc add") so that its .dvc pointer is hashed.`,
    );
  }
}
