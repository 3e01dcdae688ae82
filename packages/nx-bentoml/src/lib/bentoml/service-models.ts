import { type PythonSource, pythonCalls, readPythonSource } from '../python-source';
import type { BuildConfig } from './build-config-schema';

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

// BentoModel("iris:latest"), bentoml.models.get("iris"), bentoml.sklearn.get / load_model("iris:v3").
const storeCall = /(?:\bBentoModel|\bbentoml\.models\.get|\bbentoml\.\w+\.(?:get|load_model))\b/;
const huggingFaceCall = /\bHuggingFaceModel\b/;

/**
 * The models a service module names, read from its text: the project graph cannot run Python.
 * Only literal names count; a name computed at run time is invisible here (bento-build reports
 * the models the Bento really packs).
 */
export function modelsOfService(module: string | PythonSource): ServiceModels {
  const source = readPythonSource(module);
  const store = new Map<string, StoreModelReference>();
  for (const { positional, named } of pythonCalls(source, storeCall)) {
    const tag = 'tag' in named ? named['tag'] : positional[0];
    if (tag) addStoreModel(store, tag);
  }
  const huggingFace = new Map<string, HuggingFaceModelReference>();
  for (const { positional, named } of pythonCalls(source, huggingFaceCall)) {
    const repository = named['model_id'] ?? positional[0];
    if (!repository) continue;
    const revision = named['revision'] ?? ('model_id' in named ? undefined : positional[1]) ?? 'main';
    huggingFace.set(`${repository}@${revision}`, { repository, revision });
  }
  return { store: [...store.values()], huggingFace: [...huggingFace.values()] };
}

/** The models a service names in its module and its build config lists (`models: ["iris:latest", {tag: ...}]`), once each. */
export function modelsNamedBy(serviceSource: string | PythonSource, config: BuildConfig): ServiceModels {
  const named = modelsOfService(serviceSource);
  const store = new Map(named.store.map((model) => [`${model.name}:${model.version}`, model]));
  for (const entry of config.models ?? []) addStoreModel(store, typeof entry === 'string' ? entry : entry.tag);
  return { store: [...store.values()], huggingFace: named.huggingFace };
}

function addStoreModel(store: Map<string, StoreModelReference>, tag: string) {
  const [name, version = 'latest'] = tag.trim().toLowerCase().split(':');
  if (name) store.set(`${name}:${version || 'latest'}`, { name, version: version || 'latest' });
}
