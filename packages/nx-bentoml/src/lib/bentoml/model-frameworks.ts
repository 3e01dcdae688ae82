import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type PythonSource, readPythonSource } from '../python-source';
import { normalisePackageName } from '../runtime-packages';

/**
 * BentoML's framework modules (bentoml.<name>, as BentoML 1.4 names them), each with the Python
 * module it loads a model with and the distribution that provides it: what the image needs for
 * `bentoml.keras.load_model(...)` although the service never imports tensorflow. save_model
 * records the same distributions, with their versions, in the model's model.yaml.
 */
export const frameworkModules: Record<string, { module: string; distribution: string }> = {
  catboost: { module: 'catboost', distribution: 'catboost' },
  detectron: { module: 'detectron2', distribution: 'detectron2' },
  diffusers: { module: 'diffusers', distribution: 'diffusers' },
  easyocr: { module: 'easyocr', distribution: 'easyocr' },
  fastai: { module: 'fastai', distribution: 'fastai' },
  flax: { module: 'flax', distribution: 'flax' },
  keras: { module: 'tensorflow', distribution: 'tensorflow' },
  lightgbm: { module: 'lightgbm', distribution: 'lightgbm' },
  mlflow: { module: 'mlflow', distribution: 'mlflow' },
  onnx: { module: 'onnx', distribution: 'onnx' },
  picklable_model: { module: 'cloudpickle', distribution: 'cloudpickle' },
  pytorch: { module: 'torch', distribution: 'torch' },
  pytorch_lightning: { module: 'pytorch_lightning', distribution: 'pytorch-lightning' },
  sklearn: { module: 'sklearn', distribution: 'scikit-learn' },
  tensorflow: { module: 'tensorflow', distribution: 'tensorflow' },
  torchscript: { module: 'torch', distribution: 'torch' },
  transformers: { module: 'transformers', distribution: 'transformers' },
  xgboost: { module: 'xgboost', distribution: 'xgboost' },
};

/** The framework modules a service's code calls: `bentoml.keras.load_model(...)` is "keras". */
export function frameworksCalled(source: string | PythonSource): string[] {
  const names = [...readPythonSource(source).code.matchAll(/\bbentoml\.(\w+)\s*\./g)].map((match) => match[1]);
  return [...new Set(names.filter((name) => name in frameworkModules))].sort();
}

/** What a BentoML model's model.yaml records about what loading it needs. */
export interface RecordedModel {
  name: string;
  version: string;
  /** The BentoML module that saved it, e.g. "bentoml.keras" ('' for bentoml.models.create). */
  module: string;
  /** context.framework_versions: distribution -> version, e.g. { tensorflow: "2.17.1" }. */
  frameworkVersions: Record<string, string>;
}

/** model.yaml's text as BentoML writes it (ModelInfo.dump); undefined when it is not one. */
export function parseModelYaml(text: string): RecordedModel | undefined {
  let data: unknown;
  try {
    data = parse(text);
  } catch {
    return undefined;
  }
  const info = data as { name?: unknown; version?: unknown; module?: unknown; context?: { framework_versions?: unknown } } | null;
  if (!info || typeof info.name !== 'string') return undefined;
  const versions = info.context?.framework_versions;
  return {
    name: info.name.toLowerCase(),
    version: String(info.version ?? ''),
    module: typeof info.module === 'string' ? info.module : '',
    frameworkVersions:
      versions && typeof versions === 'object'
        ? Object.fromEntries(
            Object.entries(versions)
              .filter(([, version]) => typeof version === 'string' || typeof version === 'number')
              .map(([name, version]) => [name, String(version)]),
          )
        : {},
  };
}

/**
 * A store model's model.yaml in BentoML's store layout: <BENTOML_HOME>/models/<name>/<version>/model.yaml,
 * "latest" being a file that names the version. Undefined when the store lacks it.
 */
export function storeModelYaml(bentomlHome: string, name: string, version: string): string | undefined {
  const modelDir = join(bentomlHome, 'models', name.toLowerCase());
  const resolved = version === 'latest' ? readText(join(modelDir, 'latest'))?.trim() : version;
  return resolved ? readText(join(modelDir, resolved, 'model.yaml')) : undefined;
}

function readText(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** A distribution a service's models need at run time, and why. */
export interface ModelPackage {
  /** Normalised distribution name, e.g. "tensorflow". */
  name: string;
  /** The version the model records, without a local label ("2.5.1+cpu" is "2.5.1"); '' when none is recorded. */
  version: string;
  /** The module to ask the interpreter about for the installed version. */
  module: string;
  /** e.g. 'the model celestial:abc (bentoml.keras)' or 'bentoml.keras calls'. */
  reason: string;
}

/**
 * The distributions a service's models need: what each model records (context.framework_versions,
 * else its BentoML module's distribution), and the distribution of each framework module the code
 * calls (`frameworks`, e.g. "keras") that no recorded model accounts for.
 */
export function modelPackages(models: RecordedModel[], frameworks: string[]): ModelPackage[] {
  const found = new Map<string, ModelPackage>();
  const moduleOf = (distribution: string) =>
    Object.values(frameworkModules).find((framework) => framework.distribution === distribution)?.module ?? distribution.replace(/-/g, '_');
  for (const model of models) {
    const framework = frameworkModules[model.module.replace(/^bentoml\./, '')];
    const recorded = Object.entries(model.frameworkVersions);
    const needs = recorded.length ? recorded : framework ? [[framework.distribution, '']] : [];
    for (const [distribution, version] of needs) {
      const name = normalisePackageName(distribution);
      const reason = `the model ${model.name}:${model.version}${model.module ? ` (${model.module})` : ''}`;
      if (!found.get(name)?.version) found.set(name, { name, version: version.split('+')[0], module: moduleOf(name), reason });
    }
  }
  for (const called of frameworks) {
    const { module, distribution } = frameworkModules[called];
    if (!found.has(distribution)) found.set(distribution, { name: distribution, version: '', module, reason: `bentoml.${called} calls` });
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Reads the model.yaml of exported models (.bentomodel files); the one boundary to Python here, faked in unit specs. */
export type ReadModelArchives = (python: string, archives: string[]) => Promise<Record<string, string>>;

/**
 * Runs python/model_archive.py: a .bentomodel is a tar archive, xz-compressed by default, which
 * Node cannot read without a dependency and Python's tarfile can. Archives it cannot read are left out.
 */
export const readModelArchives: ReadModelArchives = async (python, archives) => {
  if (archives.length === 0) return {};
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(python, [join(__dirname, 'python', 'model_archive.py'), ...archives], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', (error) => reject(new Error(`${python} could not be started: ${error.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${python} could not read the model files: ${err.trim().split('\n').pop()}`)),
    );
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, string>;
};
