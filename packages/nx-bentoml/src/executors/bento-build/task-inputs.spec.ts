import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { bentoKey, resolveInputSelection } from '../../lib/chain/bento-key';
import { taskInputSelection } from './task-inputs';

/** Rule 1's key as bento-build takes it: the task's inputs read from the context, resolved, hashed with the options. */
async function bentoInputsKey(context: ExecutorContext, options: object, modelFiles: string[] = []) {
  const selection = taskInputSelection(context);
  return selection && bentoKey(context.root, await resolveInputSelection(context.root, selection), { options, modelFiles });
}

describe("bento-build's key from its task inputs", () => {
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
    expect(await bentoInputsKey(context({ inputs: [{ externalDependencies: ['bentoml'] }] }), options)).toBeUndefined();
    expect(await bentoInputsKey(context({ inputs: [...inputs, { dependentTasksOutputFiles: '**/*.json' }] }), options)).toBeUndefined();
    expect(await bentoInputsKey(context({ inputs: ['apps/svc/**'] }), options)).toBeUndefined();
    expect(await bentoInputsKey(context({ inputs: [] }), options)).toBeUndefined();
  });

  it('reads named inputs as Nx expands them: "default" is the project\'s files unless nx.json or the project redefines it', async () => {
    const named = await bentoInputsKey(context({ inputs: ['default'] }), options);
    expect(named?.key).toBe((await bentoInputsKey(context({ inputs: ['{projectRoot}/**/*'] }), options))?.key);
    write('apps/svc/notes/todo.md', 'done');
    expect((await bentoInputsKey(context({ inputs: ['default'] }), options))?.key).not.toBe(named?.key);

    const production = context({ inputs: ['production'] });
    production.nxJsonConfiguration = { namedInputs: { production: ['default', '!{projectRoot}/notes/**'] } };
    const key = (await bentoInputsKey(production, options))?.key;
    write('apps/svc/notes/todo.md', 'later again');
    expect((await bentoInputsKey(production, options))?.key).toBe(key);
    write('apps/svc/service.py', 'import bentoml  # changed\n');
    expect((await bentoInputsKey(production, options))?.key).not.toBe(key);
  });

  it('reads "^" inputs through every project the task\'s project depends on, and { input, projects } in the projects named', async () => {
    write('libs/features/features/__init__.py', 'SCALE = 2\n');
    write('libs/text/text/__init__.py', 'CASE = "upper"\n');
    const withLibraries = (inputs: unknown[]) => {
      const withDeps = context({ inputs });
      withDeps.projectsConfigurations.projects['features'] = { root: 'libs/features' };
      withDeps.projectsConfigurations.projects['text'] = { root: 'libs/text' };
      // svc -> features -> text, and an npm package counted by its version.
      withDeps.projectGraph = {
        nodes: {},
        dependencies: {
          svc: [{ source: 'svc', target: 'features', type: 'static' }],
          features: [
            { source: 'features', target: 'text', type: 'static' },
            { source: 'features', target: 'npm:left-pad', type: 'static' },
          ],
        },
        externalNodes: { 'npm:left-pad': { name: 'npm:left-pad', type: 'npm', data: { version: '1.3.0', packageName: 'left-pad' } } },
      };
      return withDeps;
    };
    const key = async (inputs: unknown[], leftPad = '1.3.0') => {
      const withDeps = withLibraries(inputs);
      withDeps.projectGraph.externalNodes!['npm:left-pad'].data.version = leftPad;
      return (await bentoInputsKey(withDeps, options))?.key;
    };
    const own = await key(inputs);
    const withDependencies = await key([...inputs, '^default']);
    const withNamedProject = await key([...inputs, { input: 'default', projects: ['text'] }]);
    expect(new Set([own, withDependencies, withNamedProject]).size).toBe(3);

    write('libs/text/text/__init__.py', 'CASE = "lower"\n');
    expect(await key(inputs)).toBe(own);
    expect(await key([...inputs, '^default'])).not.toBe(withDependencies);
    expect(await key([...inputs, { input: 'default', projects: ['text'] }])).not.toBe(withNamedProject);
    const now = await key([...inputs, '^default']);
    expect(await key([...inputs, '^default'], '1.3.1')).not.toBe(now);
  });
});
