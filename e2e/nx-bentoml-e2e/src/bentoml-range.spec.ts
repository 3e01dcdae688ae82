import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { type ChainEnvironment, requireChainEnvironment } from './support/environment';
import { removeRepositoryImages } from './support/container';
import { runNx } from './support/run';
import { type ChainWorkspace, addTrainedService, createChainWorkspace } from './support/chain-workspace';

/** The BentoML versions the plugin supports, as its package.json states them: ">=1.4.20 <1.5.0". */
const supportedRange: string = JSON.parse(readFileSync(resolve(__dirname, '../../../packages/nx-bentoml/package.json'), 'utf8'))[
  'nx-bentoml'
].bentoml;
const lowestBentoml = /^>=\s*(\S+)/.exec(supportedRange)?.[1] ?? '';

const bentomlVersion = (python: string) =>
  spawnSync(python, ['-c', 'from importlib.metadata import version; print(version("bentoml"))'], { encoding: 'utf8' }).stdout.trim();

// The supported BentoML range proven at both ends, as the Nx peer range is: every other chain
// suite runs the e2e venv's BentoML (NX_BENTOML_PYTHON, the highest the plugin pins); this one runs
// the whole chain on the lowest, from a second venv (NX_BENTOML_LOWEST_PYTHON), where the Python
// programs' patches of BentoML internals (linked models, reused package locks) must hold too.
describe(`the chain on the lowest supported BentoML (${lowestBentoml}, of ${supportedRange})`, () => {
  let environment: ChainEnvironment;
  let workspace: ChainWorkspace;
  let taskEnv: Record<string, string>;
  const imageName = `e2e-${Date.now().toString(36)}/lowest-bentoml`;
  const file = (path: string) => join(workspace.root, path);
  const nx = (args: string[]) => runNx(workspace.root, args, taskEnv);

  beforeAll(async () => {
    const highest = await requireChainEnvironment();
    const lowest = process.env['NX_BENTOML_LOWEST_PYTHON'];
    if (!lowest) {
      throw new Error(
        `The BentoML range tests need NX_BENTOML_LOWEST_PYTHON, an interpreter with bentoml==${lowestBentoml} and scikit-learn. ` +
          'Run "bash scripts/setup-environment.sh && source .e2e-env/env.sh".',
      );
    }
    expect(bentomlVersion(lowest)).toBe(lowestBentoml);
    expect(bentomlVersion(highest.python)).not.toBe(lowestBentoml);
    environment = { ...highest, python: lowest };
    workspace = createChainWorkspace('lowest-bentoml-ws', environment);
    taskEnv = workspace.taskEnv;
    addTrainedService(workspace, environment, 'classifier', imageName);
  });

  afterAll(async () => {
    if (environment) await removeRepositoryImages(environment.docker, imageName).catch(() => undefined);
    workspace?.cleanup();
  });

  it('builds the Bento and its image, the models linked into the build context, and passes the smoke test', () => {
    const output = nx(['run', 'classifier:smoke-test']).stdout;
    expect(output).toContain('Built Bento classifier:');
    expect(output).not.toContain('The models were copied into the build context');
    expect(output).toContain('POST /predict answered ["setosa","virginica"], as expected.');
    const bento = JSON.parse(readFileSync(file('dist/apps/classifier/bento/bento.json'), 'utf8'));
    expect(bento.bentomlVersion).toBe(lowestBentoml);
  });

  it('reuses the package lock of the same requirements after a code change', () => {
    appendFileSync(file('apps/classifier/src/serve.py'), '\n# a code-only change\n');
    const output = nx(['run', 'classifier:bento-build']).stdout;
    expect(output).toContain('Python packages: the lock resolved before for these same requirements');
  });

  it("the bentofile generator lists the framework a model records, read from the project's model file and from the store", () => {
    // The service names its model and never loads it with bentoml.sklearn: only model.yaml says it needs scikit-learn.
    const service =
      'import bentoml\n\n\n@bentoml.service\nclass LoadsOnly:\n    model = bentoml.models.BentoModel("classifier_model:latest")\n';
    const sklearn = spawnSync(file('.venv/bin/python'), ['-c', 'from importlib.metadata import version; print(version("scikit-learn"))'], {
      encoding: 'utf8',
    }).stdout.trim();
    const packagesOf = (dir: string) => parse(readFileSync(file(`${dir}/bentofile.yaml`), 'utf8')).python?.packages;

    mkdirSync(file('models/from-store'), { recursive: true });
    writeFileSync(file('models/from-store/service.py'), service);
    nx(['g', 'nx-bentoml:bentofile', '--directory=models/from-store', '--no-interactive']);
    expect(packagesOf('models/from-store')).toEqual([`scikit-learn==${sklearn}`]);

    // An empty store: the model comes from the project's exported file (an xz tar), read by the project's interpreter.
    mkdirSync(file('models/from-file/model'), { recursive: true });
    writeFileSync(file('models/from-file/service.py'), service);
    copyFileSync(file('apps/classifier/model/classifier_model.bentomodel'), file('models/from-file/model/classifier_model.bentomodel'));
    runNx(workspace.root, ['g', 'nx-bentoml:bentofile', '--directory=models/from-file', '--no-interactive'], {
      ...taskEnv,
      BENTOML_HOME: file('.empty-bentoml-home'),
    });
    expect(packagesOf('models/from-file')).toEqual([`scikit-learn==${sklearn}`]);
  });
});
