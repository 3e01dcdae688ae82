import { join, relative } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { assertBaseImagePython } from '../../lib/chain/base-image-python';
import { readHandoff, writeHandoff } from '../../lib/chain/handoff-files';
import { buildKeyLabel, imageLabels } from '../../lib/chain/image-labels';
import { readSourceInfo } from '../../lib/chain/source-info';
import { type DockerClient, createDockerClient } from '../../lib/docker/client';
import { resolveOption } from '../../lib/executor-context';
import { defaultTagTemplates, renderTags } from '../../lib/docker/tag-templates';
import { assertImageName, toImageName } from '../../lib/names';
import { writeOutputDirectory } from '../../lib/outputs';
import { runExecutor } from '../../lib/run-executor';
import { configuredTargetName } from '../configured-targets';
import type { ContainerizeExecutorSchema } from './schema';

export default async function containerizeExecutor(
  options: ContainerizeExecutorSchema,
  context: ExecutorContext,
  docker: DockerClient = createDockerClient(),
) {
  return runExecutor(async () => {
    const bentoPath = resolveOption(options.bentoPath, context);
    const bento = readHandoff('bento', {
      dir: bentoPath,
      workspaceRoot: context.root,
      producer: configuredTargetName(context, 'bento-build'),
    });
    const imageName = options.imageName ?? toImageName(bento.name);
    assertImageName(imageName);
    const dockerfile = options.dockerfile ?? 'env/docker/Dockerfile';
    const source = await readSourceInfo(context.root);
    const now = new Date();
    const tags = renderTags(options.tags?.length ? options.tags : defaultTagTemplates, {
      bentoVersion: bento.version,
      gitSha: source.revision,
      branch: source.branch,
      now,
    });

    await docker.ping();
    const labels = imageLabels(bento, dockerfile, source, options.labels, now);
    // Reuse rule 2: an image with the same build key has the same content.
    const existing = await docker.findImageByLabel(buildKeyLabel, labels[buildKeyLabel]);
    let imageId: string;
    if (existing) {
      imageId = existing.id;
      logger.info(`Image ${shortId(imageId)} was already built from ${bento.tag}; reusing it.`);
    } else {
      await assertBaseImagePython(bento.baseImage, docker);
      logger.info(`Building ${imageName} from ${relative(context.root, join(bentoPath, bento.archive))} (${bento.tag})...`);
      imageId = await docker.buildImage(join(bentoPath, bento.archive), { dockerfile, tags: [`${imageName}:${tags[0]}`], labels }, (line) =>
        logger.info(line),
      );
    }
    for (const tag of tags) await docker.tagImage(imageId, imageName, tag);

    await writeOutputDirectory(resolveOption(options.outputPath, context), async (dir) =>
      writeHandoff('image', dir, { imageId, imageName, tags, bentoTag: bento.tag, built: !existing }),
    );
    logger.info(`Image ${shortId(imageId)} tagged ${tags.map((tag) => `${imageName}:${tag}`).join(', ')}.`);
    return { success: true, imageId };
  });
}

function shortId(imageId: string) {
  return imageId.replace(/^sha256:/, '').slice(0, 12);
}
