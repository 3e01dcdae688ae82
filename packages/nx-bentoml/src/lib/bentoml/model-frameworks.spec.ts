import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { testPython } from '../../testing/python';
import { useTempDir } from '../../testing/temp-dir';
import { type RecordedModel, frameworksCalled, modelPackages, parseModelYaml, readModelArchives, storeModelYaml } from './model-frameworks';

const modelYaml = `name: Iris
version: abc123
module: bentoml.sklearn
labels: {}
options: {}
metadata: {}
context:
  framework_name: sklearn
  framework_versions:
    scikit-learn: 1.9.1
  bentoml_version: 1.4.39
  python_version: 3.11.7
signatures: {}
api_version: v1
creation_time: '2026-11-30T10:00:00.000000+00:00'
`;

describe('what a BentoML model records', () => {
  const temp = useTempDir('nx-bentoml-models-');

  it("reads model.yaml's name, module and framework versions", () => {
    expect(parseModelYaml(modelYaml)).toEqual({
      name: 'iris',
      version: 'abc123',
      module: 'bentoml.sklearn',
      frameworkVersions: { 'scikit-learn': '1.9.1' },
    });
    expect(parseModelYaml('not: [yaml')).toBeUndefined();
    expect(parseModelYaml('- a list\n')).toBeUndefined();
  });

  it('finds a store model\'s model.yaml by version, or by the version "latest" names', () => {
    temp.write('models/iris/latest', 'abc123\n');
    temp.write('models/iris/abc123/model.yaml', modelYaml);
    expect(storeModelYaml(temp.dir, 'iris', 'latest')).toBe(modelYaml);
    expect(storeModelYaml(temp.dir, 'Iris', 'abc123')).toBe(modelYaml);
    expect(storeModelYaml(temp.dir, 'iris', 'v0')).toBeUndefined();
    expect(storeModelYaml(temp.dir, 'absent', 'latest')).toBeUndefined();
  });

  it('reads the model.yaml of exported models (xz tar, as export_model writes them) with a plain python3, leaving out what is none', async () => {
    temp.write('model/model.yaml', modelYaml);
    temp.write('model/saved_model.pkl', 'weights');
    temp.write('broken.bentomodel', 'not an archive');
    const archive = join(temp.dir, 'iris.bentomodel');
    execFileSync(testPython, [
      '-c',
      'import shutil, sys; shutil.move(shutil.make_archive(sys.argv[1], "xztar", sys.argv[2]), sys.argv[1] + ".bentomodel")',
      join(temp.dir, 'iris'),
      join(temp.dir, 'model'),
    ]);
    expect(await readModelArchives(testPython, [archive, join(temp.dir, 'broken.bentomodel')])).toEqual({ [archive]: modelYaml });
  });
});

describe('the packages a model needs', () => {
  it('finds the bentoml.<framework> modules a service calls, not in comments or strings', () => {
    const source =
      'import bentoml\nm = bentoml.keras.load_model("m")\n# bentoml.pytorch.get("x")\nt = bentoml.models.BentoModel("t")\nx = "bentoml.sklearn.get"\n';
    expect(frameworksCalled(source)).toEqual(['keras']);
  });

  it("takes each recorded framework version, else the module's distribution, then the frameworks called, once each", () => {
    const models: RecordedModel[] = [
      { name: 'digits', version: 'v1', module: 'bentoml.keras', frameworkVersions: { tensorflow: '2.17.1' } },
      { name: 'net', version: 'v2', module: 'bentoml.pytorch', frameworkVersions: { torch: '2.5.1+cpu' } },
      { name: 'old', version: 'v0', module: 'bentoml.xgboost', frameworkVersions: {} },
      { name: 'raw', version: 'v0', module: '', frameworkVersions: {} },
    ];
    expect(modelPackages(models, ['keras', 'sklearn'])).toEqual([
      { name: 'scikit-learn', version: '', module: 'sklearn', reason: 'bentoml.sklearn calls' },
      { name: 'tensorflow', version: '2.17.1', module: 'tensorflow', reason: 'the model digits:v1 (bentoml.keras)' },
      // A local version label is no version an index has.
      { name: 'torch', version: '2.5.1', module: 'torch', reason: 'the model net:v2 (bentoml.pytorch)' },
      { name: 'xgboost', version: '', module: 'xgboost', reason: 'the model old:v0 (bentoml.xgboost)' },
    ]);
  });
});
