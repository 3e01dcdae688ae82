import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DockerClient } from '../docker/client';
import type { ImagePython } from '../docker/python-probe';
import { UserError } from '../errors';
import type { BentoBaseImage } from './handoff-files';

/**
 * The base image and Python version of a Bento, from `bentoml get -o json`, after BentoML's
 * defaults (no docker.base_image gives "python:<python_version>-slim"; no python_version, the
 * Python that built the Bento). Bentos of spec 2 (BentoML 1.4) keep them under `image`, older
 * ones under `docker`; undefined when the Bento records neither.
 */
export function bentoBaseImage(info: Record<string, unknown>, buildConfig: string): BentoBaseImage | undefined {
  for (const section of [info.image, info.docker]) {
    const { base_image: image, python_version: pythonVersion } = (section ?? {}) as Record<string, unknown>;
    if (typeof image === 'string' && image && pythonVersion !== undefined && pythonVersion !== null && `${pythonVersion}`) {
      return { image, pythonVersion: `${pythonVersion}`, buildConfig };
    }
  }
  return undefined;
}

/**
 * Refuses, before the image build, a docker.python_version the base image does not have: BentoML's
 * Dockerfile runs `uv venv --python <python_version>`, and uv then downloads that Python (from
 * GitHub) during the build: slow, and impossible offline. A base image the engine does not hold,
 * or that cannot tell its Python, is no refusal: the build says what is wrong with it.
 */
export async function assertBaseImagePython(
  base: BentoBaseImage | undefined,
  docker: Pick<DockerClient, 'imagePython' | 'inspectImage'>,
  /** Where the answers are kept by image id (Nx's workspace data): a base image is asked once, not on every build. */
  cacheDir?: string,
): Promise<void> {
  if (!base) return;
  const python = cacheDir ? await cachedImagePython(base.image, docker, cacheDir) : await docker.imagePython(base.image);
  if (!python || offers(python, base.pythonVersion)) return;
  const imageMinor = minor(python.version);
  const others = python.onPath.filter((version) => version !== imageMinor);
  throw new UserError(
    `${base.buildConfig} asks for Python ${base.pythonVersion} (docker.python_version), but the base image ${base.image} has Python ${python.version}` +
      `${others.length ? ` (and ${others.map((version) => `python${version}`).join(', ')})` : ''}: ` +
      `uv would download Python ${base.pythonVersion} during the image build, which is slow, and fails offline. ` +
      `Set docker.python_version to "${imageMinor}" in ${base.buildConfig}, or choose a docker.base_image with Python ${base.pythonVersion}.`,
  );
}

/** uv finds the version as python3 or as a python3.X on PATH; "3.11" matches 3.11.2, "3.11.2" only that release. */
function offers(python: ImagePython, wanted: string): boolean {
  const parts = wanted.split('.');
  if (python.version.split('.').slice(0, parts.length).join('.') === wanted) return true;
  // Another python3.X on PATH tells no patch release: a wanted patch release is given the benefit of
  // the doubt. python3.X of python3's own minor version is python3, whose release is known.
  const wantedMinor = parts.slice(0, 2).join('.');
  return wantedMinor !== minor(python.version) && python.onPath.includes(wantedMinor);
}

function minor(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

/**
 * The Python of an image, kept by image id: an id names the image's content, so its answer never
 * changes. Only answers are kept (an image that cannot tell is asked again).
 */
async function cachedImagePython(
  image: string,
  docker: Pick<DockerClient, 'imagePython' | 'inspectImage'>,
  cacheDir: string,
): Promise<ImagePython | undefined> {
  const held = await docker.inspectImage(image);
  if (!held) return undefined;
  const file = join(cacheDir, `${held.id.replace(/^sha256:/, '')}.json`);
  const kept = readKept(file);
  if (kept) return kept;
  const python = await docker.imagePython(held.id);
  if (python) keep(file, python);
  return python;
}

/** Written whole or not at all (another task may read it meanwhile); a cache that cannot be written only costs the next probe. */
function keep(file: string, python: ImagePython) {
  const partial = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(partial, JSON.stringify(python));
    renameSync(partial, file);
  } catch {
    rmSync(partial, { force: true });
  }
}

function readKept(file: string): ImagePython | undefined {
  try {
    const kept = JSON.parse(readFileSync(file, 'utf8'));
    const valid =
      typeof kept?.version === 'string' && Array.isArray(kept.onPath) && kept.onPath.every((v: unknown) => typeof v === 'string');
    return valid ? { version: kept.version, onPath: kept.onPath } : undefined;
  } catch {
    return undefined;
  }
}
