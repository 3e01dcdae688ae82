import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cleanEnv } from './run';

/**
 * Entries of a BentoML store that BentoML cannot load: a Bento directory without bento.yaml or a
 * model directory without model.yaml, as an interrupted or racing write would leave them.
 * ("latest" files name the newest version and are not entries.)
 */
export function incompleteStoreEntries(bentomlHome: string): string[] {
  const incomplete: string[] = [];
  for (const [kind, marker] of [
    ['bentos', 'bento.yaml'],
    ['models', 'model.yaml'],
  ] as const) {
    for (const name of listDirs(join(bentomlHome, kind))) {
      for (const version of listDirs(join(bentomlHome, kind, name))) {
        if (!existsSync(join(bentomlHome, kind, name, version, marker))) incomplete.push(`${kind}/${name}/${version}`);
      }
    }
  }
  return incomplete;
}

function listDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((entry) => statSync(join(dir, entry)).isDirectory());
}

/** `bentoml <args> -o json` against a given store; throws with BentoML's output when it fails. */
export function bentomlJson<T>(python: string, bentomlHome: string, args: string[]): T {
  // Rich colours JSON whenever FORCE_COLOR is set, even to 0.
  const { FORCE_COLOR: _forceColor, ...env } = cleanEnv({ BENTOML_HOME: bentomlHome, BENTOML_DO_NOT_TRACK: 'true', NO_COLOR: '1' });
  const result = spawnSync(python, ['-m', 'bentoml', ...args, '-o', 'json'], { env, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`bentoml ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr}\n${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}

/** The Bento tags of a store, each loaded once more with `bentoml get`: a store that lists and loads every Bento is consistent. */
export function loadAllBentos(python: string, bentomlHome: string): string[] {
  const tags = bentomlJson<Array<{ tag: string }>>(python, bentomlHome, ['list']).map((bento) => bento.tag);
  for (const tag of tags) bentomlJson(python, bentomlHome, ['get', tag]);
  bentomlJson(python, bentomlHome, ['models', 'list']);
  return tags.sort();
}
