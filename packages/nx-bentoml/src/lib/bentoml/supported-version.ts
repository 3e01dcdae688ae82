import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors';

/**
 * The BentoML versions the plugin supports, as package.json states them ("nx-bentoml".bentoml):
 * its Python programs patch BentoML internals (shutil.copytree in construct_containerfile,
 * subprocess.check_call around `uv pip compile`, bentoml._internal.*) as those versions have them.
 */
export const supportedBentoml: string = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8'))['nx-bentoml'].bentoml;

/** A version's release numbers ("1.4.39.post1" → [1, 4, 39]), compared part by part, missing parts 0. */
function release(version: string): number[] {
  return (/^v?(\d+(?:\.\d+)*)/.exec(version.trim())?.[1] ?? '').split('.').filter(Boolean).map(Number);
}

function compare(a: number[], b: number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

/** Whether `version` meets every comparator of `range` (">=1.4.20 <1.5.0": space-separated, >= > <= < ==). */
export function inRange(version: string, range: string): boolean {
  const found = release(version);
  if (found.length === 0) return false;
  return range
    .trim()
    .split(/\s+/)
    .every((comparator) => {
      const [, operator, bound] = /^(>=|<=|>|<|==)?(.+)$/.exec(comparator) ?? [];
      const order = compare(found, release(bound ?? ''));
      if (operator === '>=') return order >= 0;
      if (operator === '>') return order > 0;
      if (operator === '<=') return order <= 0;
      if (operator === '<') return order < 0;
      return order === 0;
    });
}

/** Refuses a BentoML outside the supported range, naming the version found and what to install. */
export function assertSupportedBentoml(version: string, python: string, range = supportedBentoml): void {
  if (inRange(version, range)) return;
  const specifier = range.trim().split(/\s+/).join(',');
  throw new UserError(
    `BentoML ${version} (installed for ${python}) is not a version nx-bentoml supports (${range}): its build steps rely on BentoML internals as those versions have them. ` +
      `Install a supported one ("${python} -m pip install 'bentoml${specifier}'"), or point the "python" option at an interpreter that has one.`,
  );
}
