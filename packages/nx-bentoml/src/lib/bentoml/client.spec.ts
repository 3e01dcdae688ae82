import { runCommand } from '../process/run-command';
import { useTempDir } from '../../testing/temp-dir';
import { BuildStageEnvsError, createBentomlClient } from './client';

jest.mock('../process/run-command', () => ({ runCommand: jest.fn() }));
const run = jest.mocked(runCommand);

describe('createBentomlClient().buildBento', () => {
  // The store lock file goes into the BentoML home: a temporary one, not the user's.
  const home = useTempDir('bentoml-home-');
  beforeEach(() => run.mockReset());
  const bentoml = () => createBentomlClient({ python: 'python', cwd: '/ws', env: { BENTOML_HOME: home.dir } });
  const request = {
    modelFiles: ['/ws/apps/x/model/iris.bentomodel'],
    contextDir: '/ws/apps/x/src',
    bentofile: '/ws/apps/x/src/bentofile.yaml',
    version: 'v1',
    exportTo: '/tmp/out/exported.tar',
  };
  const command = (args: string[], exitCode: number, stdout = '', stderr = '') => ({ args, exitCode, stdout, stderr });
  const session = (...results: unknown[]) => ({
    exitCode: 0,
    stdout: `INFO noise\n---nx-bentoml-session---\n${JSON.stringify(results)}`,
    stderr: '',
  });
  const info = { name: 'classifier', version: 'v1', services: [{ models: [{ tag: 'iris:abc' }] }], models: [] };

  it('imports, builds without "--output tag", describes and exports in one BentoML process, and reads each command as the CLI alone', async () => {
    run.mockResolvedValue(
      session(
        command(
          ['models', 'import', request.modelFiles[0]],
          1,
          '',
          "Error: [models] `import` failed: Item 'iris:abc' already exists in the store /h",
        ),
        {
          ...command(['build'], 0, 'Successfully built Bento(tag="classifier:v1").', 'INFO: Locking PyPI package versions.'),
          lockReused: true,
        },
        command(['get'], 0, JSON.stringify(info)),
        command(['export'], 0, 'Bento(tag="classifier:v1") exported'),
      ),
    );
    expect(await bentoml().buildBento({ ...request, lockCache: '/ws/.nx/workspace-data/nx-bentoml-python-locks' })).toEqual({
      models: [{ file: request.modelFiles[0], tag: 'iris:abc', state: 'present' }],
      tag: 'classifier:v1',
      built: true,
      lockReused: true,
      info,
    });
    expect(run).toHaveBeenCalledTimes(1);
    const [python, args] = run.mock.calls[0];
    expect(python).toBe('python');
    expect(args[0]).toMatch(/python\/build_session\.py$/);
    expect(JSON.parse(args[1])).toEqual({
      modelFiles: request.modelFiles,
      version: 'v1',
      build: ['build', '/ws/apps/x/src', '--bentofile', '/ws/apps/x/src/bentofile.yaml', '--version', 'v1'],
      exportTo: '/tmp/out/exported.tar',
      lockCache: '/ws/.nx/workspace-data/nx-bentoml-python-locks',
    });
  });

  it('takes a Bento the store already holds with this version, without building', async () => {
    run.mockResolvedValue(session({ existing: 'classifier:v1' }, command(['get'], 0, JSON.stringify(info)), command(['export'], 0)));
    expect(await bentoml().buildBento({ ...request, modelFiles: [] })).toMatchObject({
      tag: 'classifier:v1',
      built: false,
      lockReused: false,
    });
  });

  it('runs BentoML out of quiet mode, whose silence would hide the built tag', async () => {
    process.env['BENTOML_QUIET'] = 'true';
    try {
      run.mockResolvedValue(session({ existing: 'classifier:v1' }, command(['get'], 0, JSON.stringify(info)), command(['export'], 0)));
      await bentoml().buildBento({ ...request, modelFiles: [] });
      expect(run.mock.calls[0][2]?.env?.['BENTOML_QUIET']).toBeUndefined();
    } finally {
      delete process.env['BENTOML_QUIET'];
    }
  });

  it('names the bentofile relative to the workspace when its packages cannot be resolved', async () => {
    run.mockResolvedValue(session(command(['build'], 1, '', 'Error: [bentos] `build` failed: Failed to lock PyPI packages.')));
    await expect(bentoml().buildBento({ ...request, modelFiles: [] })).rejects.toThrow(
      'BentoML could not resolve the Python packages of apps/x/src/bentofile.yaml',
    );
  });

  it('names the service module to fix when the model it asks for is in no model file nor the store', async () => {
    const missing = 'Error: [bentos] `build` failed: Model iris:latest could not be found locally and failed to fetch from remote.';
    run.mockResolvedValue(session(command(['build'], 1, '', missing)));
    await expect(bentoml().buildBento({ ...request, modelFiles: [], serviceModule: 'apps/x/src/service.py' })).rejects.toThrow(
      "The service asks for the model iris:latest, which is not in the BentoML store: none of the project's model files holds it. Fix the model name in apps/x/src/service.py,",
    );
  });

  it('reports an unreadable model file as its import failed, before anything else', async () => {
    run.mockResolvedValue(
      session(command(['models', 'import'], 1, '', 'Error: [models] `import` failed: file could not be opened successfully')),
    );
    await expect(bentoml().buildBento(request)).rejects.toThrow('apps/x/model/iris.bentomodel');
  });
});

describe('createBentomlClient().buildContext', () => {
  const home = useTempDir('bentoml-home-');
  beforeEach(() => run.mockReset());
  const bentoml = () => createBentomlClient({ python: 'python', cwd: '/ws', env: { BENTOML_HOME: home.dir } });
  const request = { archive: '/ws/dist/bento.tar', output: '/tmp/ctx', buildkit: true, modelFiles: ['/ws/apps/x/iris.bentomodel'] };

  it("runs BentoML's own construct_containerfile through the plugin's Python program and reads its answer", async () => {
    run.mockResolvedValue({ exitCode: 0, stdout: 'noise\n{"dockerfile": "env/docker/Dockerfile"}\n', stderr: '' });
    expect(await bentoml().buildContext(request)).toEqual({ dockerfile: 'env/docker/Dockerfile', secrets: new Map(), modelBytesCopied: 0 });
    const [python, args] = run.mock.calls[0];
    expect(python).toBe('python');
    expect(args[0]).toMatch(/python\/build_context\.py$/);
    expect(JSON.parse(args[1])).toEqual(request);
  });

  it('names a store model this machine lacks and the ways to provide it', async () => {
    run.mockResolvedValue({ exitCode: 3, stdout: '{"error": "store-models-missing", "models": ["iris:v3"]}\n', stderr: '' });
    await expect(bentoml().buildContext(request)).rejects.toThrow(
      'The BentoML store on this machine has no iris:v3, which the Bento packs, and no model file of the project holds it: the Bento was built on another machine (a cache hit). ' +
        'Import the model here (bentoml models import <file>, or bentoml models pull iris:v3), or build the Bento again on this machine (bento-build with --skip-nx-cache).',
    );
  });

  it('names a Hugging Face model missing from the local cache, with the command that downloads it', async () => {
    run.mockResolvedValue({
      exitCode: 3,
      stdout: JSON.stringify({
        error: 'hugging-face-model-missing',
        models: [{ id: 'acme/tiny', revision: 'a'.repeat(40) }],
        detail: 'LocalEntryNotFoundError: offline\nmore',
      }),
      stderr: '',
    });
    await expect(bentoml().buildContext(request)).rejects.toThrow(
      `The Hugging Face model acme/tiny at ${'a'.repeat(40)} is not all in this machine's Hugging Face cache ` +
        `(BENTOML_HF_CACHE_DIR, else HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub), and the hub cannot be asked (LocalEntryNotFoundError: offline). ` +
        'Let containerize fetch it from the hub (HF_HUB_OFFLINE unset, HF_ENDPOINT reaching the hub, HF_TOKEN for a private model), ' +
        `or download it first: hf download acme/tiny --revision ${'a'.repeat(40)}`,
    );
  });

  it("reads the build-stage variables' values as bentoml containerize does: the environment's, else the build config's", async () => {
    const answer = {
      dockerfile: 'Dockerfile',
      buildEnvs: [
        { name: 'PIP_TOKEN', default: '' },
        { name: 'INDEX', default: 'https://pypi.example' },
      ],
    };
    run.mockResolvedValue({ exitCode: 0, stdout: `${JSON.stringify(answer)}\n`, stderr: '' });
    const client = createBentomlClient({ python: 'python', cwd: '/ws', env: { BENTOML_HOME: home.dir, PIP_TOKEN: 'tok-123' } });
    const { secrets } = await client.buildContext(request);
    expect(Object.fromEntries([...secrets].map(([name, value]) => [name, value.toString()]))).toEqual({
      PIP_TOKEN: 'tok-123',
      INDEX: 'https://pypi.example',
    });
  });

  it('names a build-stage variable that is neither set nor given a value, and says where to set it', async () => {
    run.mockResolvedValue({ exitCode: 3, stdout: '{"error": "build-stage-envs-unset", "names": ["PIP_TOKEN"]}', stderr: '' });
    await expect(bentoml().buildContext(request)).rejects.toThrow(
      'The Bento reads the build-stage environment variable PIP_TOKEN (envs with stage: build) in its build steps, and it is not set here, ' +
        'nor given a value in its build config. Set PIP_TOKEN in the environment of containerize (as bentoml containerize reads it): ' +
        'it reaches the build as a BuildKit secret, in no layer, log or cache.',
    );
  });

  it("names an index whose credentials the Bento's lock lost when containerize has none for it, and the setting to give", async () => {
    run.mockResolvedValue({
      exitCode: 3,
      stdout: '{"error": "index-credentials", "reason": "unset", "indexes": ["https://pypi.internal"]}',
      stderr: '',
    });
    await expect(bentoml().buildContext(request)).rejects.toThrow(
      'The Bento installs Python packages from https://pypi.internal, whose credentials bento-build kept out of the Bento ' +
        '(they reach a build only as BuildKit secrets, never its layers). Nothing was built. ' +
        'No uv setting here holds credentials for it: set the one bento-build had (UV_INDEX_URL, UV_DEFAULT_INDEX, UV_EXTRA_INDEX_URL, UV_INDEX or UV_FIND_LINKS, ' +
        'e.g. UV_EXTRA_INDEX_URL=https://user:token@pypi.internal/simple) in the environment of containerize ' +
        '(a Bento restored from the Nx cache was built where it was set).',
    );
  });

  it('refuses index credentials to the classic builder and to a Dockerfile that mounts no secret, saying what to do instead', async () => {
    const refusal = (reason: string) => {
      run.mockResolvedValue({
        exitCode: 3,
        stdout: JSON.stringify({ error: 'index-credentials', reason, indexes: ['http://10.0.0.5:8080'] }),
        stderr: '',
      });
      return bentoml().buildContext(request);
    };
    await expect(refusal('classic')).rejects.toThrow(
      'This build uses the classic builder: set "builder": "buildkit" (or "auto") in the containerize options on an engine with BuildKit.',
    );
    await expect(refusal('no-secrets')).rejects.toThrow(
      /mounts no secret where it installs packages .* a bentoml\.images\.Image .* reachable from the build without credentials .* a base image of your own/,
    );
  });

  it('reports the build-stage environment variables a Bento needs, before anything is copied', async () => {
    run.mockResolvedValue({ exitCode: 3, stdout: '{"error": "build-stage-envs", "names": ["PIP_TOKEN"]}', stderr: '' });
    await expect(bentoml().buildContext(request)).rejects.toEqual(new BuildStageEnvsError(['PIP_TOKEN']));
  });
});

describe('createBentomlClient().version', () => {
  const home = useTempDir('bentoml-home-');
  beforeEach(() => run.mockReset());
  const bentoml = () => createBentomlClient({ python: '.venv/bin/python', cwd: '/ws', env: { BENTOML_HOME: home.dir } });

  it("reads the installed BentoML's version with the plugin's program, run by path", async () => {
    run.mockResolvedValue({ exitCode: 0, stdout: 'bentoml 1.4.39\n', stderr: '' });
    expect(await bentoml().version()).toBe('1.4.39');
    const [python, args] = run.mock.calls[0];
    expect(python).toBe('.venv/bin/python');
    expect(args).toEqual([expect.stringMatching(/python\/bentoml_version\.py$/)]);
  });

  it('refuses a BentoML outside the range package.json states, naming the version, the range and what to install', async () => {
    run.mockResolvedValue({ exitCode: 0, stdout: '1.5.0\n', stderr: '' });
    await expect(bentoml().version()).rejects.toThrow(
      'BentoML 1.5.0 (installed for .venv/bin/python) is not a version nx-bentoml supports (>=1.4.20 <1.5.0): ' +
        'its build steps rely on BentoML internals as those versions have them. ' +
        `Install a supported one (".venv/bin/python -m pip install 'bentoml>=1.4.20,<1.5.0'"), or point the "python" option at an interpreter that has one.`,
    );
    run.mockResolvedValue({ exitCode: 0, stdout: 'bentoml 1.4.19\n', stderr: '' });
    await expect(bentoml().version()).rejects.toThrow(
      'BentoML 1.4.19 (installed for .venv/bin/python) is not a version nx-bentoml supports',
    );
  });

  it('says how to install BentoML when the interpreter has none', async () => {
    run.mockResolvedValue({ exitCode: 1, stdout: '', stderr: 'BentoML is not installed for this interpreter.' });
    await expect(bentoml().version()).rejects.toThrow('BentoML is not installed for .venv/bin/python. Install it with');
  });
});
