import { type Tree, addProjectConfiguration } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parse } from 'yaml';
import { bentofileGenerator } from './generator';
import { detectServiceClass } from './detect-service';

const handWrittenServe = `import bentoml

@bentoml.service(
    resources={"cpu": "1"},
)
class CelestialBodiesClassifierService:
    pass
`;

describe('bentofile generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    addProjectConfiguration(tree, 'celestial', { root: 'apps/celestial' });
    tree.write('apps/celestial/src/serve.py', handWrittenServe);
  });

  it('writes src/bentofile.yaml with the service detected from serve.py', async () => {
    await bentofileGenerator(tree, {
      skipFormat: true,
      project: 'celestial',
      pythonPackages: ['tensorflow==2.17.1'],
      pythonVersion: '3.12',
    });
    expect(parse(tree.read('apps/celestial/src/bentofile.yaml', 'utf-8')!)).toEqual({
      service: 'serve:CelestialBodiesClassifierService',
      include: ['serve.py'],
      python: { packages: ['tensorflow==2.17.1'] },
      docker: { python_version: '3.12' },
    });
  });

  it('writes the bentofile at the project root when serve.py is there', async () => {
    addProjectConfiguration(tree, 'flat', { root: 'apps/flat' });
    tree.write('apps/flat/serve.py', handWrittenServe);
    await bentofileGenerator(tree, { skipFormat: true, project: 'flat', baseImage: 'local/python:3.11' });
    expect(parse(tree.read('apps/flat/bentofile.yaml', 'utf-8')!).docker).toEqual({
      python_version: '3.11',
      base_image: 'local/python:3.11',
    });
  });

  it('refuses to overwrite an existing bentofile without --force', async () => {
    tree.write('apps/celestial/src/bentofile.yaml', 'service: "serve:Old"\n');
    await expect(bentofileGenerator(tree, { skipFormat: true, project: 'celestial' })).rejects.toThrow(
      'apps/celestial/src/bentofile.yaml already exists. Edit it, or run again with --force to replace it.',
    );
    expect(tree.read('apps/celestial/src/bentofile.yaml', 'utf-8')).toBe('service: "serve:Old"\n');
    await bentofileGenerator(tree, { skipFormat: true, project: 'celestial', force: true });
    expect(tree.read('apps/celestial/src/bentofile.yaml', 'utf-8')).toContain('CelestialBodiesClassifierService');
  });

  it('explains what to pass when no service class can be found', async () => {
    tree.write('apps/celestial/src/serve.py', 'print("no service here")\n');
    await expect(bentofileGenerator(tree, { skipFormat: true, project: 'celestial' })).rejects.toThrow(
      'No @bentoml.service class found in apps/celestial/src/serve.py',
    );
  });

  it('rejects an unknown project and a service module that does not exist', async () => {
    await expect(bentofileGenerator(tree, { skipFormat: true, project: 'nope' })).rejects.toThrow('Cannot find a project named "nope"');
    await expect(bentofileGenerator(tree, { skipFormat: true, project: 'celestial', service: 'api:Svc' })).rejects.toThrow(
      'The service module apps/celestial/src/api.py does not exist',
    );
  });

  it('registers the plugin', async () => {
    await bentofileGenerator(tree, { skipFormat: true, project: 'celestial' });
    expect(tree.read('nx.json', 'utf-8')).toContain('"plugin": "nx-bentoml"');
  });
});

describe('detectServiceClass', () => {
  it('finds a class under a bare @service decorator with others in between', () => {
    expect(detectServiceClass('from bentoml import service\n\n@service\n@other\nclass Svc:\n  pass\n')).toBe('Svc');
    expect(detectServiceClass('class Plain:\n  pass\n')).toBeUndefined();
  });
});
