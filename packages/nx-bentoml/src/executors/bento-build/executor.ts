import { statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { bentoVersionFromHash } from '../../lib/bentoml/bento-version';
import { stageBuildContext } from '../../lib/bentoml/build-context';
import { checkIncludes } from '../../lib/bentoml/check-includes';
import { type BentoInfo, type BentomlClient, createBentomlClient } from '../../lib/bentoml/client';
import { defaultMetricsFile, readLineage } from '../../lib/bentoml/lineage';
import { type BentoManifest, bentoArchiveName, writeBentoManifest } from '../../lib/bentoml/manifest';
import { prepareBentoml } from '../../lib/bentoml/prepare';
import { UserError } from '../../lib/errors';
import { resolveOption, taskHash } from '../../lib/executor-context';
import { writeOutputDirectory } from '../../lib/outputs';
import { runExecutor } from '../../lib/run-executor';
import type { BentoBuildExecutorSchema } from './schema';

export default async function bentoBuildExecutor(
  options: BentoBuildExecutorSchema,
  context: ExecutorContext,
  createClient: (python: string) => BentomlClient = (python) => createBentomlClient({ python, cwd: context.root }),
) {
  return runExecutor(async () => {
    const { bentoml, bentofile, bentofilePath, contextDir, projectDir, bentomlVersion, modelFiles, modelTags } = await prepareBentoml(
      options,
      context,
      createClient,
    );
    await checkIncludes(bentofile, contextDir, context.root);
    const lineage = readLineage(projectDir, {
      params: 'params.yaml',
      metrics: options.metricsFile ?? defaultMetricsFile,
      models: modelFiles.map((file) => relative(projectDir, file)),
    });

    const version = bentoVersionFromHash(taskHash(context));
    let tag = await bentoml.findBentoByVersion(version);
    if (tag) {
      logger.info(`Bento ${tag} already built from these inputs; not rebuilding.`);
    } else {
      logger.info(`Building the Bento of ${relative(context.root, bentofilePath)} with BentoML ${bentomlVersion} (version ${version})...`);
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
    assertPacksProjectModels(builtTag, models, modelTags);

    const outputPath = resolveOption(options.outputPath, context);
    const manifest = await writeOutputDirectory(outputPath, async (tempDir) => {
      await bentoml.exportBento(builtTag, join(tempDir, bentoArchiveName));
      const bento: BentoManifest = {
        tag: builtTag,
        name: info.name,
        version: info.version,
        models,
        bentomlVersion,
        archive: bentoArchiveName,
        sizeBytes: statSync(join(tempDir, bentoArchiveName)).size,
        lineage,
      };
      writeBentoManifest(tempDir, bento);
      return bento;
    });
    logger.info(`Exported ${manifest.tag} (models: ${manifest.models.join(', ') || 'none'}) to ${relative(context.root, outputPath)}.`);
    return { success: true, tag: manifest.tag };
  });
}

function packedModels(info: BentoInfo): string[] {
  const models = [...info.models, ...info.services.flatMap((service) => service.models)].map((model) => model.tag);
  if (models.length === 0)
    logger.warn(`The Bento ${info.name}:${info.version} packs no model; serve.py declares none with bentoml.models.BentoModel.`);
  return [...new Set(models)];
}

/**
 * serve.py usually asks for "<model>:latest", which BentoML resolves in its store, not from the
 * project's file: after checking out an older model the store may still hold a newer one.
 * A Bento that packs another version of a model than the project's file is refused.
 */
function assertPacksProjectModels(bentoTag: string, packed: string[], fromFiles: string[]) {
  for (const packedTag of packed) {
    const [name] = packedTag.split(':');
    const expected = fromFiles.find((tag) => tag.split(':')[0] === name);
    if (expected && expected !== packedTag) {
      throw new UserError(
        `The Bento ${bentoTag} packs ${packedTag}, but the project's model file holds ${expected}: serve.py resolved ${name} from the BentoML store, ` +
          `where another version is the latest. Remove it ("bentoml models delete ${packedTag}") or pin ${expected} in serve.py, then run again.`,
      );
    }
  }
}
