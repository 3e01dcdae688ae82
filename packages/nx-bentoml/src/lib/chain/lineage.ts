import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parse } from 'yaml';
import { dvcPointerOf } from '../bentoml/model-files';
import { UserError } from '../errors';
import { lineageFiles } from '../project-layout';

/** What the image should tell about how its model was made: hyperparameters, metrics, data version. */
export interface Lineage {
  params?: { sha256: string; values: Record<string, string> };
  metrics?: Record<string, string>;
  /** DVC md5 of each model file, by path relative to the project. */
  dvc?: Record<string, string>;
}

// Labels travel in every image config; keep them small.
const maxValues = 40;
const maxValueLength = 120;

export function readLineage(projectDir: string, files: { metrics: string; models: string[] }): Lineage {
  const lineage: Lineage = {};
  const paramsPath = join(projectDir, lineageFiles.params);
  if (existsSync(paramsPath)) {
    const text = readFileSync(paramsPath, 'utf8');
    lineage.params = {
      sha256: createHash('sha256').update(text).digest('hex'),
      values: flatten(parseFile(() => parse(text), lineageFiles.params)),
    };
  }
  const metricsPath = join(projectDir, files.metrics);
  if (existsSync(metricsPath)) lineage.metrics = flatten(parseFile(() => JSON.parse(readFileSync(metricsPath, 'utf8')), files.metrics));
  const dvc = Object.fromEntries(
    files.models.flatMap((model) => {
      const md5 = dvcHash(projectDir, model);
      return md5 ? [[model, md5]] : [];
    }),
  );
  if (Object.keys(dvc).length > 0) lineage.dvc = dvc;
  return lineage;
}

/** {train: {c: 1}} -> {"train.c": "1"}, at most 40 values of at most 120 characters. */
export function flatten(value: unknown, prefix = '', into: Record<string, string> = {}): Record<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, into);
  } else if (prefix && Object.keys(into).length < maxValues) {
    into[prefix] = (typeof value === 'string' ? value : JSON.stringify(value)).slice(0, maxValueLength);
  }
  return into;
}

/** The md5 DVC recorded for a model: from its .dvc pointer, else from dvc.lock in the project. */
function dvcHash(projectDir: string, model: string): string | undefined {
  const pointer = dvcPointerOf(model);
  if (existsSync(join(projectDir, pointer))) {
    return outsHash(parseFile(() => parse(readFileSync(join(projectDir, pointer), 'utf8')), pointer)?.outs, () => true);
  }
  const lockFile = join(projectDir, lineageFiles.dvcLock);
  if (!existsSync(lockFile)) return undefined;
  const lock = parseFile(() => parse(readFileSync(lockFile, 'utf8')), lineageFiles.dvcLock);
  const target = relative(dirname(lockFile), join(projectDir, model));
  for (const stage of Object.values<{ outs?: unknown }>(lock?.stages ?? {})) {
    const md5 = outsHash(stage.outs, (path) => path === target);
    if (md5) return md5;
  }
  return undefined;
}

function outsHash(outs: unknown, matches: (path: string) => boolean): string | undefined {
  if (!Array.isArray(outs)) return undefined;
  const out = outs.find((entry) => typeof entry?.path === 'string' && matches(entry.path));
  return out?.md5 ?? out?.hash;
}

function parseFile<T>(read: () => T, name: string): T {
  try {
    return read();
  } catch (error) {
    throw new UserError(`Cannot read ${name} for the image's lineage labels: ${(error as Error).message.split('\n')[0]}. Fix the file.`);
  }
}
