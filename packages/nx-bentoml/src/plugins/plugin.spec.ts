import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AggregateCreateNodesError, type CreateNodesContext, type CreateNodesResult } from '@nx/devkit';
import { minimatch } from 'minimatch';
import { createNodes, createNodesV2 } from './plugin';

/** An option's default in an executor's schema.json, which Nx applies when the target leaves the option out. */
const schemaDefault = (executor: string, option: string): unknown =>
  JSON.parse(readFileSync(join(__dirname, '../executors', executor, 'schema.json'), 'utf8')).properties[option].default;

const bentofile = `service: "serve:ClassifierService"
include:
  - serve.py
  - "data/"
exclude:
  - "*.tmp"
python:
  packages: [scikit-learn]
`;

describe('nx-bentoml plugin', () => {
  let workspaceRoot: string;
  let context: CreateNodesContext;
  const write = (path: string, content = '') => {
    mkdirSync(dirname(join(workspaceRoot, path)), { recursive: true });
    writeFileSync(join(workspaceRoot, path), content);
  };
  const run = async (files: string[], options?: unknown) => {
    const results = await createNodes[1](files, options as never, context);
    return Object.fromEntries(results) as Record<string, CreateNodesResult>;
  };

  beforeEach(() => {
    workspaceRoot = mkdtempSync(join(tmpdir(), 'nx-bentoml-plugin-'));
    process.env['NX_WORKSPACE_DATA_DIRECTORY'] = join(workspaceRoot, '.nx/workspace-data');
    context = { workspaceRoot, nxJsonConfiguration: {} } as CreateNodesContext;
    write('package.json', '{"name":"ws"}');
    write('apps/classifier/project.json', '{"name":"classifier"}');
    write('apps/classifier/src/bentofile.yaml', bentofile);
  });

  afterEach(() => {
    delete process.env['NX_WORKSPACE_DATA_DIRECTORY'];
    rmSync(workspaceRoot, { recursive: true, force: true });
  });

  it('adds the ten targets to the project that owns src/bentofile.yaml', async () => {
    const results = await run(['apps/classifier/src/bentofile.yaml']);
    const project = results['apps/classifier/src/bentofile.yaml'].projects?.['apps/classifier'];
    expect(project?.name).toBeUndefined();
    expect(Object.keys(project?.targets ?? {})).toEqual([
      'bento-build',
      'containerize',
      'docker-push',
      'publish',
      'serve',
      'smoke-test',
      'plan',
      'versions',
      'verify',
      'promote',
    ]);
    expect(project?.metadata?.targetGroups?.['BentoML']).toHaveLength(10);
  });

  it('chains publish through docker-push, containerize and bento-build', async () => {
    const targets = (await run(['apps/classifier/src/bentofile.yaml']))['apps/classifier/src/bentofile.yaml'].projects!['apps/classifier']
      .targets!;
    expect(targets['publish'].dependsOn).toEqual([{ target: 'docker-push', params: 'forward' }]);
    expect(targets['docker-push'].dependsOn).toEqual(['containerize']);
    expect(targets['containerize'].dependsOn).toEqual(['bento-build']);
    expect(targets['smoke-test'].dependsOn).toEqual(['containerize']);
    expect(targets['bento-build'].cache).toBe(true);
    expect(targets['bento-build'].outputs).toEqual(['{workspaceRoot}/dist/{projectRoot}/bento']);
    expect(targets['serve'].continuous).toBe(true);
    expect(targets['bento-build'].metadata?.technologies).toEqual(['bentoml']);
  });

  it('decides the later targets by what the earlier wrote, so an edit that changes no Bento affects none of them on Nx 24', async () => {
    const targets = (await run(['apps/classifier/src/bentofile.yaml']))['apps/classifier/src/bentofile.yaml'].projects!['apps/classifier']
      .targets!;
    const earlierOutputs = [{ dependentTasksOutputFiles: '**/*' }];
    for (const target of ['containerize', 'docker-push', 'publish'])
      expect([target, targets[target].inputs]).toEqual([target, earlierOutputs]);
    expect(targets['smoke-test'].inputs).toEqual(['{workspaceRoot}/apps/classifier/smoke-test.json', ...earlierOutputs]);
    // Every target whose outputs a later one reads declares them, or the change would stop there.
    for (const target of ['bento-build', 'containerize', 'docker-push']) expect(targets[target].outputs).toHaveLength(1);
  });

  it('hashes into smoke-test its smoke-test.json and the sample files it names, and the whole project when it does not parse', async () => {
    const smokeInputs = async () =>
      (await run(['apps/classifier/src/bentofile.yaml']))['apps/classifier/src/bentofile.yaml'].projects!['apps/classifier'].targets![
        'smoke-test'
      ].inputs;
    write(
      'apps/classifier/smoke-test.json',
      JSON.stringify({
        requests: [
          { endpoint: '/classify', multipart: { image: { file: 'samples/cat.png' }, extra: [{ file: '../shared/dog.png' }] } },
          { endpoint: '/parse', body: { file: 'samples/rows.csv', contentType: 'text/csv' } },
        ],
      }),
    );
    expect(await smokeInputs()).toEqual([
      '{workspaceRoot}/apps/classifier/smoke-test.json',
      '{workspaceRoot}/apps/classifier/samples/cat.png',
      '{workspaceRoot}/apps/shared/dog.png',
      '{workspaceRoot}/apps/classifier/samples/rows.csv',
      { dependentTasksOutputFiles: '**/*' },
    ]);
    write('apps/classifier/smoke-test.json', '{"endpoint": ');
    expect((await smokeInputs())?.[0]).toBe('{projectRoot}/**/*');
  });

  it('gates docker-push on the smoke test in a project with smoke-test.json, unless the gate option is off', async () => {
    const pushDependsOn = async (options?: unknown) =>
      (await run(['apps/classifier/src/bentofile.yaml'], options))['apps/classifier/src/bentofile.yaml'].projects!['apps/classifier']
        .targets!['docker-push'].dependsOn;
    write('apps/classifier/smoke-test.json', '{"endpoint": "/predict"}');
    expect(await pushDependsOn()).toEqual(['containerize', { target: 'smoke-test', params: 'forward' }]);
    expect(await pushDependsOn({ smokeTestTargetName: 'check' })).toEqual(['containerize', { target: 'check', params: 'forward' }]);
    expect(await pushDependsOn({ gate: false })).toEqual(['containerize']);
    // The memoised targets follow the file: removing it removes the gate.
    rmSync(join(workspaceRoot, 'apps/classifier/smoke-test.json'));
    expect(await pushDependsOn()).toEqual(['containerize']);
  });

  const allInputsOf = async (options?: unknown) =>
    (await run(['apps/classifier/src/bentofile.yaml'], options))['apps/classifier/src/bentofile.yaml'].projects!['apps/classifier']
      .targets!['bento-build'].inputs as Array<string | { runtime: string } | { fileset: string; includeIgnored: true }>;
  const inputsOf = async (options?: unknown) => (await allInputsOf(options)).filter((input): input is string => typeof input === 'string');

  it('hashes model files git ignores from disk where Nx can (includeIgnored, Nx 24), beside the plain globs', async () => {
    const inputs = await allInputsOf();
    expect(inputs).toContain('{workspaceRoot}/apps/classifier/**/*.bentomodel');
    expect(inputs).toContainEqual({ fileset: '{workspaceRoot}/apps/classifier/**/*.bentomodel', includeIgnored: true });
  });

  it('keys bento-build on the BentoML version of the interpreter it will use', async () => {
    // The program the BentoML client reads its version with, by path (the plugin lives outside this temporary workspace).
    expect(await allInputsOf()).toContainEqual({ runtime: `"python3" "${join(__dirname, '../lib/bentoml/python/bentoml_version.py')}"` });
    write('.venv/bin/python');
    expect(await allInputsOf()).toContainEqual({ runtime: expect.stringMatching(/^"\.venv\/bin\/python" "[^"]+\/bentoml_version\.py"$/) });
    write('apps/classifier/.venv/bin/python');
    expect(await allInputsOf()).toContainEqual({
      runtime: expect.stringMatching(/^"apps\/classifier\/\.venv\/bin\/python" "[^"]+\/bentoml_version\.py"$/),
    });
    write(
      'apps/classifier/project.json',
      JSON.stringify({ name: 'classifier', targets: { 'bento-build': { options: { python: 'envs/ml/bin/python' } } } }),
    );
    expect(await allInputsOf()).toContainEqual({
      runtime: expect.stringMatching(/^"envs\/ml\/bin\/python" "[^"]+\/bentoml_version\.py"$/),
    });
  });

  it('keys bento-build on the exact version of each model the service takes from the BentoML store or Hugging Face', async () => {
    const runtimeInputs = async () =>
      (await allInputsOf())
        .filter((input): input is { runtime: string } => typeof input === 'object' && 'runtime' in input)
        .map((input) => input.runtime);
    write('apps/classifier/src/serve.py', 'import bentoml\n\n@bentoml.service\nclass ClassifierService:\n    pass\n');
    expect(await runtimeInputs()).toHaveLength(1);
    write(
      'apps/classifier/src/serve.py',
      'import bentoml\n\n@bentoml.service\nclass ClassifierService:\n    m = bentoml.models.BentoModel("iris:latest")\n    t = bentoml.models.HuggingFaceModel("org/tiny")\n',
    );
    const [, models] = await runtimeInputs();
    expect(models).toMatch(
      /^node "[^"]+\/external-models-resolver\.js" "apps\/classifier" "[^"]+" "[^"]+" "store:iris:latest" "hf:org\/tiny@main"$/,
    );
  });

  /** Nx's semantics: {projectRoot} globs form one set with its negations, {workspaceRoot} globs another. */
  const isInput = (inputs: string[], file: string, directory = 'apps/classifier/') => {
    const path = `${directory}${file}`;
    const group = (token: string, prefix: string) => {
      const globs = inputs.filter((input) => input.replace(/^!/, '').startsWith(token)).map((input) => input.replace(token, prefix));
      return (
        globs.some((g) => !g.startsWith('!') && minimatch(path, g, { dot: true })) &&
        !globs.some((g) => g.startsWith('!') && minimatch(path, g.slice(1), { dot: true }))
      );
    };
    return group('{projectRoot}', 'apps/classifier') || group('{workspaceRoot}/', '');
  };

  it('keys bento-build on the Bento contents, models, params and requirements, not the rest of the project', async () => {
    const inputs = await inputsOf();
    for (const file of [
      'src/bentofile.yaml',
      'src/serve.py',
      'src/data/labels.csv',
      'src/data/x/y.json',
      'model/classifier_model.bentomodel',
      'model/classifier_model.bentomodel.dvc',
      'params.yaml',
      'requirements.txt',
      'dvc.lock',
      'src/.bentoignore',
      'evaluation/metrics.json',
      'src/README.md',
    ]) {
      expect([file, isInput(inputs, file)]).toEqual([file, true]);
    }
    for (const file of [
      'README.md',
      'train.py',
      'src/notes.md',
      'src/data/scratch.tmp',
      'src/__pycache__/serve.cpython-311.pyc',
      'project.json',
    ]) {
      expect([file, isInput(inputs, file)]).toEqual([file, false]);
    }
  });

  it('never lets exclude rules hide the bentofile, the service, models or params from the hash', async () => {
    write('apps/classifier/src/bentofile.yaml', 'service: "serve:S"\nexclude: ["*.yaml", "*.py", "*.bentomodel", "*.txt", "*.json"]\n');
    write('apps/classifier/src/.bentoignore', '*.lock\n');
    const inputs = await inputsOf();
    for (const file of [
      'src/bentofile.yaml',
      'src/serve.py',
      'model/classifier_model.bentomodel',
      'params.yaml',
      'requirements.txt',
      'dvc.lock',
      'evaluation/metrics.json',
    ]) {
      expect([file, isInput(inputs, file)]).toEqual([file, true]);
    }
    expect(isInput(inputs, 'src/helpers.py')).toBe(false);
  });

  it('hashes what a re-inclusion brings back: a list with "!" lines adds no negation', async () => {
    write('apps/classifier/src/bentofile.yaml', 'service: "serve:S"\nexclude: ["data/", "!data/keep.csv"]\n');
    const inputs = await inputsOf();
    expect(isInput(inputs, 'src/data/keep.csv')).toBe(true);
    expect(inputs.some((input) => input.includes('!data'))).toBe(false);
  });

  it('hashes the files BentoML reads besides include: setup script, wheels, description file', async () => {
    write(
      'apps/classifier/src/bentofile.yaml',
      'service: "serve:S"\ndescription: "file: ./DESCRIPTION.md"\ndocker:\n  setup_script: ./setup.sh\npython:\n  wheels: ["../wheels/lib.whl"]\n',
    );
    const inputs = await inputsOf();
    expect(inputs).toEqual(
      expect.arrayContaining([
        '{workspaceRoot}/apps/classifier/src/DESCRIPTION.md',
        '{workspaceRoot}/apps/classifier/src/setup.sh',
        '{workspaceRoot}/apps/classifier/wheels/lib.whl',
      ]),
    );
    expect(inputs).not.toContain('{workspaceRoot}/apps/classifier/src/README.md');
  });

  it('hashes the files of a shared library included from outside the build context, whatever the excludes say', async () => {
    write(
      'apps/classifier/src/bentofile.yaml',
      `service: "serve:S"\ninclude: ["*.py", "../../../libs/features/features/**/*.py"]\nexclude: ["**/test_*.py"]\n`,
    );
    const inputs = await inputsOf();
    expect(isInput(inputs, 'libs/features/features/scaling.py', '')).toBe(true);
    expect(isInput(inputs, 'libs/features/features/sub/test_x.py', '')).toBe(true);
    expect(isInput(inputs, 'libs/features/README.md', '')).toBe(false);
    expect(inputs.some((input) => input.includes('..'))).toBe(false);
  });

  it('infers targets from a bentofile with a key it does not know, leaving the check to bento-build', async () => {
    write('apps/classifier/src/bentofile.yaml', 'service: "serve"\nfuture_option: 1\n');
    expect(await inputsOf()).toContain('{workspaceRoot}/apps/classifier/src/serve.py');
  });

  it('honours .bentoignore and the model globs from options', async () => {
    write('apps/classifier/src/.bentoignore', '# comment\ndata/raw/\n');
    const inputs = await inputsOf({ modelFiles: ['artifacts/*.bentomodel'] });
    expect(inputs).toContain('!{projectRoot}/src/data/raw/**');
    expect(inputs).toContain('{workspaceRoot}/apps/classifier/artifacts/*.bentomodel');
    expect(inputs).toContain('{workspaceRoot}/apps/classifier/artifacts/*.bentomodel.dvc');
    expect(inputs).not.toContain('{workspaceRoot}/apps/classifier/**/*.bentomodel');
  });

  it("hashes the model files a project's own bento-build options name, and hands them to containerize and serve too", async () => {
    const targetsOf = async () =>
      (await run(['apps/classifier/src/bentofile.yaml']))['apps/classifier/src/bentofile.yaml'].projects!['apps/classifier'].targets!;
    // The default is the executors' schema default, not repeated in every project.
    const defaults = await targetsOf();
    for (const name of ['bento-build', 'containerize', 'serve']) {
      expect(defaults[name].options?.modelFiles).toBeUndefined();
      expect(schemaDefault(name, 'modelFiles')).toEqual(['**/*.bentomodel']);
    }
    write(
      'apps/classifier/project.json',
      JSON.stringify({ name: 'classifier', targets: { 'bento-build': { options: { modelFiles: ['weights/*.bentomodel'] } } } }),
    );
    const targets = await targetsOf();
    expect(targets['bento-build'].inputs).toContain('{workspaceRoot}/apps/classifier/weights/*.bentomodel');
    expect(targets['bento-build'].inputs).toContain('{workspaceRoot}/apps/classifier/weights/*.bentomodel.dvc');
    expect(targets['bento-build'].inputs).not.toContain('{workspaceRoot}/apps/classifier/**/*.bentomodel');
    expect(targets['containerize'].options.modelFiles).toEqual(['weights/*.bentomodel']);
    expect(targets['serve'].options.modelFiles).toEqual(['weights/*.bentomodel']);
  });

  it("leaves out the options that equal the executors' schema defaults, and writes the plugin's others", async () => {
    const buildOptions = async (options?: unknown) =>
      (await run(['apps/classifier/src/bentofile.yaml'], options))['apps/classifier/src/bentofile.yaml'].projects!['apps/classifier']
        .targets!['bento-build'].options;
    expect(await buildOptions()).toEqual({ buildDir: '{projectRoot}/src', bentofile: '{projectRoot}/src/bentofile.yaml' });
    expect(schemaDefault('bento-build', 'metricsFile')).toBe('evaluation/metrics.json');
    expect(await buildOptions({ modelFiles: ['m/*.bentomodel'], metricsFile: 'eval.json' })).toMatchObject({
      modelFiles: ['m/*.bentomodel'],
      metricsFile: 'eval.json',
    });
  });

  it("hands the plugin's baseImage to bento-build, whose options are part of the Bento's version, and refuses one that is no image reference", async () => {
    const buildOptions = async (options?: unknown) =>
      (await run(['apps/classifier/src/bentofile.yaml'], options))['apps/classifier/src/bentofile.yaml'].projects!['apps/classifier']
        .targets!['bento-build'].options;
    expect(await buildOptions({ baseImage: 'mirror.example.com/python:3.11-slim' })).toEqual({
      buildDir: '{projectRoot}/src',
      bentofile: '{projectRoot}/src/bentofile.yaml',
      baseImage: 'mirror.example.com/python:3.11-slim',
    });
    await expect(buildOptions({ baseImage: 'python 3.11' })).rejects.toThrow(
      'Invalid options for the nx-bentoml plugin in nx.json: "baseImage" must be an image reference such as "python:3.11-slim". Known options:',
    );
  });

  it('hands each target the outputs of the one before through the path options its executor defaults to', async () => {
    const targets = (await run(['apps/classifier/src/bentofile.yaml']))['apps/classifier/src/bentofile.yaml'].projects!['apps/classifier']
      .targets!;
    const outputsOf = (target: string) => targets[target].outputs![0];
    const handOffs: Array<[executor: string, option: string, producer: string]> = [
      ['bento-build', 'outputPath', 'bento-build'],
      ['containerize', 'bentoPath', 'bento-build'],
      ['containerize', 'outputPath', 'containerize'],
      ['docker-push', 'imagePath', 'containerize'],
      ['docker-push', 'outputPath', 'docker-push'],
      ['docker-push', 'bentoPath', 'bento-build'],
      ['docker-push', 'smokeTestPath', 'smoke-test'],
      ['publish', 'pushPath', 'docker-push'],
      ['smoke-test', 'imagePath', 'containerize'],
      ['smoke-test', 'outputPath', 'smoke-test'],
      ['verify', 'imagePath', 'containerize'],
      ['verify', 'bentoPath', 'bento-build'],
      ['verify', 'outputPath', 'verify'],
      ['versions', 'imagePath', 'containerize'],
      ['versions', 'outputPath', 'versions'],
      ['promote', 'imagePath', 'containerize'],
      ['promote', 'pushPath', 'docker-push'],
      ['promote', 'outputPath', 'promote'],
    ];
    for (const [executor, option, producer] of handOffs) {
      expect(targets[executor].options?.[option]).toBeUndefined();
      expect([executor, option, schemaDefault(executor, option)]).toEqual([executor, option, outputsOf(producer)]);
    }
    expect(targets['smoke-test'].options).toEqual({ sampleRequest: '{projectRoot}/smoke-test.json' });
  });

  it('uses configured target names everywhere, dependsOn included', async () => {
    const targets = (await run(['apps/classifier/src/bentofile.yaml'], { bentoBuildTargetName: 'bento', dockerPushTargetName: 'push' }))[
      'apps/classifier/src/bentofile.yaml'
    ].projects!['apps/classifier'].targets!;
    expect(Object.keys(targets)).toEqual([
      'bento',
      'containerize',
      'push',
      'publish',
      'serve',
      'smoke-test',
      'plan',
      'versions',
      'verify',
      'promote',
    ]);
    expect(targets['containerize'].dependsOn).toEqual(['bento']);
    expect(targets['plan'].dependsOn).toEqual(['bento']);
    expect(targets['publish'].dependsOn).toEqual([{ target: 'push', params: 'forward' }]);
  });

  it('makes a project of a bentofile that no project owns, named after its directory', async () => {
    write('models/iris/src/bentofile.yaml', bentofile);
    const project = (await run(['models/iris/src/bentofile.yaml']))['models/iris/src/bentofile.yaml'].projects!['models/iris'];
    expect(project.name).toBe('iris');
    expect(project.targets!['bento-build'].options.bentofile).toBe('{projectRoot}/src/bentofile.yaml');
  });

  it('reports a malformed bentofile with file, line and column', async () => {
    write('apps/classifier/src/bentofile.yaml', 'service: "serve:S"\ninclude: [serve.py\n');
    const error = await run(['apps/classifier/src/bentofile.yaml']).catch((e: AggregateCreateNodesError) => e);
    expect(error).toBeInstanceOf(AggregateCreateNodesError);
    const [file, cause] = (error as AggregateCreateNodesError).errors[0];
    expect(file).toBe('apps/classifier/src/bentofile.yaml');
    expect(cause.message).toMatch(/^apps\/classifier\/src\/bentofile\.yaml:3:1: invalid YAML/);
  });

  it('rejects unknown plugin options with the list of known ones', async () => {
    await expect(run(['apps/classifier/src/bentofile.yaml'], { buildTarget: 'x' })).rejects.toThrow(
      'Invalid options for the nx-bentoml plugin in nx.json: unknown option "buildTarget". Known options: bentoBuildTargetName',
    );
  });

  it('rejects plugin options of the wrong kind, each named with what it must be', async () => {
    await expect(run(['apps/classifier/src/bentofile.yaml'], { gate: 'yes', modelFiles: [], serveTargetName: 'a b' })).rejects.toThrow(
      'Invalid options for the nx-bentoml plugin in nx.json: "serveTargetName" must be a target name such as "bento-build"; ' +
        '"modelFiles" must be a non-empty list of globs; "gate" must be true or false. Known options:',
    );
  });

  it('memoises targets per options in the workspace data directory and recomputes when the bentofile changes', async () => {
    await run(['apps/classifier/src/bentofile.yaml']);
    const cacheFiles = readdirSync(join(workspaceRoot, '.nx/workspace-data')).filter((f) => f.startsWith('nx-bentoml-'));
    expect(cacheFiles).toHaveLength(1);
    write('apps/classifier/src/bentofile.yaml', bentofile.replace('serve.py', 'serve.py\n  - "*.json"'));
    const inputs = (await run(['apps/classifier/src/bentofile.yaml']))['apps/classifier/src/bentofile.yaml'].projects!['apps/classifier']
      .targets!['bento-build'].inputs;
    expect(inputs).toContain('{projectRoot}/src/**/*.json');
  });

  it('reads the memoised targets instead of parsing the bentofile again', async () => {
    await run(['apps/classifier/src/bentofile.yaml']);
    // Mark the memoised entry: a second run that returns the mark did not recompute it.
    const dataDir = join(workspaceRoot, '.nx/workspace-data');
    const cacheFile = join(
      dataDir,
      readdirSync(dataDir).find((f) => f.startsWith('nx-bentoml-'))!,
    );
    writeFileSync(cacheFile, readFileSync(cacheFile, 'utf8').replace('"nx-bentoml:bento-build"', '"nx-bentoml:memoised"'));
    const targets = (await run(['apps/classifier/src/bentofile.yaml']))['apps/classifier/src/bentofile.yaml'].projects!['apps/classifier']
      .targets!;
    expect(targets['bento-build'].executor).toBe('nx-bentoml:memoised');
    // Every entry reused as read: the file is not written again (a rewrite would drop the unknown key).
    writeFileSync(cacheFile, JSON.stringify({ ...JSON.parse(readFileSync(cacheFile, 'utf8')), unread: true }));
    await run(['apps/classifier/src/bentofile.yaml']);
    expect(JSON.parse(readFileSync(cacheFile, 'utf8'))).toHaveProperty('unread', true);
    // An entry no longer used (the project is gone) is dropped: the file is written.
    await run([]);
    expect(JSON.parse(readFileSync(cacheFile, 'utf8'))).toEqual({ targets: {}, buildConfigs: {} });
  });

  it('ignores the bentofile copies inside built Bentos, as a BentoML home in the workspace holds them', async () => {
    write('.bentoml/bentos/classifier/v1/bento.yaml', 'service: serve:S\n');
    write('.bentoml/bentos/classifier/v1/src/bentofile.yaml', 'service: serve:S\nmodels:\n- alias: x\n');
    const results = await createNodes[1](
      ['.bentoml/bentos/classifier/v1/src/bentofile.yaml', 'apps/classifier/src/bentofile.yaml'],
      undefined,
      context,
    );
    expect(results.map(([file]) => file)).toEqual(['apps/classifier/src/bentofile.yaml']);
  });

  describe('every build config form BentoML 1.4 reads, in its lookup order', () => {
    const projectsOf = async (files: string[]) =>
      Object.fromEntries(
        Object.entries(await run(files)).map(([file, result]) => {
          const [root, project] = Object.entries(result.projects ?? {})[0];
          return [
            file,
            {
              root,
              name: project.name,
              options: project.targets?.['bento-build'].options,
              inputs: project.targets?.['bento-build'].inputs,
            },
          ];
        }),
      );

    it('infers a project from pyproject.toml with [tool.bentoml.build], named as the directory', async () => {
      write(
        'services/iris/pyproject.toml',
        '[project]\nname = "iris"\ndependencies = ["scikit-learn"]\n\n[tool.bentoml.build]\nservice = "service:Iris"\ninclude = ["*.py"]\n',
      );
      write('services/iris/service.py', '@bentoml.service\nclass Iris:\n    pass\n');
      const projects = await projectsOf(['services/iris/pyproject.toml', 'services/iris/service.py']);
      expect(Object.keys(projects)).toEqual(['services/iris/pyproject.toml']);
      expect(projects['services/iris/pyproject.toml']).toMatchObject({
        root: 'services/iris',
        name: 'iris',
        options: { buildDir: '{projectRoot}', bentofile: '{projectRoot}/pyproject.toml' },
      });
      expect(projects['services/iris/pyproject.toml'].inputs).toEqual(
        expect.arrayContaining([
          '{workspaceRoot}/services/iris/pyproject.toml',
          '{workspaceRoot}/services/iris/service.py',
          '{projectRoot}/**/*.py',
        ]),
      );
    });

    it('infers a project from service.py alone, hashing the files its image in code reads', async () => {
      write(
        'services/vision/service.py',
        'import bentoml\nimage = bentoml.images.Image(python_version="3.11").requirements_file("../requirements-serve.txt")\n\n@bentoml.service(image=image)\nclass Vision:\n    pass\n',
      );
      const projects = await projectsOf(['services/vision/service.py']);
      expect(projects['services/vision/service.py']).toMatchObject({
        root: 'services/vision',
        name: 'vision',
        options: { buildDir: '{projectRoot}' },
      });
      expect(projects['services/vision/service.py'].options).not.toHaveProperty('bentofile');
      expect(projects['services/vision/service.py'].inputs).toEqual(
        expect.arrayContaining([
          '{workspaceRoot}/services/vision/service.py',
          '{workspaceRoot}/services/requirements-serve.txt',
          '{projectRoot}/**/*',
        ]),
      );
    });

    it('takes service.py with a pyproject.toml beside it as the pyproject form: BentoML reads its [project] too', async () => {
      write('services/plain/pyproject.toml', '[project]\nname = "plain"\n');
      write('services/plain/service.py', 'from bentoml import service\n\n@service\nclass Plain:\n    pass\n');
      const projects = await projectsOf(['services/plain/pyproject.toml', 'services/plain/service.py']);
      expect(Object.keys(projects)).toEqual(['services/plain/pyproject.toml']);
    });

    it('leaves alone a Python project BentoML would not build, and a service.py without a service', async () => {
      write('libs/utils/pyproject.toml', '[project]\nname = "utils"\n');
      write('tools/service.py', 'def service():\n    pass\n');
      expect(await projectsOf(['libs/utils/pyproject.toml', 'tools/service.py'])).toEqual({});
    });

    it('prefers bentofile.yaml over pyproject.toml, as bentoml build does', async () => {
      write('apps/classifier/src/pyproject.toml', '[tool.bentoml.build]\nservice = "serve:Other"\n');
      const projects = await projectsOf(['apps/classifier/src/pyproject.toml', 'apps/classifier/src/bentofile.yaml']);
      expect(Object.keys(projects)).toEqual(['apps/classifier/src/bentofile.yaml']);
      expect(projects['apps/classifier/src/bentofile.yaml'].options).toMatchObject({ bentofile: '{projectRoot}/src/bentofile.yaml' });
    });

    it('keeps a src/service.py below a pyproject build directory in that one project', async () => {
      write('services/layout/pyproject.toml', '[tool.bentoml.build]\nservice = "service:Svc"\n');
      write('services/layout/src/service.py', '@bentoml.service\nclass Svc:\n    pass\n');
      expect(Object.keys(await projectsOf(['services/layout/pyproject.toml', 'services/layout/src/service.py']))).toEqual([
        'services/layout/pyproject.toml',
      ]);
    });

    it('reports malformed TOML at its file, line and column', async () => {
      write('services/bad/pyproject.toml', '[tool.bentoml.build]\nservice = "service:S\n');
      const error = await run(['services/bad/pyproject.toml']).catch((e: AggregateCreateNodesError) => e);
      expect(error).toBeInstanceOf(AggregateCreateNodesError);
      const [file, cause] = (error as AggregateCreateNodesError).errors[0];
      expect(file).toBe('services/bad/pyproject.toml');
      expect(cause.message).toMatch(/^services\/bad\/pyproject\.toml:2:\d+: invalid TOML/);
    });
  });

  it('exports createNodesV2 as an alias', () => {
    expect(createNodesV2).toBe(createNodes);
    expect(createNodes[0]).toBe('**/{bentofile.yaml,pyproject.toml,service.py}');
  });
});
