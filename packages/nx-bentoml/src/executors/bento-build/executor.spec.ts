import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { logger } from '@nx/devkit';
import { UserError } from '../../lib/errors';
import { fakeExecutorContext } from '../../testing/executor-context';
import { captureLogger } from '../../testing/logger';
import { fakeBentoml } from '../../testing/fake-bentoml';
import { closedEndpoint, useStandInHub } from '../../testing/hugging-face-hub';
import type { BuildBentoOptions } from '../../lib/bentoml/client';
import bentoBuildExecutor from './executor';

describe('bento-build executor', () => {
  captureLogger();
  let root: string;
  const options = { bentofile: 'apps/classifier/src/bentofile.yaml', outputPath: 'dist/apps/classifier/bento' };
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'bento-build-'));
    write('apps/classifier/src/bentofile.yaml', 'service: "serve:ClassifierService"\ninclude: [serve.py]\n');
    write('apps/classifier/src/serve.py', 'import bentoml\n\n@bentoml.service\nclass ClassifierService:\n    pass\n');
    write('apps/classifier/model/classifier_model.bentomodel', 'model');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('imports the models, builds with the version derived from the task hash and exports the Bento without its model bytes', async () => {
    const { client, calls } = fakeBentoml();
    const result = await bentoBuildExecutor(options, fakeExecutorContext(root, 'apps/classifier', 'bento-build', '42'), () => client);
    expect(result).toEqual({ success: true, tag: 'classifier:nx16' });
    expect(calls).toEqual([
      `import ${join(root, 'apps/classifier/model/classifier_model.bentomodel')}`,
      'build nx16',
      'export classifier:nx16',
    ]);
    expect(JSON.parse(readFileSync(join(root, 'dist/apps/classifier/bento/bento.json'), 'utf8'))).toEqual({
      tag: 'classifier:nx16',
      name: 'classifier',
      version: 'nx16',
      models: ['classifier_model:abc'],
      bentomlVersion: '1.4.39',
      archive: 'bento.tar',
      sizeBytes: statSync(join(root, 'dist/apps/classifier/bento/bento.tar')).size,
      modelDigests: { 'classifier_model:abc': expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
      lineage: {},
    });
    // The weights stay in the store and the project's model file; the archive (and so the Nx cache) holds the code.
    const archive = readFileSync(join(root, 'dist/apps/classifier/bento/bento.tar'));
    expect(archive.includes('./bento.yaml')).toBe(true);
    expect(archive.includes('saved_model.pkl')).toBe(false);
    expect(readdirSync(join(root, 'dist/apps/classifier/bento')).sort()).toEqual(['bento.json', 'bento.tar']);
  });

  it('warns about a model file its inputs miss, and still gives a retrained one a new Bento version', async () => {
    const withInputs = () => {
      const context = fakeExecutorContext(root, 'apps/classifier', 'bento-build', '42');
      context.projectsConfigurations.projects['classifier'].targets = {
        'bento-build': { inputs: ['{workspaceRoot}/apps/classifier/src/bentofile.yaml', '{workspaceRoot}/apps/classifier/src/serve.py'] },
      };
      return context;
    };
    const built = async () => (await bentoBuildExecutor(options, withInputs(), () => fakeBentoml().client)) as { tag?: string };
    const first = await built();
    expect(logger.warn).toHaveBeenCalledWith(
      "apps/classifier/model/classifier_model.bentomodel is one of bento-build's model files but not among its inputs, so Nx does not hash it: " +
        "a retrained model can come back from Nx's cache without a rebuild. " +
        "Name the modelFiles in the bento-build options of the project's project.json (the plugin then hashes them), or add them to the target's inputs.",
    );
    write('apps/classifier/model/classifier_model.bentomodel', 'retrained');
    expect((await built()).tag).not.toBe(first.tag);
  });

  it('records the inputs it hashed, each file with its sha256, for the provenance docker-push signs', async () => {
    const context = fakeExecutorContext(root, 'apps/classifier', 'bento-build', '42');
    context.projectsConfigurations.projects['classifier'].targets = {
      'bento-build': { inputs: ['{workspaceRoot}/apps/classifier/src/serve.py'] },
    };
    await bentoBuildExecutor(options, context, () => fakeBentoml().client);
    const { inputs } = JSON.parse(readFileSync(join(root, 'dist/apps/classifier/bento/bento.json'), 'utf8'));
    const sha256 = (path: string) =>
      createHash('sha256')
        .update(readFileSync(join(root, path)))
        .digest('hex');
    expect(inputs).toEqual({
      files: {
        'apps/classifier/src/serve.py': sha256('apps/classifier/src/serve.py'),
        'apps/classifier/model/classifier_model.bentomodel': sha256('apps/classifier/model/classifier_model.bentomodel'),
      },
      huggingFaceCommits: {},
    });
  });

  it("keeps BentoML's Python package locks in Nx's workspace data, and says when the build reused one", async () => {
    const { client } = fakeBentoml();
    const build = client.buildBento;
    const lockCaches: Array<string | undefined> = [];
    client.buildBento = async (request) => (lockCaches.push(request.lockCache), { ...(await build(request)), lockReused: true });
    const context = fakeExecutorContext(root, 'apps/classifier', 'bento-build', '42');
    // Nx's default place, as no NX_WORKSPACE_DATA_DIRECTORY moves it.
    const configured = ['NX_WORKSPACE_DATA_DIRECTORY', 'NX_PROJECT_GRAPH_CACHE_DIRECTORY'].map(
      (name) => [name, process.env[name]] as const,
    );
    for (const [name] of configured) delete process.env[name];
    try {
      expect(await bentoBuildExecutor(options, context, () => client)).toMatchObject({ success: true });
    } finally {
      for (const [name, value] of configured) if (value !== undefined) process.env[name] = value;
    }
    expect(lockCaches).toEqual([join(root, '.nx/workspace-data/nx-bentoml-python-locks')]);
    expect(logger.info).toHaveBeenCalledWith(
      'Python packages: the lock resolved before for these same requirements, kept in .nx/workspace-data/nx-bentoml-python-locks (nx reset resolves them again).',
    );
  });

  it('hands the baseImage option to the build, and gives another base image another Bento version', async () => {
    const { client } = fakeBentoml();
    const build = client.buildBento;
    const baseImages: Array<string | undefined> = [];
    client.buildBento = async (request) => (baseImages.push(request.baseImage), build(request));
    const withInputs = () => {
      const context = fakeExecutorContext(root, 'apps/classifier', 'bento-build', '42');
      context.projectsConfigurations.projects['classifier'].targets = {
        'bento-build': { inputs: ['{workspaceRoot}/apps/classifier/src/bentofile.yaml', '{workspaceRoot}/apps/classifier/src/serve.py'] },
      };
      return context;
    };
    const tagWith = async (baseImage?: string) =>
      ((await bentoBuildExecutor({ ...options, baseImage }, withInputs(), () => client)) as { tag?: string }).tag;
    const tags = [
      await tagWith(),
      await tagWith('mirror.example.com/python:3.11-slim'),
      await tagWith('mirror.example.com/python:3.12-slim'),
    ];
    expect(baseImages).toEqual([undefined, 'mirror.example.com/python:3.11-slim', 'mirror.example.com/python:3.12-slim']);
    expect(new Set(tags).size).toBe(3);
  });

  it("builds a pyproject.toml project from its build config, and a service.py-only project by BentoML's own lookup", async () => {
    write('services/iris/pyproject.toml', '[project]\nname = "iris"\n\n[tool.bentoml.build]\nservice = "service.py:IrisClassifier"\n');
    write('services/iris/service.py', '@bentoml.service\nclass IrisClassifier:\n    pass\n');
    write('services/vision/service.py', 'import bentoml\n\n@bentoml.service(image=bentoml.images.Image())\nclass Vision:\n    pass\n');
    const builds: Array<{ contextDir: string; bentofile?: string }> = [];
    const { client } = fakeBentoml();
    const build = client.buildBento;
    client.buildBento = async (request) => (builds.push({ contextDir: request.contextDir, bentofile: request.bentofile }), build(request));

    const pyproject = { buildDir: 'services/iris', bentofile: 'services/iris/pyproject.toml', outputPath: 'dist/services/iris/bento' };
    expect(await bentoBuildExecutor(pyproject, fakeExecutorContext(root, 'services/iris', 'bento-build'), () => client)).toMatchObject({
      success: true,
    });
    const codeOnly = { buildDir: 'services/vision', outputPath: 'dist/services/vision/bento' };
    expect(
      await bentoBuildExecutor(codeOnly, fakeExecutorContext(root, 'services/vision', 'bento-build', '43'), () => client),
    ).toMatchObject({
      success: true,
    });
    expect(builds).toEqual([
      { contextDir: join(root, 'services/iris'), bentofile: join(root, 'services/iris/pyproject.toml') },
      { contextDir: join(root, 'services/vision'), bentofile: undefined },
    ]);
  });

  it('refuses a pyproject.toml whose service names a class the module lacks, before building', async () => {
    write('services/iris/pyproject.toml', '[tool.bentoml.build]\nservice = "service.py:Iris"\n');
    write('services/iris/service.py', '@bentoml.service\nclass Other:\n    pass\n');
    const { client, calls } = fakeBentoml();
    const options = { bentofile: 'services/iris/pyproject.toml', outputPath: 'dist/services/iris/bento' };
    expect(await bentoBuildExecutor(options, fakeExecutorContext(root, 'services/iris', 'bento-build'), () => client)).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(
      'services/iris/service.py does not define the class Iris named by the service of services/iris/pyproject.toml "service.py:Iris".',
    );
    expect(calls.filter((call) => call.startsWith('build'))).toEqual([]);
  });

  it('builds a service that includes a shared library from a staged context, and removes it after', async () => {
    write(
      'apps/classifier/src/bentofile.yaml',
      'service: "serve:ClassifierService"\ninclude: [serve.py, "../../../libs/features/features/**"]\n',
    );
    write('libs/features/features/__init__.py', 'SCALE = 2\n');
    const { client } = fakeBentoml();
    let staged: { contextDir: string; bentofile: string; library: string; bentofileText: string } | undefined;
    const build = client.buildBento;
    client.buildBento = async (request) => {
      staged = {
        contextDir: request.contextDir,
        bentofile: request.bentofile!,
        library: readFileSync(join(request.contextDir, 'features/__init__.py'), 'utf8'),
        bentofileText: readFileSync(request.bentofile!, 'utf8'),
      };
      return build(request);
    };
    expect(
      await bentoBuildExecutor(options, fakeExecutorContext(root, 'apps/classifier', 'bento-build', '42'), () => client),
    ).toMatchObject({ success: true });
    expect(staged?.contextDir.startsWith(root)).toBe(false);
    expect(staged?.library).toBe('SCALE = 2\n');
    expect(staged?.bentofileText).toContain('"features/**"');
    expect(existsSync(staged!.contextDir)).toBe(false);
  });

  it('records the lineage of the model: params.yaml, metrics and the DVC hash', async () => {
    write('apps/classifier/params.yaml', 'train:\n  c: 0.5\n');
    write('apps/classifier/evaluation/metrics.json', '{"accuracy": 0.9}');
    write('apps/classifier/model/classifier_model.bentomodel.dvc', 'outs:\n- md5: abc123\n  path: classifier_model.bentomodel\n');
    const { client } = fakeBentoml();
    await bentoBuildExecutor(options, fakeExecutorContext(root, 'apps/classifier', 'bento-build'), () => client);
    const { lineage } = JSON.parse(readFileSync(join(root, 'dist/apps/classifier/bento/bento.json'), 'utf8'));
    expect(lineage).toEqual({
      params: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), values: { 'train.c': '0.5' } },
      metrics: { accuracy: '0.9' },
      dvc: { 'model/classifier_model.bentomodel': 'abc123' },
    });
  });

  it('refuses a Bento that packs another version of the model than the project file holds', async () => {
    const { client } = fakeBentoml({ importModel: async () => ({ tag: 'classifier_model:older', state: 'present' }) });
    const result = await bentoBuildExecutor(options, fakeExecutorContext(root, 'apps/classifier', 'bento-build'), () => client);
    expect(result).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining("packs classifier_model:abc, but the project's model file holds classifier_model:older"),
    );
    expect(existsSync(join(root, 'dist'))).toBe(false);
  });

  describe('a model kept only in the BentoML store', () => {
    const storeService =
      'import bentoml\n\n@bentoml.service\nclass ClassifierService:\n    model = bentoml.models.BentoModel("iris:latest")\n';
    const previousHome = process.env['BENTOML_HOME'];
    beforeEach(() => {
      rmSync(join(root, 'apps/classifier/model'), { recursive: true });
      write('apps/classifier/src/serve.py', storeService);
      process.env['BENTOML_HOME'] = join(root, 'bentoml-home');
    });
    afterEach(() => {
      if (previousHome === undefined) delete process.env['BENTOML_HOME'];
      else process.env['BENTOML_HOME'] = previousHome;
    });

    it('builds from the exact store version it names in the log', async () => {
      write('bentoml-home/models/iris/latest', 'v7');
      write('bentoml-home/models/iris/v7/model.yaml', 'name: iris\nversion: v7\n');
      const { client, calls } = fakeBentoml();
      const result = await bentoBuildExecutor(options, fakeExecutorContext(root, 'apps/classifier', 'bento-build', '42'), () => client);
      expect(logger.error).not.toHaveBeenCalled();
      expect(result).toMatchObject({ success: true });
      expect(calls.filter((call) => call.startsWith('build'))).toHaveLength(1);
      expect(logger.info).toHaveBeenCalledWith('Model iris:latest from the BentoML store: iris:v7');
      // The fake Bento packs classifier_model, which the service does not name: Nx cannot see it.
      expect(logger.warn).toHaveBeenCalledWith(
        expect.stringContaining('packs classifier_model:abc, which apps/classifier/src/serve.py does not name as a literal'),
      );
    });

    it('fails before building on an empty store, naming the model, the service and the ways to provide it', async () => {
      const { client, calls } = fakeBentoml();
      const result = await bentoBuildExecutor(options, fakeExecutorContext(root, 'apps/classifier', 'bento-build', '42'), () => client);
      expect(result).toEqual({ success: false });
      expect(logger.error).toHaveBeenCalledWith(
        expect.stringMatching(
          /^apps\/classifier\/src\/serve\.py asks for the model iris:latest, which is not in the BentoML store: .*export it into the project as a \.bentomodel file .*"dvc add".*"bentoml models import <file>", or "bentoml models pull"/,
        ),
      );
      expect(calls.filter((call) => call.startsWith('build'))).toEqual([]);
      expect(existsSync(join(root, 'dist'))).toBe(false);
    });

    it('fails before building on a Hugging Face model missing from the local cache, with the download command', async () => {
      write(
        'apps/classifier/src/serve.py',
        'import bentoml\n\n@bentoml.service\nclass ClassifierService:\n    m = bentoml.models.HuggingFaceModel("org/tiny", revision="v1")\n',
      );
      // Offline: the local cache is all there is.
      await withEnv({ HF_HUB_CACHE: join(root, 'hf-hub'), HF_HUB_OFFLINE: '1' }, async () => {
        const { client, calls } = fakeBentoml();
        const result = await bentoBuildExecutor(options, fakeExecutorContext(root, 'apps/classifier', 'bento-build', '42'), () => client);
        expect(result).toEqual({ success: false });
        expect(logger.error).toHaveBeenCalledWith(
          expect.stringContaining(
            "apps/classifier/src/serve.py asks for the Hugging Face model org/tiny at revision v1, which is not in this machine's Hugging Face cache",
          ),
        );
        expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('"hf download org/tiny --revision v1"'));
        expect(calls.filter((call) => call.startsWith('build'))).toEqual([]);
      });
    });

    describe('with a reachable Hugging Face hub and an empty cache', () => {
      const hub = useStandInHub({ token: 'hf_secret_token' });
      const serveHuggingFace = () =>
        write(
          'apps/classifier/src/serve.py',
          'import bentoml\n\n@bentoml.service\nclass ClassifierService:\n    m = bentoml.models.HuggingFaceModel("org/tiny")\n',
        );
      const online = (run: () => Promise<void>) =>
        withEnv(
          { HF_HUB_CACHE: join(root, 'hf-hub'), HF_HUB_OFFLINE: undefined, HF_ENDPOINT: hub.endpoint, HF_TOKEN: 'hf_secret_token' },
          run,
        );

      it("builds, the Bento recording the hub's commit of the revision", async () => {
        serveHuggingFace();
        hub.commit('org/tiny', 'main', 'c'.repeat(40));
        await online(async () => {
          const asked: BuildBentoOptions[] = [];
          const { client } = fakeBentoml();
          const buildBento = client.buildBento;
          client.buildBento = (build) => (asked.push(build), buildBento(build));
          const result = await bentoBuildExecutor(options, fakeExecutorContext(root, 'apps/classifier', 'bento-build', '42'), () => client);
          expect(result).toEqual({ success: true, tag: 'classifier:nx16' });
          expect(asked.map((build) => build.huggingFaceCommits)).toEqual([{ 'org/tiny@main': 'c'.repeat(40) }]);
          expect(logger.info).toHaveBeenCalledWith(`Hugging Face model org/tiny@main: commit ${'c'.repeat(40)} at ${hub.endpoint}`);
        });
      });

      it('fails before building when the hub cannot be reached, saying how to use the cache instead', async () => {
        serveHuggingFace();
        await online(async () => {
          process.env['HF_ENDPOINT'] = await closedEndpoint();
          const { client, calls } = fakeBentoml();
          const result = await bentoBuildExecutor(options, fakeExecutorContext(root, 'apps/classifier', 'bento-build', '42'), () => client);
          expect(result).toEqual({ success: false });
          expect(logger.error).toHaveBeenCalledWith(
            expect.stringContaining(
              `apps/classifier/src/serve.py asks for the Hugging Face model org/tiny at revision main, and the Hugging Face hub at ${process.env['HF_ENDPOINT']} cannot be reached to learn its commit (ECONNREFUSED). Set HF_HUB_OFFLINE=1`,
            ),
          );
          expect(calls.filter((call) => call.startsWith('build'))).toEqual([]);
        });
      });
    });
  });

  it('does not rebuild a Bento that the same inputs already produced', async () => {
    const { client, calls, store } = fakeBentoml();
    store.add('classifier:nx16');
    await bentoBuildExecutor(options, fakeExecutorContext(root, 'apps/classifier', 'bento-build', '42'), () => client);
    expect(calls.filter((call) => call.startsWith('build'))).toEqual([]);
    expect(calls).toContain('export classifier:nx16');
  });

  it('fails with one message and leaves no output when the service class is missing', async () => {
    write('apps/classifier/src/serve.py', 'class Other:\n    pass\n');
    const { client, calls } = fakeBentoml();
    const result = await bentoBuildExecutor(options, fakeExecutorContext(root, 'apps/classifier', 'bento-build'), () => client);
    expect(result).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(
      'apps/classifier/src/serve.py does not define the class ClassifierService named by the bentofile\'s service "serve:ClassifierService".',
    );
    expect(calls).toEqual([]);
    expect(existsSync(join(root, 'dist'))).toBe(false);
  });

  it('refuses an include pattern that matches no file before building', async () => {
    write('apps/classifier/src/bentofile.yaml', 'service: "serve:ClassifierService"\ninclude: [serve.py, labels.csv]\n');
    const { client, calls } = fakeBentoml();
    expect(await bentoBuildExecutor(options, fakeExecutorContext(root, 'apps/classifier', 'bento-build'), () => client)).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining('include pattern "labels.csv" matches no file in "apps/classifier/src"'),
    );
    expect(calls.filter((call) => call.startsWith('build'))).toEqual([]);
  });

  it('keeps the previous output when the export fails', async () => {
    write('dist/apps/classifier/bento/bento.json', '{"tag":"old"}');
    const { client } = fakeBentoml({
      buildBento: async () => {
        throw new UserError('bentoml export failed');
      },
    });
    const result = await bentoBuildExecutor(options, fakeExecutorContext(root, 'apps/classifier', 'bento-build'), () => client);
    expect(result).toEqual({ success: false });
    expect(readFileSync(join(root, 'dist/apps/classifier/bento/bento.json'), 'utf8')).toBe('{"tag":"old"}');
    expect(existsSync(join(root, `dist/apps/classifier/bento.partial-${process.pid}`))).toBe(false);
  });

  it('refuses a BentoML outside the supported range before building, naming the version and the range', async () => {
    const { client, calls } = fakeBentoml({}, { bentomlVersion: '1.5.0' });
    expect(await bentoBuildExecutor(options, fakeExecutorContext(root, 'apps/classifier', 'bento-build'), () => client)).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining('BentoML 1.5.0 (installed for python3) is not a version nx-bentoml supports (>=1.4.20 <1.5.0)'),
    );
    expect(calls).toEqual([]);
  });

  it('reports a missing BentoML installation with how to install it', async () => {
    const { client } = fakeBentoml({
      version: async () => {
        throw new UserError('BentoML is not installed for python3. Install it with "python3 -m pip install bentoml"');
      },
    });
    expect(await bentoBuildExecutor(options, fakeExecutorContext(root, 'apps/classifier', 'bento-build'), () => client)).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('pip install bentoml'));
  });
});

/** Runs with these variables set (undefined: unset) in this process, as a task would see them; restores them after. */
async function withEnv(variables: Record<string, string | undefined>, run: () => Promise<void>) {
  const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  const assign = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  assign(variables);
  try {
    await run();
  } finally {
    assign(saved);
  }
}
