import type { CreateDependenciesContext, CreateNodesContext } from '@nx/devkit';
import { useTempDir } from '../testing/temp-dir';
import { createDependencies } from './dependencies';
import { createNodes } from './plugin';

describe('createDependencies', () => {
  const workspace = useTempDir('nx-bentoml-deps-');
  const write = workspace.write;
  beforeEach(() => (process.env['NX_WORKSPACE_DATA_DIRECTORY'] = `${workspace.dir}/.nx/workspace-data`));
  afterEach(() => delete process.env['NX_WORKSPACE_DATA_DIRECTORY']);
  const bentofile = (include: string[]) => `service: "serve:S"\ninclude:\n${include.map((line) => `  - "${line}"`).join('\n')}\n`;
  const edges = async (
    files: Record<string, string> = {
      alpha: 'apps/alpha/src/bentofile.yaml',
      beta: 'apps/beta/src/bentofile.yaml',
    },
  ) => {
    const projects = { alpha: 'apps/alpha', beta: 'apps/beta', features: 'libs/features', text: 'libs/text' };
    const context = {
      workspaceRoot: workspace.dir,
      projects: Object.fromEntries(Object.entries(projects).map(([name, root]) => [name, { root }])),
      fileMap: {
        projectFileMap: Object.fromEntries(
          Object.keys(projects).map((name) => [name, files[name] ? [{ file: files[name], hash: '1' }] : []]),
        ),
        nonProjectFiles: [],
      },
    } as unknown as CreateDependenciesContext;
    return (await createDependencies({}, context)).map(
      (edge) => `${edge.source} -> ${edge.target} (${'sourceFile' in edge ? edge.sourceFile : ''})`,
    );
  };

  it('links a service to each workspace library its bentofile includes from outside its build context', async () => {
    write('apps/alpha/src/bentofile.yaml', bentofile(['*.py', '../../../libs/features/features/**/*.py', '../../../libs/text/text/**']));
    write('apps/beta/src/bentofile.yaml', bentofile(['*.py']));
    expect(await edges()).toEqual(['alpha -> features (apps/alpha/src/bentofile.yaml)', 'alpha -> text (apps/alpha/src/bentofile.yaml)']);
  });

  it('adds no edge for includes inside the project, and none for a malformed bentofile', async () => {
    write('apps/alpha/src/bentofile.yaml', bentofile(['../shared/**']));
    write('apps/beta/src/bentofile.yaml', 'service: [unclosed');
    expect(await edges()).toEqual([]);
  });

  it('links a pyproject.toml service to the library its [tool.bentoml.build] include packs', async () => {
    write(
      'apps/alpha/src/pyproject.toml',
      '[project]\nname = "alpha"\n\n[tool.bentoml.build]\nservice = "service.py:S"\ninclude = ["*.py", "../../../libs/features/features/**/*.py"]\n',
    );
    write('apps/beta/src/service.py', 'import bentoml\n\n@bentoml.service\nclass S:\n    pass\n');
    expect(await edges({ alpha: 'apps/alpha/src/pyproject.toml', beta: 'apps/beta/src/service.py' })).toEqual([
      'alpha -> features (apps/alpha/src/pyproject.toml)',
    ]);
  });

  it('takes the build configs createNodes just found instead of reading them again', async () => {
    write('apps/alpha/src/bentofile.yaml', bentofile(['*.py', '../../../libs/text/text/**']));
    const nodesContext = { workspaceRoot: workspace.dir, nxJsonConfiguration: {} } as CreateNodesContext;
    await createNodes[1](['apps/alpha/src/bentofile.yaml'], {}, nodesContext);
    // Unreadable now: an edge can only come from what createNodes found.
    write('apps/alpha/src/bentofile.yaml', 'service: [unclosed');
    expect(await edges({ alpha: 'apps/alpha/src/bentofile.yaml' })).toEqual(['alpha -> text (apps/alpha/src/bentofile.yaml)']);
  });
});
