import { rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { copyWithoutModels } from '../../lib/bentoml/bento-archive';
import { stageBuildContext } from '../../lib/bentoml/build-context';
import { checkIncludes } from '../../lib/bentoml/check-includes';
import { type BentomlClient, createBentomlClient } from '../../lib/bentoml/client';
import { assertPacksProjectModels, packedModels, unhashedPackedModels } from '../../lib/bentoml/packed-models';
import { bentoBaseImage } from '../../lib/chain/base-image-python';
import { type BentoHandoff, bentoArchiveName, writeHandoff } from '../../lib/chain/handoff-files';
import { defaultMetricsFile, readLineage } from '../../lib/chain/lineage';
import { bentoVersionFromHash } from '../../lib/chain/reuse-rules';
import { resolveOption, taskHash } from '../../lib/executor-context';
import { writeOutputDirectory } from '../../lib/outputs';
import { runExecutor } from '../../lib/run-executor';
import { bentoInputsKey } from '../bento-inputs-key';
import { setUpService } from '../service-setup';
import type { BentoBuildExecutorSchema } from './schema';

export default async function bentoBuildExecutor(
  options: BentoBuildExecutorSchema,
  context: ExecutorContext,
  createClient: (python: string) => BentomlClient = (python) => createBentomlClient({ python, cwd: context.root }),
) {
  return runExecutor(async () => {
    const { project, bentoml, bentomlVersion, modelTags } = await setUpService(options, context, createClient);
    const { bentofile, bentofilePath, contextDir, projectDir } = project;
    await checkIncludes(bentofile, contextDir, context.root);
    const lineage = readLineage(projectDir, {
      metrics: options.metricsFile ?? defaultMetricsFile,
      models: project.modelFiles.map((file) => relative(projectDir, file)),
    });

    // Reuse rule 1: the same inputs give the same Bento version, which is built once.
    const version = bentoVersionFromHash((await bentoInputsKey(context, options)) ?? taskHash(context));
    let tag = await bentoml.findBentoByVersion(version);
    if (tag) {
      logger.info(`Bento ${tag} already built from these inputs; not rebuilding.`);
    } else {
      logger.info(
        `Building the Bento of ${relative(context.root, bentofilePath ?? contextDir)} with BentoML ${bentomlVersion} (version ${version})...`,
      );
      const buildContext = stageBuildContext(bentofile, bentofilePath, contextDir, context.root);
      try {
        tag = await bentoml.build({
          contextDir: buildContext.contextDir,
          bentofile: buildContext.bentofilePath,
          version,
          sourceBentofile: bentofilePath,
        });
      } finally {
        buildContext.dispose();
      }
      logger.info(`Built Bento ${tag}.`);
    }
    const builtTag = tag;
    const info = await bentoml.getBento(builtTag);
    const models = packedModels(info);
    if (models.length === 0) logger.warn(`The Bento ${builtTag} packs no model; serve.py declares none with bentoml.models.BentoModel.`);
    assertPacksProjectModels(builtTag, models, modelTags);
    for (const model of unhashedPackedModels(models, modelTags, project.serviceModels)) {
      logger.warn(
        `The Bento ${builtTag} packs ${model}, which ${relative(context.root, project.serviceModule)} does not name as a literal ` +
          `(bentoml.models.BentoModel("name:version")) and no project file holds: Nx cannot see it, so retraining it will not rebuild the Bento. ` +
          `Name it literally in the service module, or export it into the project.`,
      );
    }

    const outputPath = resolveOption(options.outputPath, context);
    const handoff = await writeOutputDirectory(outputPath, async (tempDir) => {
      // Exported with its models, kept without them: containerize takes them from the store and the project's model files.
      const exported = join(tempDir, 'exported.tar');
      await bentoml.exportBento(builtTag, exported);
      const modelDigests = await copyWithoutModels(exported, join(tempDir, bentoArchiveName));
      rmSync(exported);
      const bento: BentoHandoff = {
        tag: builtTag,
        name: info.name,
        version: info.version,
        models,
        modelDigests,
        bentomlVersion,
        archive: bentoArchiveName,
        sizeBytes: statSync(join(tempDir, bentoArchiveName)).size,
        lineage,
        baseImage: bentoBaseImage(info, relative(context.root, bentofilePath ?? contextDir)),
      };
      writeHandoff('bento', tempDir, bento);
      return bento;
    });
    logger.info(`Exported ${handoff.tag} (models: ${handoff.models.join(', ') || 'none'}) to ${relative(context.root, outputPath)}.`);
    return { success: true, tag: handoff.tag };
  });
}
