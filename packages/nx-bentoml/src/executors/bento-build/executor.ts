import { statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { readBentofile } from '../../lib/bentoml/bentofile';
import { bentoVersionFromHash } from '../../lib/bentoml/bento-version';
import { checkService } from '../../lib/bentoml/check-service';
import { type BentomlClient, createBentomlClient } from '../../lib/bentoml/client';
import { readLineage } from '../../lib/bentoml/lineage';
import { findModelFiles } from '../../lib/bentoml/model-files';
import { type BentoManifest, bentoArchiveName, bentoManifestName } from '../../lib/bentoml/manifest';
import { writeOutputDirectory } from '../../lib/outputs';
import { resolvePython } from '../../lib/python';
import { runExecutor } from '../../lib/run-executor';
import { projectRootOf, resolveOption, taskHash } from '../../lib/executor-context';
import type { BentoBuildExecutorSchema } from './schema';

export default async function bentoBuildExecutor(
  options: BentoBuildExecutorSchema,
  context: ExecutorContext,
  createClient: (python: string) => BentomlClient = (python) => createBentomlClient({ python, cwd: context.root }),
) {
  return runExecutor(async () => {
    const projectRoot = projectRootOf(context);
    const bentofilePath = resolveOption(options.bentofile, context);
    const outputPath = resolveOption(options.outputPath, context);
    const contextDir = dirname(bentofilePath);

    const bentofile = readBentofile(bentofilePath, relative(context.root, bentofilePath));
    checkService(bentofile, contextDir, context.root);
    const bentoml = createClient(resolvePython(options.python, projectRoot, context.root));
    const bentomlVersion = await bentoml.version();

    const projectDir = join(context.root, projectRoot);
    const modelFiles = await findModelFiles(projectDir, options.modelFiles ?? ['**/*.bentomodel']);
    const lineage = readLineage(projectDir, {
      params: 'params.yaml',
      metrics: options.metricsFile ?? 'evaluation/metrics.json',
      models: modelFiles.map((file) => relative(projectDir, file)),
    });
    for (const modelFile of modelFiles) {
      const state = await bentoml.importModel(modelFile);
      logger.info(`Model ${relative(context.root, modelFile)}: ${state === 'imported' ? 'imported into the BentoML store' : 'already in the store'}`);
    }

    const version = bentoVersionFromHash(taskHash(context));
    let tag = await bentoml.findBentoByVersion(version);
    if (tag) {
      logger.info(`Bento ${tag} already built from these inputs; not rebuilding.`);
    } else {
      logger.info(`Building the Bento of ${relative(context.root, bentofilePath)} with BentoML ${bentomlVersion} (version ${version})...`);
      tag = await bentoml.build({ contextDir, bentofile: bentofilePath, version });
      logger.info(`Built Bento ${tag}.`);
    }
    const builtTag = tag;

    const manifest = await writeOutputDirectory(outputPath, async (tempDir) => {
      await bentoml.exportBento(builtTag, join(tempDir, bentoArchiveName));
      const info = await bentoml.getBento(builtTag);
      const models = [...info.models, ...info.services.flatMap((service) => service.models)].map((model) => model.tag);
      if (models.length === 0) logger.warn(`The Bento ${builtTag} references no model; serve.py declares none with bentoml.models.BentoModel.`);
      const bento: BentoManifest = {
        tag: builtTag,
        name: info.name,
        version: info.version,
        models: [...new Set(models)],
        bentomlVersion,
        archive: bentoArchiveName,
        sizeBytes: statSync(join(tempDir, bentoArchiveName)).size,
        lineage,
      };
      writeFileSync(join(tempDir, bentoManifestName), `${JSON.stringify(bento, null, 2)}\n`);
      return bento;
    });
    logger.info(`Exported ${manifest.tag} (models: ${manifest.models.join(', ') || 'none'}) to ${relative(context.root, outputPath)}.`);
    return { success: true, tag: manifest.tag };
  });
}

