import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { argumentDefault, rebaseDockerfile, withoutSyntaxDirective } from '../docker/dockerfile';
import { withLabelInstruction } from '../docker/label-instruction';
import { type LayerTar, layerTar } from '../docker/layer-tar';

/** The directory sent as the context, the Bento's place in it, and where the model layers sit in it. */
const contextDir = 'nx-bentoml-context';
const bentoDir = 'bento';
const layersDir = 'layers';
/** Where the models wait, outside the context, to be streamed into their layers. */
const modelSourcesDir = 'nx-bentoml-models';
export const imageDockerfile = 'Dockerfile.nx-bentoml';

/**
 * The directories above a model in the image, from the root down: /home is root's, the user's
 * home and everything below it the Bento user's, as BentoML's Dockerfile makes them.
 */
function layerParents(bentoPath: string, modelsDir: string, user: { uid: number; gid: number }) {
  const segments = [...bentoPath.split('/'), modelsDir];
  return segments.map((_, index) => ({
    path: segments.slice(0, index + 1).join('/'),
    ...(index === 0 ? { uid: 0, gid: 0 } : user),
  }));
}

/** BentoML's defaults, for a Dockerfile template that does not declare them. */
const defaultBentoPath = '/home/bentoml/bento';
const defaultBentoUid = 1034;

export interface ModelLayer {
  /** "models/iris" or "hf-models/models--org--name": the model's directory in the Bento. */
  path: string;
  /** The layer tar's path in the context, generated as the context is sent. */
  file: string;
  /** The layer tar, read from the model's directory as it streams. */
  tar: LayerTar;
}

export interface ImageContext {
  /** The directory sent as the context: the Bento under bento/ and the Dockerfile. */
  dir: string;
  dockerfile: string;
  /** One per model, in the order they are added; empty when the Dockerfile has no whole-Bento COPY to put them before. */
  layers: ModelLayer[];
}

export interface ImageContextOptions {
  /** The Dockerfile BentoML generated, relative to the context. */
  dockerfile: string;
  /** Labels for one LABEL instruction at the end. */
  labels: Record<string, string>;
  /** Drop the `# syntax=` directive: the frontend image it names is not in the engine (and cannot be pulled). */
  dropSyntaxDirective: boolean;
}

/**
 * Turns the build context BentoML wrote for `bentoml containerize` (its Dockerfile, the Bento, the
 * models resolved into models/ and hf-models/) into the one containerize builds: the Bento moves
 * under bento/ in the directory sent, and each model leaves it for a layer tar of its own, layers/NN-….tar,
 * generated from the model's files as the context is sent and added at the image's root right
 * before the Dockerfile's COPY of the whole Bento. The container sees BentoML's layout; the models
 * sit between the dependencies and the code, so a code change rebuilds and pushes only the code,
 * and the same model gives the same layer in every image. Nothing here copies a model's bytes.
 */
export function assembleImageContext(dir: string, options: ImageContextOptions): ImageContext {
  const generated = readFileSync(join(dir, options.dockerfile), 'utf8');
  const context = join(dir, contextDir);
  const bento = join(context, bentoDir);
  mkdirSync(bento, { recursive: true });
  for (const entry of readdirSync(dir)) {
    if (entry !== contextDir) renameSync(join(dir, entry), join(bento, entry));
  }
  const modelPaths = ['models', 'hf-models'].flatMap((parent) =>
    existsSync(join(bento, parent)) && statSync(join(bento, parent)).isDirectory()
      ? readdirSync(join(bento, parent))
          .sort()
          .filter((name) => statSync(join(bento, parent, name)).isDirectory())
          .map((name) => posix.join(parent, name))
      : [],
  );
  const names = modelPaths.map((path, index) => `${String(index + 1).padStart(2, '0')}-${path.replace(/\//g, '-')}`);
  const files = names.map((name) => `${layersDir}/${name}.tar`);
  // Hugging Face models are in the image: the service reads them at start without asking the hub
  // (which it otherwise does, and which an offline or firewalled cluster cannot answer).
  const offlineHub = modelPaths.some((path) => path.startsWith('hf-models/')) ? ['ENV HF_HUB_OFFLINE=1'] : [];
  const rebased = rebaseDockerfile(generated, bentoDir, [...files.map((file) => `ADD ${file} /`), ...offlineHub]);

  const layers: ModelLayer[] = [];
  if (rebased.copiesWholeContext) {
    const bentoPath = (argumentDefault(generated, 'BENTO_PATH') ?? defaultBentoPath).replace(/^\/+|\/+$/g, '');
    const uid = Number(argumentDefault(generated, 'BENTO_USER_UID') ?? defaultBentoUid);
    const gid = Number(argumentDefault(generated, 'BENTO_USER_GID') ?? uid);
    mkdirSync(join(dir, modelSourcesDir), { recursive: true });
    for (const [index, path] of modelPaths.entries()) {
      // Out of the context, a rename: its bytes are read once, into the layer, as the context is sent.
      const sourceDir = join(dir, modelSourcesDir, names[index]);
      renameSync(join(bento, path), sourceDir);
      const tar = layerTar({
        sourceDir,
        imagePath: `${bentoPath}/${path}`,
        parents: layerParents(bentoPath, posix.dirname(path), { uid, gid }),
        ownership: { uid, gid },
      });
      layers.push({ path, file: files[index], tar });
    }
  }
  let dockerfile = rebased.copiesWholeContext ? rebased.text : rebaseDockerfile(generated, bentoDir, []).text;
  if (options.dropSyntaxDirective) dockerfile = withoutSyntaxDirective(dockerfile);
  if (Object.keys(options.labels).length > 0) dockerfile = withLabelInstruction(dockerfile, options.labels);
  writeFileSync(join(context, imageDockerfile), dockerfile);
  return { dir: context, dockerfile: imageDockerfile, layers };
}
