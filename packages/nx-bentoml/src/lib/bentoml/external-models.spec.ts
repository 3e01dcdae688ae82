import { execFileSync, execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { externalModelsInput, externalModelsProgram, modelFilesPattern, parseExternalModels } from './external-models';
import type { ServiceModels } from './service-models';

describe('external models', () => {
  let root: string;
  const write = (path: string, content = '') => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const env = () => ({ ...process.env, BENTOML_HOME: join(root, 'home'), HF_HUB_CACHE: join(root, 'hub') });
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
});
