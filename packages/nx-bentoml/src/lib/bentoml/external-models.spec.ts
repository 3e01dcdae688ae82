import { execFile, execFileSync, execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { closedEndpoint, useStandInHub } from '../../testing/hugging-face-hub';
import {
  type ResolvedModel,
  assertExternalModelsAvailable,
  describeResolvedModel,
  externalModelsInput,
  externalModelsProgram,
  huggingFaceCommits,
  modelFilesPattern,
  parseExternalModels,
} from './external-models';
import type { ServiceModels } from './service-models';

describe('external models', () => {
  let root: string;
  const write = (path: string, content = '') => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  // Offline: the Hugging Face cache alone (the hub's own specs are below).
  const env = () => ({ ...process.env, BENTOML_HOME: join(root, 'home'), HF_HUB_CACHE: join(root, 'hub'), HF_HUB_OFFLINE: '1' });
  const models: ServiceModels = {
    store: [
      { name: 'iris', version: 'latest' },
      { name: 'iris', version: 'v1' },
      { name: 'gone', version: 'latest' },
    ],
    huggingFace: [
      { repository: 'org/tiny', revision: 'main' },
      { repository: 'org/absent', revision: 'main' },
    ],
  };
  const run = (projectRoot: string, modelFiles = ['**/*.bentomodel']) =>
    execFileSync('node', externalModelsProgram(projectRoot, modelFiles, models), { cwd: root, env: env(), encoding: 'utf8' });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'external-models-'));
    write('home/models/iris/latest', 'v2\n');
    write('home/models/iris/v1/model.yaml', 'name: iris\nversion: v1\n');
    write('home/models/iris/v2/model.yaml', 'name: iris\nversion: v2\n');
    write('hub/models--org--tiny/refs/main', 'a'.repeat(40));
    mkdirSync(join(root, 'hub/models--org--tiny/snapshots', 'a'.repeat(40)), { recursive: true });
    mkdirSync(join(root, 'apps/svc'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('resolves store models to their exact version and Hugging Face models to the cached commit', () => {
    const resolved = parseExternalModels(run('apps/svc'), models);
    expect(resolved).toEqual([
      { kind: 'store', model: models.store[0], state: { tag: 'iris:v2', digest: expect.stringMatching(/^[0-9a-f]{16}$/) } },
      { kind: 'store', model: models.store[1], state: { tag: 'iris:v1', digest: expect.stringMatching(/^[0-9a-f]{16}$/) } },
      { kind: 'store', model: models.store[2], state: 'absent' },
      { kind: 'huggingFace', model: models.huggingFace[0], state: { commit: 'a'.repeat(40) } },
      { kind: 'huggingFace', model: models.huggingFace[1], state: 'absent' },
    ]);
  });

  it('prints another line when the store model is retrained, the same when nothing changed', () => {
    const before = run('apps/svc');
    expect(run('apps/svc')).toBe(before);
    write('home/models/iris/v3/model.yaml', 'name: iris\nversion: v3\n');
    write('home/models/iris/latest', 'v3');
    expect(run('apps/svc')).not.toBe(before);
    expect(run('apps/svc')).toContain('store:iris:latest iris:v3 ');
  });

  it('leaves the store alone when the project keeps model files, pulled or as DVC pointers, outside skipped directories', () => {
    write('apps/svc/.venv/lib/x.bentomodel');
    write('apps/svc/node_modules/y.bentomodel');
    expect(run('apps/svc')).toContain('store:iris:latest iris:v2 ');
    write('apps/svc/model/iris.bentomodel.dvc', 'outs: []\n');
    expect(run('apps/svc')).toContain('store:iris:latest project-files');
    expect(run('apps/svc', ['models/*.bentomodel'])).toContain('store:iris:latest iris:v2 ');
    // Hugging Face models never come from the project's files.
    expect(run('apps/svc')).toContain(`hf:org/tiny@main ${'a'.repeat(40)}`);
  });

  it('is one shell-safe runtime input that sh runs as Nx would, in the workspace root', () => {
    const input = externalModelsInput(root, 'apps/svc', ['**/*.bentomodel'], models)!;
    expect(input.runtime).toMatch(/^node "[^"]+\/external-models-resolver\.js" "apps\/svc" /);
    expect(input.runtime).not.toMatch(/[$%`\\]/);
    expect(execSync(input.runtime, { cwd: root, env: env(), encoding: 'utf8' })).toBe(run('apps/svc'));
    expect(externalModelsInput(root, 'apps/svc', ['**/*.bentomodel'], { store: [], huggingFace: [] })).toBeUndefined();
  });

  it('looks for Hugging Face models where BentoML does: BENTOML_HF_CACHE_DIR first', () => {
    const hub = join(root, 'bentoml-hf');
    write(`bentoml-hf/models--org--absent/refs/main`, 'b'.repeat(40));
    mkdirSync(join(hub, 'models--org--absent/snapshots', 'b'.repeat(40)), { recursive: true });
    const output = execFileSync('node', externalModelsProgram('apps/svc', ['**/*.bentomodel'], models), {
      cwd: root,
      env: { ...env(), BENTOML_HF_CACHE_DIR: hub },
      encoding: 'utf8',
    });
    expect(output).toContain(`hf:org/absent@main ${'b'.repeat(40)}`);
    expect(output).toContain('hf:org/tiny@main absent');
  });

  it('turns model file globs into one pattern over relative paths', () => {
    const pattern = new RegExp(`^${modelFilesPattern(['**/*.bentomodel', 'weights/{a,b}.bin'])}$`);
    const matching = ['iris.bentomodel', 'model/iris.bentomodel', 'a/b/c.bentomodel.dvc', 'weights/a.bin', 'weights/b.bin.dvc'];
    expect(matching.filter((path) => pattern.test(path))).toEqual(matching);
    expect(['iris.bentomodelx', 'weights/c.bin', 'x/weights/a.bin', 'iris.bentomodel.bak'].filter((path) => pattern.test(path))).toEqual(
      [],
    );
  });

  describe('against a reachable Hugging Face hub', () => {
    const hub = useStandInHub({ token: 'hf_secret_token' });
    const first = 'c'.repeat(40);
    const pinned = 'd'.repeat(40);
    const online = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
      const reached: NodeJS.ProcessEnv = {
        ...env(),
        HF_ENDPOINT: `${hub.endpoint}/`,
        HF_TOKEN: 'hf_secret_token',
        HF_TOKEN_PATH: join(root, 'no-token'),
      };
      for (const name of ['HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE', 'HTTPS_PROXY', 'https_proxy']) delete reached[name];
      return { ...reached, ...extra };
    };
    /** The resolver as Nx runs it, without blocking this process: the stand-in hub answers from it. */
    const resolve = async (asked: ServiceModels, extra?: Record<string, string>) => {
      const { stdout } = await promisify(execFile)('node', externalModelsProgram('apps/svc', ['**/*.bentomodel'], asked), {
        cwd: root,
        env: online(extra),
      });
      return stdout;
    };
    const tiny: ServiceModels = { store: [], huggingFace: [{ repository: 'org/tiny', revision: 'main' }] };

    it("prints the hub's commit for a revision, one request per model with HF_TOKEN as a bearer; a commit revision asks nothing", async () => {
      hub.commit('org/tiny', 'main', first);
      const asked: ServiceModels = {
        store: [{ name: 'iris', version: 'latest' }],
        huggingFace: [
          { repository: 'org/tiny', revision: 'main' },
          { repository: 'org/absent', revision: pinned },
        ],
      };
      const output = await resolve(asked);
      // The cache holds another commit of org/tiny and nothing of org/absent: the hub decides.
      expect(output.split('\n')).toEqual([
        expect.stringMatching(/^store:iris:latest iris:v2 [0-9a-f]{16}$/),
        `hf:org/tiny@main ${first} ${hub.endpoint}`,
        `hf:org/absent@${pinned} ${pinned} ${hub.endpoint}`,
        '',
      ]);
      expect(hub.requests).toEqual([{ path: '/api/models/org/tiny/revision/main', authorization: 'Bearer hf_secret_token' }]);
      const resolved = parseExternalModels(output, asked);
      expect(resolved.slice(1)).toEqual([
        { kind: 'huggingFace', model: asked.huggingFace[0], state: { commit: first } },
        { kind: 'huggingFace', model: asked.huggingFace[1], state: { commit: pinned } },
      ]);
      expect(huggingFaceCommits(resolved)).toEqual({ 'org/tiny@main': first, [`org/absent@${pinned}`]: pinned });
      expect(() => assertExternalModelsAvailable(resolved, 'apps/svc/service.py')).not.toThrow();
      expect(describeResolvedModel(resolved[1], online())).toBe(`Hugging Face model org/tiny@main: commit ${first} at ${hub.endpoint}`);
      expect(describeResolvedModel(resolved[1], env())).toBe(`Hugging Face model org/tiny@main: commit ${first} in the local cache`);
    });

    it("prints another line when the hub's main moves to a new commit, the same while it stays", async () => {
      hub.commit('org/tiny', 'main', first);
      const before = await resolve(tiny);
      expect(await resolve(tiny)).toBe(before);
      hub.commit('org/tiny', 'main', 'e'.repeat(40));
      expect(await resolve(tiny)).toBe(`hf:org/tiny@main ${'e'.repeat(40)} ${hub.endpoint}\n`);
    });

    it('asks the hub nothing for a service without Hugging Face models, nor offline', async () => {
      await resolve({ store: [{ name: 'iris', version: 'latest' }], huggingFace: [] });
      await resolve(tiny, { HF_HUB_OFFLINE: '1' });
      expect(hub.requests).toEqual([]);
    });

    it('says what to do when the hub cannot be reached, refuses the model or lacks the revision; the token is never printed', async () => {
      const failure = async (extra?: Record<string, string>, models = tiny) => {
        const output = await resolve(models, extra);
        expect(output).not.toContain('hf_secret_token');
        const resolved = parseExternalModels(output, models);
        let message = '';
        try {
          assertExternalModelsAvailable(resolved, 'apps/svc/service.py', online(extra));
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message).not.toContain('hf_secret_token');
        return { state: resolved[0].state, message };
      };
      const asked = 'apps/svc/service.py asks for the Hugging Face model org/tiny at revision main, and the Hugging Face hub at';

      expect((await failure({ HF_TOKEN: '' })).message).toBe(
        `${asked} ${hub.endpoint} refused it (HTTP 401, RepoNotFound) without a token: the model is private or gated, or its id is wrong. ` +
          'Set HF_TOKEN to a token that can read it, or fix the model id in the service, then run again.',
      );
      expect((await failure({ HF_TOKEN: 'hf_wrong_token' })).message).toContain(
        'refused it (HTTP 401, RepoNotFound) to the token this machine sent: the model is private or gated, or its id is wrong. Set HF_TOKEN to a token that can read it (for a gated model, accept its terms',
      );
      hub.commit('org/tiny', 'v1', first);
      expect((await failure()).message).toBe(
        `${asked} ${hub.endpoint} has no revision main of org/tiny (HTTP 404, RevisionNotFound). Fix the revision (a branch, tag or commit of the model), then run again.`,
      );

      hub.answerEverything(404, 'RepoNotFound');
      expect((await failure()).message).toBe(
        `${asked} ${hub.endpoint} answered HTTP 404, RepoNotFound: it has no model org/tiny. Fix the model id or revision in the service, then run again.`,
      );

      hub.hang();
      const silent = await failure({ HF_HUB_ETAG_TIMEOUT: '1' });
      expect(silent.state).toEqual({ hub: 'unreachable', endpoint: hub.endpoint, reason: 'no answer within 1 s' });
      expect(silent.message).toBe(
        `${asked} ${hub.endpoint} cannot be reached to learn its commit (no answer within 1 s). ` +
          "Set HF_HUB_OFFLINE=1 to build from this machine's Hugging Face cache (BENTOML_HF_CACHE_DIR, else HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, " +
          'else HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub), ' +
          "or fix HF_ENDPOINT (the hub's address; unset, https://huggingface.co), then run again.",
      );
      const closed = await closedEndpoint();
      const nobody = await failure({ HF_ENDPOINT: closed });
      expect(nobody.message).toContain(
        `the Hugging Face hub at ${closed} cannot be reached to learn its commit (ECONNREFUSED). Set HF_HUB_OFFLINE=1`,
      );
      const unreachable = parseExternalModels(`hf:org/tiny@main unreachable ${hub.endpoint} ETIMEDOUT\n`, tiny);
      expect(() => assertExternalModelsAvailable(unreachable, 'apps/svc/service.py', { HTTP_PROXY: 'http://proxy:3128' })).toThrow(
        'then run again. The request goes through the proxy HTTP_PROXY names unless NO_PROXY lists the hub: check both.',
      );
    });

    it('offline, refuses a model missing from the local cache, naming the way to fetch it', () => {
      const absent: ResolvedModel = { kind: 'huggingFace', model: { repository: 'org/tiny', revision: 'main' }, state: 'absent' };
      expect(() => assertExternalModelsAvailable([absent], 'apps/svc/service.py')).toThrow(
        "apps/svc/service.py asks for the Hugging Face model org/tiny at revision main, which is not in this machine's Hugging Face cache " +
          '(BENTOML_HF_CACHE_DIR, else HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub), ' +
          'and HF_HUB_OFFLINE keeps the hub out of reach. Unset HF_HUB_OFFLINE to fetch it from the hub (HF_ENDPOINT, HF_TOKEN), ' +
          'or download it where the hub is reachable ("hf download org/tiny --revision main") and provide that cache here, or fix the model id or revision, then run again.',
      );
    });
  });
});
