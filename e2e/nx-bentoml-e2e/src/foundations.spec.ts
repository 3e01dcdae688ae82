import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { inputsInclude } from './support/inputs';
import { runNx, runNxUnchecked, runOrThrow } from './support/run';
import { type TestWorkspace, createWorkspace, highestNx } from './support/workspace';

const bentoTargets = ['bento-build', 'containerize', 'docker-push', 'publish', 'serve', 'smoke-test', 'versions', 'promote'];

interface ShownProject {
  root: string;
  targets: Record<
    string,
    { inputs?: Array<string | Record<string, unknown>>; dependsOn?: unknown[]; metadata?: { technologies?: string[] } }
  >;
  metadata?: { targetGroups?: Record<string, string[]> };
}

// The lowest Nx of the peer range is what create-nx-workspace gives (the other suites run on it);
// these foundations run on the highest, in a created workspace upgraded with npm.
describe(`nx-bentoml foundations in a fresh Nx workspace on Nx ${highestNx}`, () => {
  let workspace: TestWorkspace;
  const path = (file: string) => join(workspace.root, file);
  const read = (file: string) => readFileSync(path(file), 'utf8');
  const write = (file: string, content: string) => {
    mkdirSync(dirname(path(file)), { recursive: true });
    writeFileSync(path(file), content);
  };
  const showProject = (name: string): ShownProject => JSON.parse(runNx(workspace.root, ['show', 'project', name, '--json']).stdout);

  beforeAll(() => {
    workspace = createWorkspace('bento-ws', { nxVersion: highestNx });
  });

  afterAll(() => workspace?.cleanup());

  it('installs the packed plugin without breaking nx', () => {
    expect(workspace.nxVersion).toBe(highestNx);
    expect(runNx(workspace.root, ['--version']).stdout).toContain(`Local: v${highestNx}`);
    expect(existsSync(path('node_modules/nx-bentoml/package.json'))).toBe(true);
    runNx(workspace.root, ['show', 'projects']);
  });

  it('init registers nx-bentoml in nx.json plugins', () => {
    runNx(workspace.root, ['g', 'nx-bentoml:init', '--no-interactive']);
    const plugins: Array<string | { plugin: string }> = JSON.parse(read('nx.json')).plugins ?? [];
    expect(plugins.map((entry) => (typeof entry === 'string' ? entry : entry.plugin))).toContain('nx-bentoml');
  });

  it('service creates a runnable model service project', () => {
    runNx(workspace.root, ['g', 'nx-bentoml:service', 'classifier', '--no-interactive']);
    for (const file of ['src/serve.py', 'src/bentofile.yaml', 'train.py', 'params.yaml', 'smoke-test.json']) {
      expect(existsSync(path(`apps/classifier/${file}`))).toBe(true);
    }
  });

  it('infers the BentoML targets, with inputs limited to what goes into the Bento', () => {
    const project = showProject('classifier');
    expect(Object.keys(project.targets)).toEqual(expect.arrayContaining(bentoTargets));

    const inputs = project.targets['bento-build'].inputs ?? [];
    expect(inputs).toEqual(
      expect.arrayContaining([
        '{workspaceRoot}/apps/classifier/src/bentofile.yaml',
        '{workspaceRoot}/apps/classifier/src/serve.py',
        '{workspaceRoot}/apps/classifier/**/*.bentomodel',
        '{workspaceRoot}/apps/classifier/params.yaml',
      ]),
    );
    const namedInputs = JSON.parse(read('nx.json')).namedInputs ?? {};
    for (const file of [
      'src/serve.py',
      'src/bentofile.yaml',
      'model/classifier_model.bentomodel',
      'params.yaml',
      'evaluation/metrics.json',
    ]) {
      expect([file, inputsInclude(inputs, `apps/classifier/${file}`, 'apps/classifier', namedInputs)]).toEqual([file, true]);
    }
    for (const file of ['README.md', 'train.py', 'smoke-test.json', 'project.json']) {
      expect([file, inputsInclude(inputs, `apps/classifier/${file}`, 'apps/classifier', namedInputs)]).toEqual([file, false]);
    }

    const dependsOn = (project.targets['publish'].dependsOn ?? []).map((d) =>
      typeof d === 'string' ? d : (d as { target?: string }).target,
    );
    expect(dependsOn).toContain('docker-push');

    for (const target of bentoTargets) {
      expect(project.targets[target].metadata?.technologies?.length).toBeGreaterThan(0);
    }
    expect(project.metadata?.targetGroups?.['BentoML']).toEqual(expect.arrayContaining(bentoTargets));
  });

  it('bentofile adds a bentofile.yaml to a project with a hand-written service', () => {
    write('apps/celestial/project.json', JSON.stringify({ name: 'celestial' }, null, 2));
    write(
      'apps/celestial/src/serve.py',
      [
        'import bentoml',
        '',
        '',
        '@bentoml.service(',
        '    resources={"cpu": "1"},',
        '    traffic={"timeout": 10},',
        ')',
        'class CelestialBodiesClassifierService:',
        '    @bentoml.api',
        '    def predict(self, features: list[float]) -> str:',
        '        return "star"',
        '',
      ].join('\n'),
    );

    runNx(workspace.root, ['g', 'nx-bentoml:bentofile', '--project=celestial', '--no-interactive']);

    expect(parse(read('apps/celestial/src/bentofile.yaml')).service).toBe('serve:CelestialBodiesClassifierService');
    expect(Object.keys(showProject('celestial').targets)).toEqual(expect.arrayContaining(bentoTargets));
  });

  it('reports a malformed bentofile with its file, line and column', () => {
    write('apps/broken/project.json', JSON.stringify({ name: 'broken' }, null, 2));
    // Line 4 is indented by one space where a top-level key is expected.
    write('apps/broken/src/bentofile.yaml', 'service: "serve:BrokenService"\ninclude:\n  - serve.py\n docker: {python_version: 3.11\n');
    try {
      const result = runNxUnchecked(workspace.root, ['show', 'projects']);
      expect(result.status).not.toBe(0);
      expect(`${result.stdout}\n${result.stderr}`).toMatch(/apps\/broken\/src\/bentofile\.yaml:4:\d+/);
    } finally {
      rmSync(path('apps/broken'), { recursive: true, force: true });
    }
    runNx(workspace.root, ['show', 'projects']);
  });

  it('links a pyproject.toml service to the shared library its [tool.bentoml.build] include packs', () => {
    write('libs/textkit/project.json', JSON.stringify({ name: 'textkit' }, null, 2));
    write('libs/textkit/textkit/__init__.py', 'def shout(text: str) -> str:\n    return text.upper()\n');
    write(
      'apps/shouter/pyproject.toml',
      '[project]\nname = "shouter"\nversion = "0.1.0"\n\n' +
        '[tool.bentoml.build]\nservice = "service:Shouter"\ninclude = ["*.py", "../../libs/textkit/textkit/**/*.py"]\n',
    );
    write(
      'apps/shouter/service.py',
      'import bentoml\nimport textkit\n\n\n@bentoml.service\nclass Shouter:\n' +
        '    @bentoml.api\n    def shout(self, text: str) -> str:\n        return textkit.shout(text)\n',
    );

    runNx(workspace.root, ['graph', '--file=graph.json']);
    const graph: { graph: { dependencies: Record<string, Array<{ target: string }>> } } = JSON.parse(read('graph.json'));
    expect(graph.graph.dependencies['shouter']?.map((edge) => edge.target)).toContain('textkit');
    const affected = runNx(workspace.root, ['show', 'projects', '--affected', '--files=libs/textkit/textkit/__init__.py', '--json']);
    expect(JSON.parse(affected.stdout)).toEqual(expect.arrayContaining(['textkit', 'shouter']));
  });
  it(`selects no task of the chain for a README or training-code commit on Nx ${highestNx}'s task-based affected, and the whole chain for a service change`, () => {
    const commit = (message: string) => {
      runOrThrow('git', ['add', '-A'], workspace.root);
      runOrThrow('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'commit', '-qm', message], workspace.root);
    };
    /** The tasks `nx affected -t publish` would run for the last commit. */
    const affectedTasks = () => {
      const output = runNx(workspace.root, ['affected', '-t', 'publish', '--base=HEAD~1', '--head=HEAD', '--graph=stdout']).stdout;
      return Object.keys(JSON.parse(output.slice(output.indexOf('{'))).tasks.tasks as object).sort();
    };
    commit('services');
    writeFileSync(path('apps/classifier/README.md'), `${read('apps/classifier/README.md')}\nMore words.\n`);
    commit('readme');
    expect(affectedTasks()).toEqual([]);
    // Training code is no part of the Bento either (its model file is).
    writeFileSync(path('apps/classifier/train.py'), `${read('apps/classifier/train.py')}\n# a note\n`);
    commit('training');
    expect(affectedTasks()).toEqual([]);
    writeFileSync(path('apps/classifier/src/serve.py'), `${read('apps/classifier/src/serve.py')}\n# changed\n`);
    commit('service');
    expect(affectedTasks()).toEqual(
      ['bento-build', 'containerize', 'docker-push', 'publish', 'smoke-test'].map((target) => `classifier:${target}`),
    );
  });
});
