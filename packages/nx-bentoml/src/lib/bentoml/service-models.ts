import type { Bentofile } from './bentofile';

/** A model a service asks the BentoML store for: "iris:latest", "iris" or "iris:v3". */
export interface StoreModelReference {
  name: string;
  /** "latest" when the service gives none: BentoML resolves it in the store. */
  version: string;
}

/** A model a service takes from the Hugging Face hub: bentoml.models.HuggingFaceModel("org/name", revision=...). */
export interface HuggingFaceModelReference {
  repository: string;
  /** "main" when the service gives none, as BentoML's default. */
  revision: string;
}

export interface ServiceModels {
  store: StoreModelReference[];
  huggingFace: HuggingFaceModelReference[];
}

const literal = String.raw`(["'])((?:(?!\1)[^\\\n])+)\1`;
// BentoModel("iris:latest"), bentoml.models.get("iris"), bentoml.sklearn.get / load_model("iris:v3").
const storeCall = new RegExp(
  String.raw`(?:\bBentoModel|\bbentoml\.models\.get|\bbentoml\.\w+\.(?:get|load_model))\s*\(\s*(?:tag\s*=\s*)?${literal}`,
  'g',
);
const huggingFaceCall = /\bHuggingFaceModel\s*\(([^)]*)\)/g;

/**
 * The models a service module names, read from its text: the project graph cannot run Python.
 * Only literal names count; a name computed at run time is invisible here (bento-build reports
 * the models the Bento really packs).
 */
export function modelsOfService(module: string): ServiceModels {
  const source = withoutCommentsAndDocstrings(module);
  const store = new Map<string, StoreModelReference>();
  for (const match of source.matchAll(storeCall)) addStoreModel(store, match[2]);
  const huggingFace = new Map<string, HuggingFaceModelReference>();
  for (const match of source.matchAll(huggingFaceCall)) {
    const argumentsText = match[1];
    const positional = [...argumentsText.matchAll(new RegExp(String.raw`(?:^|,)\s*${literal}`, 'g'))].map((found) => found[2]);
    const named = (key: string) => new RegExp(String.raw`\b${key}\s*=\s*${literal}`).exec(argumentsText)?.[2];
    const repository = named('model_id') ?? positional[0];
    if (!repository) continue;
    const revision = named('revision') ?? (named('model_id') ? undefined : positional[1]) ?? 'main';
    huggingFace.set(`${repository}@${revision}`, { repository, revision });
  }
  return { store: [...store.values()], huggingFace: [...huggingFace.values()] };
}

/** The models a service names in its module and its build config lists (`models: ["iris:latest", {tag: ...}]`), once each. */
export function modelsNamedBy(serviceSource: string, config: Bentofile): ServiceModels {
  const named = modelsOfService(serviceSource);
  const store = new Map(named.store.map((model) => [`${model.name}:${model.version}`, model]));
  for (const entry of config.models ?? []) addStoreModel(store, typeof entry === 'string' ? entry : entry.tag);
  return { store: [...store.values()], huggingFace: named.huggingFace };
}

function addStoreModel(store: Map<string, StoreModelReference>, tag: string) {
  const [name, version = 'latest'] = tag.trim().toLowerCase().split(':');
  if (name) store.set(`${name}:${version || 'latest'}`, { name, version: version || 'latest' });
}

/** Python source without # comments and triple-quoted strings: a model named there is not asked for. */
function withoutCommentsAndDocstrings(source: string): string {
  let code = '';
  let index = 0;
  while (index < source.length) {
    const char = source[index];
    const triple = source.startsWith('"""', index) ? '"""' : source.startsWith("'''", index) ? "'''" : '';
    if (triple) {
      const end = source.indexOf(triple, index + 3);
      index = end < 0 ? source.length : end + 3;
      code += '""';
    } else if (char === '"' || char === "'") {
      // A one-line string, copied whole: a "#" inside it is no comment.
      let end = index + 1;
      while (end < source.length && source[end] !== char && source[end] !== '\n') end += source[end] === '\\' ? 2 : 1;
      code += source.slice(index, end + 1);
      index = end + 1;
    } else if (char === '#') {
      const end = source.indexOf('\n', index);
      index = end < 0 ? source.length : end;
    } else {
      code += char;
      index++;
    }
  }
  return code;
}
