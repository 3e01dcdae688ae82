import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import { fakeDocker } from '../../testing/fake-docker';
import { fakeExecutorContext } from '../../testing/executor-context';
import { captureLogger } from '../../testing/logger';
import containerizeExecutor from './executor';

describe('containerize executor', () => {
  captureLogger();
  let root: string;
  const options = { bentoPath: 'dist/apps/classifier/bento', outputPath: 'dist/apps/classifier/image' };
  const context = () => fakeExecutorContext(root, 'apps/classifier', 'containerize');
  const readImage = () => JSON.parse(readFileSync(join(root, 'dist/apps/classifier/image/image.json'), 'utf8'));

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'containerize-'));
    mkdirSync(join(root, 'dist/apps/classifier/bento'), { recursive: true });
    writeFileSync(
      join(root, 'dist/apps/classifier/bento/bento.json'),
      JSON.stringify({
        tag: 'iris_classifier:nx1',
        name: 'iris_classifier',
        version: 'nx1',
        models: ['iris_model:abc'],
        bentomlVersion: '1.4.39',
        archive: 'bento.tar',
        sizeBytes: 1,
      }),
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds the exported Bento with its own Dockerfile, named after the Bento, tagged with its version and latest', async () => {
    const docker = fakeDocker();
    expect(await containerizeExecutor(options, context(), docker.client)).toMatchObject({ success: true });
    expect(docker.calls).toEqual(['build iris-classifier:nx1', 'tag iris-classifier:nx1', 'tag iris-classifier:latest']);
    const [image] = docker.images.values();
    expect(image.labels).toMatchObject({ 'dev.nx-bentoml.bento.tag': 'iris_classifier:nx1', 'org.opencontainers.image.version': 'nx1' });
    expect(readImage()).toEqual({
      imageId: image.id,
      imageName: 'iris-classifier',
      tags: ['nx1', 'latest'],
      bentoTag: 'iris_classifier:nx1',
      built: true,
    });
  });

  it('reuses an image already built from the same Bento instead of rebuilding', async () => {
    const docker = fakeDocker();
    await containerizeExecutor(options, context(), docker.client);
    await containerizeExecutor({ ...options, tags: ['v2'] }, context(), docker.client);
    expect(docker.calls.filter((call) => call.startsWith('build'))).toHaveLength(1);
    expect(readImage()).toMatchObject({ tags: ['v2'], built: false });
  });

  describe("the base image's Python", () => {
    const withBaseImage = (pythonVersion: string) => {
      const file = join(root, 'dist/apps/classifier/bento/bento.json');
      const bento = JSON.parse(readFileSync(file, 'utf8'));
      const baseImage = { image: 'team/python:3.11', pythonVersion, buildConfig: 'apps/classifier/src/bentofile.yaml' };
      writeFileSync(file, JSON.stringify({ ...bento, baseImage }));
    };
    const engine = () => fakeDocker({}, { imagePythons: { 'team/python:3.11': { version: '3.11.2', onPath: ['3.11'] } } });

    it('refuses a python_version the base image does not have, before building', async () => {
      withBaseImage('3.12');
      const docker = engine();
      expect(await containerizeExecutor(options, context(), docker.client)).toEqual({ success: false });
      expect(logger.error).toHaveBeenCalledWith(
        expect.stringMatching(
          /^apps\/classifier\/src\/bentofile.yaml asks for Python 3.12 \(docker.python_version\), but the base image team\/python:3.11 has Python 3.11.2: .* Set docker.python_version to "3.11" in apps\/classifier\/src\/bentofile.yaml, or choose a docker.base_image with Python 3.12.$/,
        ),
      );
      expect(docker.calls).toEqual(['python of team/python:3.11']);
      expect(existsSync(join(root, 'dist/apps/classifier/image'))).toBe(false);
    });

    it('builds when the base image has it, and does not ask again for an image it reuses', async () => {
      withBaseImage('3.11');
      const docker = engine();
      await containerizeExecutor(options, context(), docker.client);
      await containerizeExecutor(options, context(), docker.client);
      expect(docker.calls.filter((call) => /^(python|build)/.test(call))).toEqual([
        'python of team/python:3.11',
        'build iris-classifier:nx1',
      ]);
    });
  });

  it('rejects an invalid image name before touching Docker', async () => {
    const docker = fakeDocker();
    expect(await containerizeExecutor({ ...options, imageName: 'My Image' }, context(), docker.client)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(expect.stringMatching(/^Invalid imageName "My Image"/));
    expect(docker.calls).toEqual([]);
  });

  it('asks for bento-build when there is no exported Bento', async () => {
    rmSync(join(root, 'dist'), { recursive: true });
    expect(await containerizeExecutor(options, context(), fakeDocker().client)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith('No exported Bento in dist/apps/classifier/bento. Run the bento-build target first.');
  });

  it('names the Bento target as the project configures it', async () => {
    rmSync(join(root, 'dist'), { recursive: true });
    const renamed = context();
    renamed.projectsConfigurations.projects['classifier'].targets = { 'build-bento': { executor: 'nx-bentoml:bento-build' } };
    expect(await containerizeExecutor(options, renamed, fakeDocker().client)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith('No exported Bento in dist/apps/classifier/bento. Run the build-bento target first.');
  });
});
