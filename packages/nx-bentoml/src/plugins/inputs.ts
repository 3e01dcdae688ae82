import type { Bentofile } from '../lib/bentoml/bentofile';
import { parseServiceReference } from '../lib/bentoml/bentofile';

export interface BentoInputsContext {
  /** Directory of the bentofile relative to the project root ('' when they are the same). */
  contextDir: string;
  /** File name of the bentofile inside contextDir. */
  bentofileName: string;
  bentofile: Bentofile;
  /** Lines of the .bentoignore at the top of the build context, if any. */
  bentoignore: string[];
  modelFiles: string[];
  metricsFile: string;
}

// BentoML always leaves these out of a Bento (BentoPathSpec.extra).
const alwaysExcluded = ['.git/', '.venv/', 'venv/', '__pycache__/'];

/**
 * The Nx inputs of bento-build: exactly what BentoML puts into the Bento plus the model files,
 * params.yaml and Python requirement files, so that nothing else in the project busts the cache.
 */
export function bentoBuildInputs(context: BentoInputsContext): string[] {
  const { bentofile } = context;
  const inContext = (path: string) => joinGlob('{projectRoot}', context.contextDir, path);
  const includes = bentofile.include ?? ['*'];
  const requirementFiles = bentofile.python?.requirements_txt ? [inContext(bentofile.python.requirements_txt)] : [];

  const positive = [
    inContext(context.bentofileName),
    inContext(parseServiceReference(bentofile.service).file),
    ...includes.filter((p) => !p.startsWith('!')).flatMap((p) => gitignoreToGlobs(p, inContext)),
    inContext('**/.bentoignore'),
    ...context.modelFiles.flatMap((glob) => [joinGlob('{projectRoot}', glob), joinGlob('{projectRoot}', `${glob}.dvc`)]),
    '{projectRoot}/dvc.lock',
    '{projectRoot}/params.yaml',
    joinGlob('{projectRoot}', context.metricsFile),
    '{projectRoot}/requirements*.txt',
    ...requirementFiles,
  ];
  const negative = [
    ...includes.filter((p) => p.startsWith('!')).map((p) => p.slice(1)),
    ...(bentofile.exclude ?? []),
    ...context.bentoignore,
    ...alwaysExcluded,
  ].flatMap((p) => gitignoreToGlobs(p, inContext).map((glob) => `!${glob}`));

  return unique([...positive, ...negative]);
}

/**
 * Translates one gitignore-style pattern (BentoML's "gitwildmatch") into Nx globs:
 * a pattern without an inner "/" matches at any depth, and a matched directory brings its contents.
 */
export function gitignoreToGlobs(pattern: string, resolve: (path: string) => string): string[] {
  const trimmed = pattern.trim();
  if (!trimmed || trimmed.startsWith('#')) return [];
  const directoryOnly = trimmed.endsWith('/');
  const body = trimmed.replace(/\/+$/, '');
  const anchored = body.includes('/');
  const path = anchored ? body.replace(/^\/+/, '') : `**/${body}`;
  return directoryOnly ? [resolve(`${path}/**`)] : [resolve(path), resolve(`${path}/**`)];
}

function joinGlob(...parts: string[]) {
  return parts.filter(Boolean).join('/').replace(/\/{2,}/g, '/');
}

function unique(values: string[]) {
  return [...new Set(values)];
}
