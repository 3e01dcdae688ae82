import { type Tree, addProjectConfiguration, logger } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { InspectPython, PythonInspection } from '../../lib/python-distributions';
import { captureLogger } from '../../testing/logger';
import { useTempDir } from '../../testing/temp-dir';
import { type BentofileGeneratorDeps, bentofileGenerator as runGenerator } from './generator';
import { detectServiceClass } from './detect-service';
import { parsePyproject } from './pyproject';
import type { BentofileGeneratorSchema } from './schema';

const stdlib = ['__future__', 'json', 'os', 'pathlib', 'typing'];

/** A fake interpreter: `installed` maps import names to [distribution, version]. */
function fakePython(installed: Record<string, [string, string][]> = {}, pythonVersion = '3.11'): jest.MockedFunction<InspectPython> {
  return jest.fn(async (_python: string, modules: string[]) => {
    const answer: PythonInspection['modules'] = {};
    for (const module of modules) {
      const top = module.split('.')[0];
      answer[module] = stdlib.includes(top)
        ? { stdlib: true }
        : { distributions: (installed[top] ?? []).map(([name, version]) => ({ name, version })) };
    }
    return { pythonVersion, modules: answer };
  });
}

let deps: BentofileGeneratorDeps;
const bentofileGenerator = (tree: Tree, schema: BentofileGeneratorSchema) => runGenerator(tree, schema, deps);

const handWrittenServe = `import bentoml

@bentoml.service(
    resources={"cpu": "1"},
)
class CelestialBodiesClassifierService:
    pass
`;

describe('bentofile generator', () => {
  let tree: Tree;
  captureLogger();
  beforeEach(() => {
    deps = { inspectPython: fakePython(), readModelArchives: jest.fn(async () => ({})), findProjectRoot: jest.fn(async () => undefined) };
    tree = createTreeWithEmptyWorkspace();
    addProjectConfiguration(tree, 'celestial', { root: 'apps/celestial' });
    tree.write('apps/celestial/src/serve.py', handWrittenServe);
  });

  it('writes src/bentofile.yaml with the service detected from serve.py', async () => {
    await bentofileGenerator(tree, {
      skipFormat: true,
      project: 'celestial',
      pythonPackages: ['tensorflow==2.17.1'],
      pythonVersion: '3.12',
    });
    expect(parse(tree.read('apps/celestial/src/bentofile.yaml', 'utf-8')!)).toEqual({
      service: 'serve:CelestialBodiesClassifierService',
      include: ['serve.py'],
      python: { packages: ['tensorflow==2.17.1'] },
      docker: { python_version: '3.12' },
    });
  });

  it('writes the bentofile at the project root when serve.py is there', async () => {
    addProjectConfiguration(tree, 'flat', { root: 'apps/flat' });
    tree.write('apps/flat/serve.py', handWrittenServe);
    await bentofileGenerator(tree, { skipFormat: true, project: 'flat', baseImage: 'local/python:3.11' });
    expect(parse(tree.read('apps/flat/bentofile.yaml', 'utf-8')!).docker).toEqual({
      python_version: '3.11',
      base_image: 'local/python:3.11',
    });
  });

  it('refuses to overwrite an existing bentofile without --force', async () => {
    tree.write('apps/celestial/src/bentofile.yaml', 'service: "serve:Old"\n');
    await expect(bentofileGenerator(tree, { skipFormat: true, project: 'celestial' })).rejects.toThrow(
      'apps/celestial/src/bentofile.yaml already exists. Edit it, or run again with --force to replace it.',
    );
    expect(tree.read('apps/celestial/src/bentofile.yaml', 'utf-8')).toBe('service: "serve:Old"\n');
    await bentofileGenerator(tree, { skipFormat: true, project: 'celestial', force: true });
    expect(tree.read('apps/celestial/src/bentofile.yaml', 'utf-8')).toContain('CelestialBodiesClassifierService');
  });

  it('explains what to pass when no service class can be found', async () => {
    tree.write('apps/celestial/src/serve.py', 'print("no service here")\n');
    await expect(bentofileGenerator(tree, { skipFormat: true, project: 'celestial' })).rejects.toThrow(
      'No @bentoml.service class found in apps/celestial/src/serve.py',
    );
  });

  it('rejects an unknown project and a service module that does not exist', async () => {
    await expect(bentofileGenerator(tree, { skipFormat: true, project: 'nope' })).rejects.toThrow('Cannot find a project named "nope"');
    await expect(bentofileGenerator(tree, { skipFormat: true, project: 'celestial', service: 'api:Svc' })).rejects.toThrow(
      'The service module apps/celestial/src/api.py does not exist',
    );
  });

  it('registers the plugin', async () => {
    await bentofileGenerator(tree, { skipFormat: true, project: 'celestial' });
    expect(tree.read('nx.json', 'utf-8')).toContain('"plugin": "nx-bentoml"');
  });
});

describe('bentofile generator on real projects', () => {
  let tree: Tree;
  captureLogger();
  const imageService = `from __future__ import annotations
import json, os
from pathlib import Path

import bentoml
import numpy as np
from PIL import Image
import dvc.api  # the training pipeline's parameters

from .labels import LABELS
from preprocessing import normalise


@bentoml.service
class ImageClassifier:
    @bentoml.api
    def classify(self, image: Image.Image) -> str:
        return LABELS[int(np.argmax(normalise(image)))]
`;
  const installed: Record<string, [string, string][]> = {
    numpy: [['numpy', '2.1.3']],
    PIL: [['pillow', '11.0.0']],
    dvc: [['dvc', '3.59.1']],
    bentoml: [['bentoml', '1.4.39']],
    sklearn: [['scikit-learn', '1.9.1']],
  };
  beforeEach(() => {
    deps = {
      inspectPython: fakePython(installed, '3.12'),
      readModelArchives: jest.fn(async () => ({})),
      findProjectRoot: jest.fn(async () => undefined),
    };
    tree = createTreeWithEmptyWorkspace();
    tree.write('models/vision/service.py', imageService);
    tree.write('models/vision/labels.py', 'LABELS = ["cat", "dog"]\n');
    tree.write('models/vision/preprocessing/__init__.py', 'from .scale import normalise\n');
    tree.write('models/vision/preprocessing/scale.py', 'import numpy as np\nfrom sklearn.preprocessing import minmax_scale as normalise\n');
    tree.write('models/vision/train.py', 'import mlflow\n');
  });
  const bentofile = () => parse(tree.read('models/vision/bentofile.yaml', 'utf-8')!);

  it('works with --directory alone on a directory that is no project, detecting service.py', async () => {
    await bentofileGenerator(tree, { skipFormat: true, directory: 'models/vision' });
    expect(bentofile()).toEqual({
      service: 'service:ImageClassifier',
      include: ['labels.py', 'preprocessing/__init__.py', 'preprocessing/scale.py', 'service.py'],
      python: { packages: ['numpy==2.1.3', 'pillow==11.0.0', 'scikit-learn==1.9.1'] },
      docker: { python_version: '3.12' },
    });
    expect(deps.inspectPython).toHaveBeenCalledWith('python3', [
      'PIL',
      '__future__',
      'bentoml',
      'dvc.api',
      'json',
      'numpy',
      'os',
      'pathlib',
      'sklearn.preprocessing',
    ]);
    expect(logger.info).toHaveBeenCalledWith('nx-bentoml: left out training-only packages: dvc.');
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('pins the versions the requirements files and pyproject.toml declare', async () => {
    tree.write('models/vision/requirements.txt', '# serving\nPillow>=10,<12  # any recent\n-r requirements-train.txt\n');
    tree.write('models/vision/requirements-train.txt', 'numpy==1.26.4\npillow==9.0.0\ndvc==3.0.0\n');
    tree.write('models/vision/pyproject.toml', '[project]\nname = "vision"\ndependencies = ["scikit-learn~=1.9.0"]\n');
    await bentofileGenerator(tree, { skipFormat: true, directory: 'models/vision' });
    expect(bentofile().python.packages).toEqual(['Pillow>=10,<12', 'numpy==1.26.4', 'scikit-learn~=1.9.0']);
  });

  it('finds a project Nx infers (package.json, other plugins) through the project graph', async () => {
    deps.findProjectRoot = jest.fn(async (name: string) => (name === 'vision' ? 'models/vision' : undefined));
    await bentofileGenerator(tree, { skipFormat: true, project: 'vision' });
    expect(deps.findProjectRoot).toHaveBeenCalledWith('vision');
    expect(bentofile().service).toBe('service:ImageClassifier');
  });

  it('asks the interpreter --python names', async () => {
    await bentofileGenerator(tree, { skipFormat: true, directory: 'models/vision', python: '/opt/py/bin/python' });
    expect(deps.inspectPython).toHaveBeenCalledWith('/opt/py/bin/python', expect.any(Array));
  });

  it('warns about imports no distribution provides and when it found no packages', async () => {
    deps.inspectPython = fakePython({}, '3.11');
    await bentofileGenerator(tree, { skipFormat: true, directory: 'models/vision' });
    expect(bentofile().python).toBeUndefined();
    const warnings = (logger.warn as jest.Mock).mock.calls.map(([message]) => message).join('\n');
    expect(warnings).toContain('no installed distribution provides "PIL" (imported by service.py or its local modules)');
    expect(warnings).toContain('no installed distribution provides "numpy"');
    expect(warnings).not.toContain('"dvc"');
    expect(warnings).toContain('found no python packages the service imports');
  });

  it('falls back to the declared requirements and the default Python when no interpreter answers', async () => {
    deps.inspectPython = jest.fn(async () => {
      throw new Error('Cannot run "python3": it was not found.');
    });
    tree.write('models/vision/requirements.txt', 'numpy==2.0.0\n');
    await bentofileGenerator(tree, { skipFormat: true, directory: 'models/vision' });
    expect(bentofile().python.packages).toEqual(['numpy==2.0.0']);
    expect(bentofile().docker.python_version).toBe('3.11');
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('cannot ask python3 which distributions provide'));
  });

  it('asks for --project or --directory and rejects directories that do not exist', async () => {
    await expect(bentofileGenerator(tree, { skipFormat: true })).rejects.toThrow('Pass --project=<name>');
    await expect(bentofileGenerator(tree, { skipFormat: true, directory: 'models/nope' })).rejects.toThrow(
      'The directory models/nope does not exist. --directory is relative to the workspace root',
    );
    await expect(bentofileGenerator(tree, { skipFormat: true, directory: '../elsewhere' })).rejects.toThrow('is outside the workspace');
  });

  describe('--format=pyproject', () => {
    const pyproject = () => parsePyproject(tree.read('models/vision/pyproject.toml', 'utf-8')!, 'pyproject.toml');

    it('creates pyproject.toml with [tool.bentoml.build]', async () => {
      await bentofileGenerator(tree, { skipFormat: true, directory: 'models/vision', format: 'pyproject' });
      expect(pyproject()).toEqual({ tool: { bentoml: { build: bentofile_like() } } });
      expect(tree.exists('models/vision/bentofile.yaml')).toBe(false);
    });

    it('adds the table to an existing file, keeping the rest and leaving [project].dependencies to BentoML', async () => {
      const existing =
        '# the vision service\n[project]\nname = "vision"\ndependencies = ["numpy>=2", "dvc"]\n\n[tool.ruff]\nline-length = 120\n';
      tree.write('models/vision/pyproject.toml', existing);
      await bentofileGenerator(tree, { skipFormat: true, directory: 'models/vision', format: 'pyproject' });
      const text = tree.read('models/vision/pyproject.toml', 'utf-8')!;
      expect(text.startsWith(existing.trimEnd())).toBe(true);
      expect(pyproject().tool).toEqual({
        ruff: { 'line-length': 120 },
        bentoml: { build: bentofile_like(['pillow==11.0.0', 'scikit-learn==1.9.1']) },
      });
      expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('lists "dvc" in [project].dependencies'));
    });

    it('refuses to replace an existing table without --force', async () => {
      const existing =
        '[project]\nname = "vision"\n\n[tool.bentoml.build]\nservice = "service:Old"\n\n[tool.bentoml.build.docker]\npython_version = "3.10"\n\n[tool.ruff]\nline-length = 120\n';
      tree.write('models/vision/pyproject.toml', existing);
      const schema = { skipFormat: true, directory: 'models/vision', format: 'pyproject' as const };
      await expect(bentofileGenerator(tree, schema)).rejects.toThrow(
        'models/vision/pyproject.toml already has a [tool.bentoml.build] table. Edit it, or run again with --force to replace it.',
      );
      await bentofileGenerator(tree, { ...schema, force: true });
      expect(pyproject()).toEqual({
        project: { name: 'vision' },
        tool: { ruff: { 'line-length': 120 }, bentoml: { build: bentofile_like() } },
      });
    });

    it('reports malformed TOML with its location and refuses when bentofile.yaml would shadow the table', async () => {
      tree.write('models/vision/pyproject.toml', '[project\nname = "vision"\n');
      await expect(bentofileGenerator(tree, { skipFormat: true, directory: 'models/vision', format: 'pyproject' })).rejects.toThrow(
        /^models\/vision\/pyproject.toml:1:\d+: invalid TOML: /,
      );
      tree.write('models/vision/bentofile.yaml', 'service: "service:ImageClassifier"\n');
      await expect(bentofileGenerator(tree, { skipFormat: true, directory: 'models/vision', format: 'pyproject' })).rejects.toThrow(
        'models/vision/bentofile.yaml exists, and BentoML reads it before pyproject.toml',
      );
    });
  });

  function bentofile_like(packages = ['numpy==2.1.3', 'pillow==11.0.0', 'scikit-learn==1.9.1']) {
    return {
      service: 'service:ImageClassifier',
      include: ['labels.py', 'preprocessing/__init__.py', 'preprocessing/scale.py', 'service.py'],
      python: { packages },
      docker: { python_version: '3.12' },
    };
  }
});

describe('detectServiceClass', () => {
  it('finds a class under a bare @service decorator with others in between', () => {
    expect(detectServiceClass('from bentoml import service\n\n@service\n@other\nclass Svc:\n  pass\n')).toBe('Svc');
    expect(detectServiceClass('class Plain:\n  pass\n')).toBeUndefined();
  });
});

/** The seed guide's TensorFlow project: serve.py loads its model with bentoml.keras and never imports tensorflow. */
const kerasServe = `from __future__ import annotations
from pathlib import Path

import bentoml
import numpy as np
from PIL.Image import Image


@bentoml.service(name="celestial_bodies_classifier")
class CelestialBodiesClassifierService:
    bento_model = bentoml.keras.get("celestial_bodies_classifier_model")

    def __init__(self) -> None:
        self.preprocess = self.bento_model.custom_objects["preprocess"]
        self.postprocess = self.bento_model.custom_objects["postprocess"]
        self.model = self.bento_model.load_model()

    @bentoml.api()
    def predict(self, image: Image) -> str:
        return self.postprocess(self.model.predict(self.preprocess(np.asarray(image))))
`;

/** A model.yaml as bentoml.keras.save_model writes it (ModelInfo.dump). */
const kerasModelYaml = (version: string) => `name: celestial_bodies_classifier_model
version: ${version}
module: bentoml.keras
labels: {}
options: {}
metadata: {}
context:
  framework_name: keras
  framework_versions:
    tensorflow: 2.17.1
  bentoml_version: 1.4.39
  python_version: 3.12.7
signatures:
  predict:
    batchable: false
api_version: v1
creation_time: '2026-11-30T10:00:00.000000+00:00'
`;

describe("bentofile generator: the packages a service's models need", () => {
  const home = useTempDir('nx-bentoml-home-');
  let tree: Tree;
  let bentomlHome: string | undefined;
  captureLogger();
  const installed: Record<string, [string, string][]> = {
    numpy: [['numpy', '1.26.4']],
    PIL: [['pillow', '11.0.0']],
    tensorflow: [['tensorflow', '2.18.0']],
    sklearn: [['scikit-learn', '1.9.1']],
  };
  beforeEach(() => {
    bentomlHome = process.env['BENTOML_HOME'];
    process.env['BENTOML_HOME'] = home.dir;
    deps = {
      inspectPython: fakePython(installed, '3.12'),
      readModelArchives: jest.fn(async () => ({})),
      findProjectRoot: jest.fn(async () => undefined),
    };
    tree = createTreeWithEmptyWorkspace();
    addProjectConfiguration(tree, 'celestial', { root: 'apps/celestial' });
    tree.write('apps/celestial/src/serve.py', kerasServe);
  });
  afterEach(() => {
    if (bentomlHome === undefined) delete process.env['BENTOML_HOME'];
    else process.env['BENTOML_HOME'] = bentomlHome;
  });
  const packages = () => parse(tree.read('apps/celestial/src/bentofile.yaml', 'utf-8')!).python.packages;

  it('lists tensorflow at the version the model in the BentoML store records, for a service that loads it with bentoml.keras', async () => {
    // BentoML's store layout: models/<name>/<version>/model.yaml, and "latest" naming the version.
    home.write('models/celestial_bodies_classifier_model/latest', 'q3xvpkbvqwcjs7ag');
    home.write('models/celestial_bodies_classifier_model/q3xvpkbvqwcjs7ag/model.yaml', kerasModelYaml('q3xvpkbvqwcjs7ag'));
    home.write('models/celestial_bodies_classifier_model/q3xvpkbvqwcjs7ag/saved_model.keras', 'weights');
    await bentofileGenerator(tree, { skipFormat: true, project: 'celestial' });
    // The model's tensorflow (2.17.1), not the installed one (2.18.0).
    expect(packages()).toEqual(['numpy==1.26.4', 'pillow==11.0.0', 'tensorflow==2.17.1']);
    expect(logger.info).toHaveBeenCalledWith(
      'nx-bentoml: added tensorflow==2.17.1 for the model celestial_bodies_classifier_model:q3xvpkbvqwcjs7ag (bentoml.keras), which serve.py loads without importing tensorflow.',
    );
    expect(deps.inspectPython).toHaveBeenCalledWith('python3', ['PIL.Image', '__future__', 'bentoml', 'numpy', 'pathlib', 'tensorflow']);
  });

  it("reads the model from the project's exported model file before the store, as bento-build imports it", async () => {
    home.write('models/celestial_bodies_classifier_model/latest', 'old');
    home.write(
      'models/celestial_bodies_classifier_model/old/model.yaml',
      kerasModelYaml('old').replace('tensorflow: 2.17.1', 'tensorflow: 2.15.0'),
    );
    tree.write('apps/celestial/model/classifier.bentomodel', 'xz archive');
    tree.write('apps/celestial/node_modules/x/other.bentomodel', 'not searched');
    const archive = join(tree.root, 'apps/celestial/model/classifier.bentomodel');
    deps.readModelArchives = jest.fn(async () => ({ [archive]: kerasModelYaml('q3xvpkbvqwcjs7ag') }));
    await bentofileGenerator(tree, { skipFormat: true, project: 'celestial' });
    expect(deps.readModelArchives).toHaveBeenCalledWith('python3', [archive]);
    expect(packages()).toContain('tensorflow==2.17.1');
  });

  it('pins the framework of a bentoml.<framework> call whose model is nowhere here as installed, and keeps a declared requirement', async () => {
    tree.write(
      'apps/celestial/src/serve.py',
      'import bentoml\n\n@bentoml.service\nclass S:\n    model = bentoml.sklearn.load_model("iris:latest")\n',
    );
    await bentofileGenerator(tree, { skipFormat: true, project: 'celestial' });
    expect(packages()).toEqual(['scikit-learn==1.9.1']);

    tree.write('apps/celestial/requirements.txt', 'scikit-learn>=1.5\n');
    await bentofileGenerator(tree, { skipFormat: true, project: 'celestial', force: true });
    expect(packages()).toEqual(['scikit-learn>=1.5']);
  });

  it("warns when a declared pin is not the model's version, and keeps the declaration", async () => {
    home.write('models/celestial_bodies_classifier_model/latest', 'v1');
    home.write('models/celestial_bodies_classifier_model/v1/model.yaml', kerasModelYaml('v1'));
    tree.write('apps/celestial/requirements.txt', 'tensorflow==2.16.2\n');
    await bentofileGenerator(tree, { skipFormat: true, project: 'celestial' });
    expect(packages()).toContain('tensorflow==2.16.2');
    expect(logger.warn).toHaveBeenCalledWith(
      'nx-bentoml: apps/celestial/requirements.txt declares "tensorflow==2.16.2", but the model celestial_bodies_classifier_model:v1 (bentoml.keras) ' +
        'was saved with tensorflow 2.17.1: the declaration is kept; make sure the model loads with it.',
    );
  });
});
