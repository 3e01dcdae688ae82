import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelDigest, modelDirectoryDigest } from '../bentoml/bento-archive';
import { type BentomlClient, BuildStageEnvsError } from '../bentoml/client';
import { BuildkitUnavailableError, type DockerClient, type ImageBuilder } from '../docker/client';
import { syntaxFrontend } from '../docker/dockerfile';
import { splitLabels } from '../docker/label-instruction';
import { UserError } from '../errors';
import { processTempDir } from '../process/abandoned-directories';
import { formatBytes } from '../text-table';
import { type ImageContext, type ModelLayer, assembleImageContext } from './image-context';

/** "auto": BuildKit where the engine has it, else the classic builder (reported). */
export type BuilderChoice = 'auto' | ImageBuilder;

export interface BentoImageRequest {
  /** The exported Bento (bento.tar). */
  archive: string;
  /** The Bento's tag, for messages. */
  bentoTag: string;
  builder: BuilderChoice;
  /** A Dockerfile of the Bento's own to build instead of the one BentoML generates (relative to the Bento). */
  dockerfile?: string;
  tags: string[];
  labels: Record<string, string>;
  /** The project's model files: imported when the store lacks a model the Bento packs (a Bento built on another machine). */
  modelFiles: string[];
  /** The digest of each store model bento-build packed, by tag: the store's must match. */
  modelDigests?: Record<string, string>;
}

export interface BuiltImage {
  imageId: string;
  builder: ImageBuilder;
  layers: ModelLayer[];
}

/**
 * Builds the image `bentoml containerize` would build for the Bento, from the context and
 * Dockerfile BentoML generates for the builder used, with each model in a layer of its own
 * (image-context.ts) and the labels in one LABEL instruction.
 */
export async function buildBentoImage(
  request: BentoImageRequest,
  clients: { bentoml: BentomlClient; docker: DockerClient },
  log: (line: string) => void,
): Promise<BuiltImage> {
  // Named after the process: a killed containerize leaves model-sized contexts, which the next one removes.
  const workDir = processTempDir('nx-bentoml-image-');
  try {
    const build = (builder: ImageBuilder) => buildWith(builder, join(workDir, builder), request, clients, log);
    if (request.builder !== 'auto') {
      return await build(request.builder).catch((error: Error) => {
        if (!(error instanceof BuildkitUnavailableError)) throw error;
        throw new UserError(
          `This Docker Engine does not build with BuildKit (${error.message}), and the containerize option "builder" asks for it. ` +
            `Turn BuildKit on in the engine (daemon.json "features": {"buildkit": true}), or set "builder" to "auto" or "classic".`,
        );
      });
    }
    try {
      return await build('buildkit');
    } catch (error) {
      if (!(error instanceof BuildkitUnavailableError)) throw error;
      log(`This Docker Engine does not build with BuildKit (${error.message}); building with the classic builder.`);
      // The BuildKit context holds the models too: not two copies at once.
      rmSync(join(workDir, 'buildkit'), { recursive: true, force: true });
      return await build('classic');
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function buildWith(
  builder: ImageBuilder,
  contextDir: string,
  request: BentoImageRequest,
  { bentoml, docker }: { bentoml: BentomlClient; docker: DockerClient },
  log: (line: string) => void,
): Promise<BuiltImage> {
  const generated = await bentoml
    .buildContext({ archive: request.archive, output: contextDir, buildkit: builder === 'buildkit', modelFiles: request.modelFiles })
    .catch((error: Error) => {
      throw error instanceof BuildStageEnvsError ? buildSecretsError(request.bentoTag, error.names) : error;
    });
  if (generated.modelBytesCopied > 0) {
    log(
      `The models were copied into the build context (${formatBytes(generated.modelBytesCopied)}), not linked: the BentoML store and ${tmpdir()} are on different file systems. ` +
        `Set TMPDIR to a directory on the store's file system to spare the copy.`,
    );
  }
  const dockerfile = request.dockerfile ?? generated.dockerfile;
  const frontend = builder === 'buildkit' ? syntaxFrontend(readFileSync(join(contextDir, dockerfile), 'utf8')) : undefined;
  // The directive's frontend image would be pulled, which offline machines cannot; the engine's own frontend builds the same file.
  const dropSyntaxDirective = frontend !== undefined && !(await docker.inspectImage(frontend));
  const { instruction, parameter } = splitLabels(request.labels);
  const context = assembleImageContext(contextDir, { dockerfile, labels: instruction, dropSyntaxDirective });
  const packed = packedModelCheck(context, request);
  await packed.beforeBuild();
  log(
    `Building with ${builder === 'buildkit' ? 'BuildKit' : 'the classic builder'}` +
      (context.layers.length
        ? `, ${context.layers.map((layer) => `${layer.path} (${formatBytes(layer.tar.sizeBytes)})`).join(', ')} in layers of their own`
        : '') +
      (dropSyntaxDirective ? `, with the engine's built-in Dockerfile frontend instead of ${frontend}` : '') +
      (generated.secrets.size ? `, ${[...generated.secrets.keys()].join(', ')} as BuildKit secrets` : '') +
      '.',
  );
  const imageId = await docker.buildImage(
    {
      dir: context.dir,
      generated: context.layers.map((layer) => ({
        name: layer.file,
        sizeBytes: layer.tar.sizeBytes,
        open: () => layer.tar.stream((files) => packed.inLayer(layer, files)),
      })),
    },
    { dockerfile: context.dockerfile, tags: request.tags, labels: parameter, builder, secrets: generated.secrets },
    log,
  );
  return { imageId, builder, layers: context.layers };
}

/**
 * The store models in the image are the ones bento-build packed: a model changed in the store
 * since would make another image. A model in a layer of its own is checked as its layer streams,
 * from the digests of the bytes sent, and a mismatch ends the upload before the context is whole;
 * a model left in the Bento (no layer of its own) is read before the build.
 */
function packedModelCheck(context: ImageContext, request: BentoImageRequest) {
  const expected = Object.entries(request.modelDigests ?? {}).map(([tag, digest]) => {
    const [name, version] = tag.split(':');
    return { tag, digest, name, version };
  });
  const assertSame = (tag: string, digest: string, actual: string) => {
    if (actual === digest) return;
    throw new UserError(
      `The BentoML store's ${tag} is not the model bento-build packed into ${request.bentoTag}: its files changed since (${digest} then). ` +
        `Build the Bento again (bento-build with --skip-nx-cache) so that its image holds the model it was built with.`,
    );
  };
  return {
    async beforeBuild() {
      for (const { tag, digest, name, version } of expected) {
        if (context.layers.some((layer) => layer.path === `models/${name}`)) continue;
        const dir = join(context.dir, 'bento', 'models', name, version);
        if (existsSync(dir)) assertSame(tag, digest, await modelDirectoryDigest(dir));
      }
    },
    inLayer(layer: ModelLayer, files: Array<[path: string, sha256: string]>) {
      for (const { tag, digest, name, version } of expected) {
        if (layer.path !== `models/${name}`) continue;
        const inVersion = files
          .filter(([path]) => path.startsWith(`${version}/`))
          .map(([path, sha]): [string, string] => [path.slice(version.length + 1), sha]);
        if (inVersion.length) assertSame(tag, digest, modelDigest(inVersion));
      }
    },
  };
}

/** Build-stage environment variables reach a build as BuildKit secrets, which the classic builder has not. */
function buildSecretsError(bentoTag: string, names: string[]): UserError {
  return new UserError(
    `The Bento ${bentoTag} needs the build-stage environment variable${names.length > 1 ? 's' : ''} ${names.join(', ')} (envs with stage: build), which only BuildKit passes to a build, as secrets. ` +
      `This build uses the classic builder: set "builder": "buildkit" (or "auto") in the containerize options on an engine with BuildKit.`,
  );
}
