import type { PythonInspection } from './python-distributions';
import { parseRequirementsTxt, pyprojectDependencies, runtimePackages } from './runtime-packages';

const inspection: PythonInspection = {
  pythonVersion: '3.11',
  modules: {
    os: { stdlib: true },
    PIL: { distributions: [{ name: 'pillow', version: '11.0.0' }] },
    'sklearn.svm': { distributions: [{ name: 'scikit-learn', version: '1.9.1' }] },
    numpy: { distributions: [{ name: 'numpy', version: '2.1.3' }] },
    bentoml: { distributions: [{ name: 'bentoml', version: '1.4.39' }] },
    'mlflow.pyfunc': { distributions: [{ name: 'mlflow', version: '2.0.0' }] },
    'dvc.api': { distributions: [{ name: 'dvc', version: '3.0.0' }] },
    dvc_s3: { distributions: [{ name: 'dvc-s3', version: '3.0.0' }] },
    internal_lib: { distributions: [] },
  },
};

describe('runtimePackages', () => {
  it('maps imports to distributions, pins declared ones as declared and the rest as installed', () => {
    const requirements = parseRequirementsTxt('Pillow>=10\nnumpy==2.0.0\n', 'requirements.txt');
    expect(runtimePackages(Object.keys(inspection.modules), inspection, requirements)).toEqual({
      packages: ['Pillow>=10', 'numpy==2.0.0', 'scikit-learn==1.9.1'],
      leftOut: [
        { name: 'bentoml', reason: 'installed by BentoML' },
        { name: 'dvc', reason: 'training only' },
        { name: 'dvc-s3', reason: 'training only' },
        { name: 'mlflow', reason: 'training only' },
      ],
      unmapped: ['internal_lib'],
    });
  });

  it('without an interpreter, maps imports named like a declared requirement and leaves the rest unmapped', () => {
    const requirements = pyprojectDependencies({ project: { dependencies: ['pandas~=2.2', 'wandb'] } }, 'pyproject.toml');
    expect(runtimePackages(['pandas', 'PIL', 'wandb', 'bentoml'], undefined, requirements)).toEqual({
      packages: ['pandas~=2.2'],
      leftOut: [{ name: 'wandb', reason: 'training only' }],
      unmapped: ['PIL'],
    });
  });
});

describe('parseRequirementsTxt', () => {
  it('keeps requirements as written and skips comments, options and URLs', () => {
    const text =
      '# pinned\nscikit_learn==1.9.1  # model format\n\n-r base.txt\n--index-url https://x\ntorch[cpu]>=2; sys_platform == "linux"\nhttps://example.com/a.whl\nplain\n';
    expect(parseRequirementsTxt(text, 'r.txt').map(({ name, text }) => [name, text])).toEqual([
      ['scikit-learn', 'scikit_learn==1.9.1'],
      ['torch', 'torch[cpu]>=2; sys_platform == "linux"'],
      ['plain', 'plain'],
    ]);
  });
});
