import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { argumentDefault, rebaseDockerfile, withoutSyntaxDirective } from '../docker/dockerfile';
import { withLabelInstruction } from '../docker/label-instruction';
import { writeLayerTar } from '../docker/layer-tar';

/** Where the Bento sits in the context containerize builds, and where the model layers sit. */
const bentoDir = 'bento';
const layersDir = 'layers';
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
  /** The layer tar in the context. */
  file: string;
  sizeBytes: number;
  /** Each file's SHA-256, by its path relative to the model's directory, read as the layer was written. */
  files: Array<[path: string, sha256: string]>;
}

export interface ImageContext {
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
 * models resolved into models/ and hf-models/) into the one containerize builds, in place: the
 * Bento moves under bento/, and each model leaves it for a layer tar of its own under layers/,
 * added at the image's root right before the Dockerfile's COPY of the whole Bento. The container
 * sees BentoML's layout; the models sit between the dependencies and the code, so a code change
 * rebuilds and pushes only the code, and the same model gives the same layer in every image.
 */
export async function assembleImageContext(dir: string, options: ImageContextOptions): Promise<ImageContext> {
  const generated = readFileSync(join(dir, options.dockerfile), 'utf8');
  for (const entry of readdirSync(dir)) {
    if (entry === bentoDir) continue;
    mkdirSync(join(dir, bentoDir), { recursive: true });
    renameSync(join(dir, entry), join(dir, bentoDir, entry));
  }
  mkdirSync(join(dir, bentoDir), { recursive: true });
  const bento = join(dir, bentoDir);
  const modelPaths = ['models', 'hf-models'].flatMap((parent) =>
    existsSync(join(bento, parent)) && statSync(join(bento, parent)).isDirectory()
      ? readdirSync(join(bento, parent))
          .sort()
          .filter((name) => statSync(join(bento, parent, name)).isDirectory())
          .map((name) => posix.join(parent, name))
      : [],
  );
  const files = modelPaths.map((path, index) => `${layersDir}/${String(index + 1).padStart(2, '0')}-${path.replace(/\//g, '-')}.tar`);
  // Hugging Face models are in the image: the service reads them at start without asking the hub
  // (which it otherwise does, and which an offline or firewalled cluster cannot answer).
  const offlineHub = modelPaths.some((path) => path.startsWith('hf-models/')) ? ['ENV HF_HUB_OFFLINE=1'] : [];
  const rebased = rebaseDockerfile(generated, bentoDir, [...files.map((file) => `ADD ${file} /`), ...offlineHub]);

  const layers: ModelLayer[] = [];
  if (rebased.copiesWholeContext) {
    const bentoPath = (argumentDefault(generated, 'BENTO_PATH') ?? defaultBentoPath).replace(/^\/+|\/+$/g, '');
    const uid = Number(argumentDefault(generated, 'BENTO_USER_UID') ?? defaultBentoUid);
    const gid = Number(argumentDefault(generated, 'BENTO_USER_GID') ?? uid);
    mkdirSync(join(dir, layersDir), { recursive: true });
    for (const [index, path] of modelPaths.entries()) {
      const file = files[index];
      const parent = posix.dirname(path);
      const fileDigests = await writeLayerTar(
        join(bento, path),
        `${bentoPath}/${path}`,
        layerParents(bentoPath, parent, { uid, gid }),
        { uid, gid },
        join(dir, file),
      );
      rmSync(join(bento, path), { recursive: true, force: true });
      layers.push({ path, file, sizeBytes: statSync(join(dir, file)).size, files: fileDigests });
    }
  }
  let dockerfile = rebased.copiesWholeContext ? rebased.text : rebaseDockerfile(generated, bentoDir, []).text;
  if (options.dropSyntaxDirective) dockerfile = withoutSyntaxDirective(dockerfile);
  if (Object.keys(options.labels).length > 0) dockerfile = withLabelInstruction(dockerfile, options.labels);
  writeFileSync(join(dir, imageDockerfile), dockerfile);
  return { dir, dockerfile: imageDockerfile, layers };
}
