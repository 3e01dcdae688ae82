import type { CreateDependenciesContext } from '@nx/devkit';
import { useTempDir } from '../testing/temp-dir';
import { createDependencies } from './dependencies';

describe('createDependencies', () => {
  const workspace = useTempDir('nx-bentoml-deps-');
  const write = workspace.write;
  const bentofile = (include: string[]) => `service: "serve:S"\ninclude:\n${include.map((line) => `  - "${line}"`).join('\n')}\n`;
  const edges = async () => {
    const projects = { alpha: 'apps/alpha', beta: 'apps/beta', features: 'libs/features', text: 'libs/text' };
    const files: Record<string, string> = {
      alpha: 'apps/alpha/src/bentofile.yaml',
      beta: 'apps/beta/src/bentofile.yaml',
    };
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
});
