import { rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { copyWithoutModels } from '../../lib/bentoml/bento-archive';
import { stageBuildContext } from '../../lib/bentoml/build-context';
import { checkIncludes } from '../../lib/bentoml/check-includes';
import { type BentomlClient, createBentomlClient } from '../../lib/bentoml/client';
import { huggingFaceCommits } from '../../lib/bentoml/external-models';
import { assertPacksProjectModels, packedModels, unhashedPackedModels } from '../../lib/bentoml/packed-models';
import { bentoBaseImage } from '../../lib/chain/base-image-python';
import { bentoKey, resolveInputSelection } from '../../lib/chain/bento-key';
import { type BentoHandoff, bentoArchiveName, writeHandoff } from '../../lib/chain/handoff-files';
import { readLineage } from '../../lib/chain/lineage';
import { bentoVersionFromHash } from '../../lib/chain/reuse-rules';
import { resolveOption, taskHash } from '../shared/executor-context';
import { writeOutputDirectory } from '../../lib/outputs';
import { defaultMetricsFile } from '../../lib/project-layout';
import { pythonLockCache } from '../../lib/workspace-data';
import { processTempDir } from '../../lib/process/abandoned-directories';
import { runExecutor } from '../shared/run-executor';
import { logModelImport, setUpService } from '../shared/service-setup';
import type { BentoBuildExecutorSchema } from './schema';
import { taskInputSelection } from './task-inputs';

export default async function bentoBuildExecutor(
  options: BentoBuildExecutorSchema,
  context: ExecutorContext,
  createClient: (python: string) => BentomlClient = (python) => createBentomlClient({ python, cwd: context.root }),
) {
  return runExecutor(async () => {
    const { project, bentoml, bentomlVersion, externalModels } = await setUpService(options, context, createClient, {
      importModels: false,
    });
    const { bentofile, bentofilePath, contextDir, projectDir } = project;
    await checkIncludes(bentofile, contextDir, context.root);
    const lineage = readLineage(projectDir, {
      metrics: options.metricsFile ?? defaultMetricsFile,
      models: project.modelFiles.map((file) => relative(projectDir, file)),
    });

    // Reuse rule 1: the same inputs give the same Bento version, which is built once.
    const selection = taskInputSelection(context);
    const modelFiles = project.modelFiles.map((file) => relative(context.root, file));
    const inputsKey =
      selection && (await bentoKey(context.root, await resolveInputSelection(context.root, selection), { options, modelFiles }));
    const version = bentoVersionFromHash(inputsKey?.key ?? taskHash(context));
    for (const file of inputsKey?.notInInputs ?? []) {
      logger.warn(
        `${file} is one of bento-build's model files but not among its inputs, so Nx does not hash it: a retrained model can come back from Nx's cache without a rebuild. ` +
          `Name the modelFiles in the bento-build options of the project's project.json (the plugin then hashes them), or add them to the target's inputs.`,
      );
    }
    const existing = await bentoml.findBentoByVersion(version);
    logger.info(
      existing
        ? `Bento ${existing} already built from these inputs; not rebuilding.`
        : `Building the Bento of ${relative(context.root, bentofilePath ?? contextDir)} with BentoML ${bentomlVersion} (version ${version})...`,
    );

    // Imported, built, described and exported in one BentoML process, outside dist/: an
    // interrupted build leaves nothing there. Exported with its models, kept without them:
    // containerize takes them from the store and the project's model files.
    const exportDir = processTempDir('nx-bentoml-export-');
    try {
      const exported = join(exportDir, 'exported.tar');
      const buildContext = stageBuildContext(bentofile, bentofilePath, contextDir, context.root);
      const built = await bentoml
        .buildBento({
          modelFiles: project.modelFiles,
          contextDir: buildContext.contextDir,
          bentofile: buildContext.bentofilePath,
          sourceBentofile: bentofilePath,
          serviceModule: relative(context.root, project.serviceModule),
          version,
          exportTo: exported,
          lockCache: pythonLockCache(context.root),
          baseImage: options.baseImage,
          huggingFaceCommits: huggingFaceCommits(externalModels),
        })
        .finally(() => buildContext.dispose());
      for (const model of built.models) logModelImport(context.root, model.file, model.tag, model.state);
      if (built.lockReused) {
        logger.info(
          `Python packages: the lock resolved before for these same requirements, kept in ${relative(context.root, pythonLockCache(context.root))} (nx reset resolves them again).`,
        );
      }
      if (built.built) logger.info(`Built Bento ${built.tag}.`);
      const modelTags = built.models.map((model) => model.tag);
      const models = packedModels(built.info);
      const serviceModule = relative(context.root, project.serviceModule);
      if (models.length === 0)
        logger.warn(`The Bento ${built.tag} packs no model; ${serviceModule} declares none with bentoml.models.BentoModel.`);
      assertPacksProjectModels(built.tag, models, modelTags, serviceModule);
      for (const model of unhashedPackedModels(models, modelTags, project.serviceModels)) {
        logger.warn(
          `The Bento ${built.tag} packs ${model}, which ${relative(context.root, project.serviceModule)} does not name as a literal ` +
            `(bentoml.models.BentoModel("name:version")) and no project file holds: Nx cannot see it, so retraining it will not rebuild the Bento. ` +
            `Name it literally in the service module, or export it into the project.`,
        );
      }

      const outputPath = resolveOption(options.outputPath, context);
      const handoff = await writeOutputDirectory(outputPath, async (tempDir) => {
        const modelDigests = await copyWithoutModels(exported, join(tempDir, bentoArchiveName));
        const bento: BentoHandoff = {
          tag: built.tag,
          name: built.info.name,
          version: built.info.version,
          models,
          modelDigests,
          bentomlVersion,
          archive: bentoArchiveName,
          sizeBytes: statSync(join(tempDir, bentoArchiveName)).size,
          lineage,
          baseImage: bentoBaseImage(built.info, relative(context.root, bentofilePath ?? contextDir)),
          // What the image's signed provenance lists as the Bento's inputs.
          ...(inputsKey ? { inputs: { files: inputsKey.files, huggingFaceCommits: huggingFaceCommits(externalModels) } } : {}),
        };
        writeHandoff('bento', tempDir, bento);
        return bento;
      });
      logger.info(`Exported ${handoff.tag} (models: ${handoff.models.join(', ') || 'none'}) to ${relative(context.root, outputPath)}.`);
      return { success: true, tag: handoff.tag };
    } finally {
      rmSync(exportDir, { recursive: true, force: true });
    }
  });
}
