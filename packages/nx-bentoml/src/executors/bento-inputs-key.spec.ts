import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { bentoInputsKey } from './bento-inputs-key';

describe('bentoInputsKey', () => {
  let root: string;
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const inputs = [
    '{workspaceRoot}/apps/svc/bentofile.yaml',
    '{workspaceRoot}/apps/svc/model/*.bentomodel',
    '{projectRoot}/**/*',
    '!{projectRoot}/notes/**',
    { runtime: 'node -e "console.log(process.env.KEY_TEST_RUNTIME)"' },
    { env: 'KEY_TEST_ENV' },
  ];
  const context = (project: { tags?: string[]; inputs?: unknown[]; imageName?: string } = {}) =>
    ({
      root,
      cwd: root,
      projectName: 'svc',
      targetName: 'bento-build',
      projectsConfigurations: {
        version: 2,
        projects: {
          svc: {
            root: 'apps/svc',
            tags: project.tags ?? [],
            targets: {
              'bento-build': { inputs: project.inputs ?? inputs },
              'docker-push': { options: { imageName: project.imageName ?? 'svc' } },
            },
          },
        },
      },
    }) as unknown as ExecutorContext;
  const options = { outputPath: 'dist/apps/svc/bento' };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'inputs-key-'));
    write('apps/svc/bentofile.yaml', 'service: "service:Svc"\n');
    write('apps/svc/service.py', 'import bentoml\n');
    write('apps/svc/model/iris.bentomodel', 'weights');
    write('apps/svc/notes/todo.md', 'later');
    process.env['KEY_TEST_RUNTIME'] = 'store v1';
    process.env['KEY_TEST_ENV'] = 'a';
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    delete process.env['KEY_TEST_RUNTIME'];
    delete process.env['KEY_TEST_ENV'];
  });

  it('stays the same when only the project configuration changes (tags, other targets)', async () => {
    const key = (await bentoInputsKey(context(), options))?.key;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect((await bentoInputsKey(context({ tags: ['team:vision'], imageName: 'renamed' }), options))?.key).toBe(key);
    expect((await bentoInputsKey(context(), { ...options }))?.key).toBe(key);
  });

  it('changes with a selected file, a runtime output, an env value or the options, not with a negated file', async () => {
    const key = (await bentoInputsKey(context(), options))?.key;
    write('apps/svc/notes/todo.md', 'done');
    expect((await bentoInputsKey(context(), options))?.key).toBe(key);

    const changes: Array<() => void> = [
      () => write('apps/svc/service.py', 'import bentoml  # changed\n'),
      () => write('apps/svc/model/iris.bentomodel', 'retrained'),
      () => (process.env['KEY_TEST_RUNTIME'] = 'store v2'),
      () => (process.env['KEY_TEST_ENV'] = 'b'),
    ];
    const keys = new Set([key]);
    for (const change of changes) {
      change();
      keys.add((await bentoInputsKey(context(), options))?.key);
    }
    keys.add((await bentoInputsKey(context(), { ...options, python: '/opt/python' }))?.key);
    expect(keys.size).toBe(changes.length + 2);
  });

  it('hashes the model files bento-build imports even when its inputs miss them, and names those', async () => {
    const plain = await bentoInputsKey(context(), options);
    // Selected by the inputs already: the same key, nothing to report.
    expect(await bentoInputsKey(context(), options, ['apps/svc/model/iris.bentomodel'])).toEqual(plain);
    // Outside the project, so outside every input glob (a project's own modelFiles the inputs were not made from).
    write('models/shared/iris.bentomodel', 'weights');
    const outside = await bentoInputsKey(context(), options, ['models/shared/iris.bentomodel']);
    expect(outside?.notInInputs).toEqual(['models/shared/iris.bentomodel']);
    expect(outside?.key).not.toBe(plain?.key);
    write('models/shared/iris.bentomodel', 'retrained');
    expect((await bentoInputsKey(context(), options, ['models/shared/iris.bentomodel']))?.key).not.toBe(outside?.key);
  });

  it("leaves the version to Nx's task hash when an input is of a kind it does not read", async () => {
    expect(await bentoInputsKey(context({ inputs: ['default'] }), options)).toBeUndefined();
    expect(await bentoInputsKey(context({ inputs: [...inputs, '^production'] }), options)).toBeUndefined();
    expect(await bentoInputsKey(context({ inputs: [{ externalDependencies: ['bentoml'] }] }), options)).toBeUndefined();
    expect(await bentoInputsKey(context({ inputs: [] }), options)).toBeUndefined();
  });
});
