import { type Tree, readNxJson, readProjectConfiguration } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parseBentofile } from '../../lib/bentoml/build-config-schema';
import { scikitLearnVersion } from '../../lib/pinned-versions';
import { serviceGenerator } from './generator';

describe('service generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  it('scaffolds a runnable service under apps/<name>', async () => {
    await serviceGenerator(tree, { skipFormat: true, name: 'classifier' });
    for (const file of [
      'src/serve.py',
      'src/bentofile.yaml',
      'params.yaml',
      'train.py',
      'requirements.txt',
      'README.md',
      'smoke-test.json',
    ]) {
      expect([file, tree.exists(`apps/classifier/${file}`)]).toEqual([file, true]);
    }
    const project = readProjectConfiguration(tree, 'classifier');
    expect(project.root).toBe('apps/classifier');
    expect(project.projectType).toBe('application');
  });

  it('writes a bentofile BentoML accepts, pointing at the service class', async () => {
    await serviceGenerator(tree, { skipFormat: true, name: 'iris-classifier', baseImage: 'local/python:3.11' });
    const bentofile = parseBentofile(tree.read('apps/iris-classifier/src/bentofile.yaml', 'utf-8')!, 'bentofile.yaml');
    expect(bentofile).toEqual({
      service: 'serve:IrisClassifierService',
      include: ['serve.py'],
      python: { packages: [`scikit-learn==${scikitLearnVersion}`] },
      docker: { python_version: '3.11', base_image: 'local/python:3.11' },
    });
  });

  it('writes a service class that loads the trained model from the store', async () => {
    await serviceGenerator(tree, { skipFormat: true, name: 'classifier', serviceClass: 'IrisService', modelName: 'iris_clf' });
    const serve = tree.read('apps/classifier/src/serve.py', 'utf-8')!;
    expect(serve).toContain('@bentoml.service(name="classifier")\nclass IrisService:');
    expect(serve).toContain('bentoml.models.BentoModel("iris_clf:latest")');
    expect(serve).toContain('@bentoml.api\n    def predict(');
    expect(tree.read('apps/classifier/train.py', 'utf-8')).toContain('MODEL_NAME = "iris_clf"');
    expect(tree.read('apps/classifier/train.py', 'utf-8')).toContain('"model" / f"{MODEL_NAME}.bentomodel"');
  });

  it('accepts tag templates', async () => {
    await serviceGenerator(tree, { skipFormat: true, name: 'classifier', tags: ['{bentoVersion}', '{branch}-{gitShortSha}', 'latest'] });
    expect(readProjectConfiguration(tree, 'classifier').targets?.['containerize']?.options.tags).toEqual([
      '{bentoVersion}',
      '{branch}-{gitShortSha}',
      'latest',
    ]);
  });

  it('keeps image, tags and registry in the project configuration of the inferred targets', async () => {
    await serviceGenerator(tree, {
      skipFormat: true,
      name: 'classifier',
      directory: 'models/classifier',
      imageName: 'ml/classifier',
      tags: ['v1'],
      registry: '127.0.0.1:5000',
    });
    const project = readProjectConfiguration(tree, 'classifier');
    expect(project.root).toBe('models/classifier');
    expect(project.targets).toEqual({
      containerize: { options: { imageName: 'ml/classifier', tags: ['v1'] } },
      'docker-push': { options: { registry: '127.0.0.1:5000' } },
    });
  });

  it('registers the plugin so the targets are inferred', async () => {
    await serviceGenerator(tree, { skipFormat: true, name: 'classifier' });
    expect(JSON.stringify(readNxJson(tree)?.plugins)).toContain('"plugin":"nx-bentoml"');
  });

  it.each([
    [{ imageName: 'Classifier' }, /Invalid imageName "Classifier"/],
    [{ modelName: 'Iris Model' }, /Invalid modelName "Iris Model".*"iris_model"/],
    [{ tags: ['-bad'] }, /Invalid image tag "-bad"/],
    [{ tags: ['{commit}'] }, /Unknown placeholder \{commit\}/],
    [{ registry: 'https://ghcr.io' }, /Invalid registry/],
    [{ pythonVersion: 'three' }, /Invalid pythonVersion/],
    [{ serviceClass: 'my-service' }, /Invalid serviceClass/],
  ])('rejects %j with a clear message and writes nothing', async (options, message) => {
    await expect(serviceGenerator(tree, { skipFormat: true, name: 'classifier', ...options })).rejects.toThrow(message);
    expect(tree.exists('apps/classifier')).toBe(false);
  });

  it('refuses a name that is already a project', async () => {
    await serviceGenerator(tree, { skipFormat: true, name: 'classifier' });
    await expect(serviceGenerator(tree, { skipFormat: true, name: 'classifier', directory: 'other' })).rejects.toThrow(
      'A project named "classifier" already exists',
    );
  });

  it('refuses a directory that already has files', async () => {
    tree.write('apps/classifier/notes.md', 'x');
    await expect(serviceGenerator(tree, { skipFormat: true, name: 'classifier' })).rejects.toThrow(
      '"apps/classifier" already exists and is not empty',
    );
  });
});

describe('service generator bentofile layout', () => {
  it('ends the bentofile with one newline, with or without a base image', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await serviceGenerator(tree, { skipFormat: true, name: 'a' });
    await serviceGenerator(tree, { skipFormat: true, name: 'b', baseImage: 'local/python:3.11' });
    expect(tree.read('apps/a/src/bentofile.yaml', 'utf-8')).toMatch(/python_version: "3\.11"\n$/);
    expect(tree.read('apps/b/src/bentofile.yaml', 'utf-8')).toMatch(/base_image: "local\/python:3\.11"\n$/);
  });
});
