import { join, relative } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { assertBaseImagePython } from '../../lib/chain/base-image-python';
import { readHandoff, writeHandoff } from '../../lib/chain/handoff-files';
import { assertOwnImageName } from '../../lib/chain/project-images';
import { readSourceInfo } from '../../lib/chain/source-info';
import { type DockerClient, createDockerClient } from '../../lib/docker/client';
import { projectRootOf, resolveOption } from '../shared/executor-context';
import { type BentomlClient, createBentomlClient } from '../../lib/bentoml/client';
import { buildBentoImage } from '../../lib/chain/image-build';
import { findModelFiles } from '../../lib/bentoml/model-files';
import { buildDirOf, defaultModelFiles } from '../../lib/bentoml/service-project';
import { type BentoSources, assertBentoMatchesWorkspace } from '../../lib/chain/bento-check';
import { resolvePython } from '../../lib/python';
import { writeOutputDirectory } from '../../lib/outputs';
import { runExecutor } from '../shared/run-executor';
import { imagePythonCache } from '../../lib/workspace-data';
import { chainTargetOptions, configuredTargetName } from '../shared/configured-targets';
import { imageIdentity } from '../../lib/chain/image-identity';
import { locateImage } from '../../lib/chain/image-location';
import { type RegistryClient, createRegistryClient } from '../../lib/registry/client';
import { pushRegistries } from '../../lib/registry/reference';
import type { DockerPushExecutorSchema } from '../docker-push/schema';
import { pushInThisRun } from '../shared/gated-push';
import { projectIdentity, workspaceImages } from '../shared/project-images';
import type { BentoBuildExecutorSchema } from '../bento-build/schema';
import type { ContainerizeExecutorSchema } from './schema';

export default async function containerizeExecutor(
  options: ContainerizeExecutorSchema,
  context: ExecutorContext,
  docker: DockerClient = createDockerClient(),
  createBentoml: (python: string) => BentomlClient = (python) => createBentomlClient({ python, cwd: context.root }),
  registry: RegistryClient = createRegistryClient(),
) {
  return runExecutor(async () => {
    const bentoPath = resolveOption(options.bentoPath, context);
    const bento = readHandoff('bento', {
      dir: bentoPath,
      workspaceRoot: context.root,
      producer: configuredTargetName(context, 'bento-build'),
    });
    // Before anything else: an image found by this Bento's build key is only as good as the Bento.
    const sources = bentoSources(context);
    const checked = await assertBentoMatchesWorkspace(
      join(bentoPath, bento.archive),
      bento,
      sources,
      `nx run ${context.projectName}:${configuredTargetName(context, 'bento-build')} --skip-nx-cache`,
    );
    if (checked.compared === 0 && checked.notInWorkspace > 0) {
      logger.warn(
        `None of the Bento's src/ files (${checked.notInWorkspace}) is in ${relative(context.root, sources.buildDir) || '.'}, so none could be checked against the workspace. ` +
          `Give containerize's project the bento-build options (buildDir, bentofile) the Bento was built with.`,
      );
    } else {
      logger.info(`${bento.tag} packs the workspace's files as they are (${checked.compared} compared).`);
    }
    const source = await readSourceInfo(context.root);
    const { imageName, tags, labels, buildKey } = imageIdentity(bento, options, source, context.projectName, new Date());

    await docker.ping();
    // One repository per project: checked before anything is built or tagged.
    const owner = await projectIdentity(context);
    await assertOwnImageName({ ours: owner, imageName, tags, workspace: workspaceImages(context), workspaceRoot: context.root }, docker);
    // Reuse rule 2: an image with this build key, in the engine, else in a registry this run pushes to.
    const push = pushInThisRun(context);
    const registries = push ? registriesOf(push.options, imageName, push.target) : [];
    const location = await locateImage({ buildKey, owner, imageName, tags, registries, access: push?.options ?? {} }, { docker, registry });
    const outputPath = resolveOption(options.outputPath, context);
    if (location.where === 'registry') {
      const { repository, digest } = location.image;
      logger.info(`${repository}@${digest} was already built from ${bento.tag} (same build key): nothing to build or pull.`);
      await writeOutputDirectory(outputPath, async (dir) =>
        writeHandoff('image', dir, {
          imageId: location.config,
          imageName,
          tags,
          bentoTag: bento.tag,
          built: false,
          buildKey,
          registryImage: location.image,
        }),
      );
      return { success: true, imageId: location.config };
    }
    let imageId: string;
    if (location.where === 'engine') {
      imageId = location.image.id;
      logger.info(`Image ${shortId(imageId)} was already built from ${bento.tag}; reusing it.`);
    } else {
      if (registries.length) logger.info(`No image built from ${bento.tag} in ${registries.join(', ')}; building it.`);
      await assertBaseImagePython(bento.baseImage, docker, imagePythonCache(context.root));
      logger.info(`Building ${imageName} from ${relative(context.root, join(bentoPath, bento.archive))} (${bento.tag})...`);
      const projectRoot = projectRootOf(context);
      // The interpreter bento-build used, unless containerize names its own.
      const bentoml = createBentoml(
        resolvePython(
          options.python ?? chainTargetOptions<BentoBuildExecutorSchema>(context, 'bento-build').python,
          projectRoot,
          context.root,
        ),
      );
      const bentomlVersion = await bentoml.version();
      if (bentomlVersion !== bento.bentomlVersion) {
        logger.warn(
          `The Bento was built with BentoML ${bento.bentomlVersion}, and containerize generates its Dockerfile with BentoML ${bentomlVersion}: ` +
            `the image may differ from what bentoml containerize ${bento.bentomlVersion} builds. Use the same interpreter for both (the "python" option).`,
        );
      }
      const modelFiles = await findModelFiles(join(context.root, projectRoot), options.modelFiles ?? defaultModelFiles);
      const built = await buildBentoImage(
        {
          archive: join(bentoPath, bento.archive),
          bentoTag: bento.tag,
          builder: options.builder ?? 'auto',
          dockerfile: options.dockerfile,
          tags: [`${imageName}:${tags[0]}`],
          labels,
          modelFiles,
          modelDigests: bento.modelDigests,
        },
        { bentoml, docker },
        (line) => logger.info(line),
      );
      imageId = built.imageId;
    }
    for (const tag of tags) await docker.tagImage(imageId, imageName, tag);

    await writeOutputDirectory(outputPath, async (dir) =>
      writeHandoff('image', dir, { imageId, imageName, tags, bentoTag: bento.tag, built: location.where === 'nowhere', buildKey }),
    );
    logger.info(`Image ${shortId(imageId)} tagged ${tags.map((tag) => `${imageName}:${tag}`).join(', ')}.`);
    return { success: true, imageId };
  });
}

/** Where bento-build took the Bento's files from: its buildDir and bentofile options. */
function bentoSources(context: ExecutorContext): BentoSources {
  const options = chainTargetOptions<BentoBuildExecutorSchema>(context, 'bento-build');
  const bentofilePath = options.bentofile ? resolveOption(options.bentofile, context) : undefined;
  const buildDir = options.buildDir ? resolveOption(options.buildDir, context) : undefined;
  return {
    workspaceRoot: context.root,
    buildDir: buildDirOf({ workspaceRoot: context.root, projectRoot: projectRootOf(context), buildDir, bentofilePath }),
    bentofilePath,
  };
}

/** The registries of this run's push; none when it names none (the push itself then says so). */
function registriesOf(options: DockerPushExecutorSchema, imageName: string, pushTarget: string): string[] {
  try {
    return pushRegistries(options, imageName, pushTarget);
  } catch {
    return [];
  }
}

function shortId(imageId: string) {
  return imageId.replace(/^sha256:/, '').slice(0, 12);
}
