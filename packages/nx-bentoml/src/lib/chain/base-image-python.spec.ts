import { readdirSync } from 'node:fs';
import { fakeDocker } from '../../testing/fake-docker';
import { useTempDir } from '../../testing/temp-dir';
import { assertBaseImagePython, bentoBaseImage } from './base-image-python';

const buildConfig = 'apps/classifier/src/bentofile.yaml';
const base = (pythonVersion: string, image = 'team/python:3.11-bookworm') => ({ image, pythonVersion, buildConfig });

describe("the base image's Python, checked before the image build", () => {
  it('reads the base image and Python version BentoML 1.4 records under image (spec 2), after its defaults', () => {
    // From `bentoml get svc:v2 -o json` (BentoML 1.4.39), a bentofile without docker options.
    const info = { name: 'svc', version: 'v2', image: { base_image: 'python:3.11-slim', python_version: '3.11', commands: [] } };
    expect(bentoBaseImage(info, buildConfig)).toEqual({ image: 'python:3.11-slim', pythonVersion: '3.11', buildConfig });
  });

  it('reads the docker section of older Bentos, and nothing when the Bento records no base image', () => {
    expect(bentoBaseImage({ docker: { base_image: 'team/base:1', python_version: '3.10' } }, buildConfig)).toMatchObject({
      image: 'team/base:1',
      pythonVersion: '3.10',
    });
    expect(bentoBaseImage({ docker: { base_image: null, distro: 'debian', python_version: '3.10' } }, buildConfig)).toBeUndefined();
    expect(bentoBaseImage({}, buildConfig)).toBeUndefined();
  });

  it('refuses a python_version the base image does not have, naming both versions, the bentofile and the two ways out', async () => {
    const docker = fakeDocker({}, { imagePythons: { 'team/python:3.11-bookworm': { version: '3.11.2', onPath: ['3.11'] } } });
    await expect(assertBaseImagePython(base('3.12'), docker.client)).rejects.toThrow(
      'apps/classifier/src/bentofile.yaml asks for Python 3.12 (docker.python_version), but the base image team/python:3.11-bookworm has Python 3.11.2: ' +
        'uv would download Python 3.12 during the image build, which is slow, and fails offline. ' +
        'Set docker.python_version to "3.11" in apps/classifier/src/bentofile.yaml, or choose a docker.base_image with Python 3.12.',
    );
    expect(docker.calls).toEqual(['python of team/python:3.11-bookworm']);
  });

  it('names the other Pythons the image has when none is the one asked for', async () => {
    const docker = fakeDocker({}, { imagePythons: { 'team/python:3.11-bookworm': { version: '3.11.2', onPath: ['3.10', '3.11'] } } });
    await expect(assertBaseImagePython(base('3.12'), docker.client)).rejects.toThrow(
      'but the base image team/python:3.11-bookworm has Python 3.11.2 (and python3.10): uv would download',
    );
  });

  it.each([
    ['the minor version of python3', '3.11', { version: '3.11.2', onPath: [] }],
    ['the exact release of python3', '3.11.2', { version: '3.11.2', onPath: [] }],
    ['another python3.X on PATH, as uv finds it', '3.12', { version: '3.11.2', onPath: ['3.11', '3.12'] }],
  ])('goes on when the image has %s', async (_case, pythonVersion, python) => {
    const docker = fakeDocker({}, { imagePythons: { 'team/python:3.11-bookworm': python } });
    await expect(assertBaseImagePython(base(pythonVersion), docker.client)).resolves.toBeUndefined();
  });

  it('refuses another patch release of python3', async () => {
    const docker = fakeDocker({}, { imagePythons: { 'team/python:3.11-bookworm': { version: '3.11.2', onPath: ['3.11'] } } });
    await expect(assertBaseImagePython(base('3.11.9'), docker.client)).rejects.toThrow('asks for Python 3.11.9 (docker.python_version)');
  });

  it('goes on when the engine does not hold the image or the image cannot tell (no python3), and without a recorded base image', async () => {
    const docker = fakeDocker();
    await expect(assertBaseImagePython(base('3.12', 'python:3.12-slim'), docker.client)).resolves.toBeUndefined();
    await expect(assertBaseImagePython(undefined, docker.client)).resolves.toBeUndefined();
    expect(docker.calls).toEqual(['python of python:3.12-slim']);
  });

  describe('kept by image id', () => {
    const temp = useTempDir('nx-bentoml-image-pythons-');
    const python = { version: '3.11.2', onPath: ['3.11'] };

    it('asks an image once: the same id is answered from the cache, refusals included', async () => {
      const docker = fakeDocker({}, { imagePythons: { 'team/python:3.11-bookworm': python } });
      await assertBaseImagePython(base('3.11'), docker.client, temp.dir);
      await assertBaseImagePython(base('3.11'), docker.client, temp.dir);
      await expect(assertBaseImagePython(base('3.12'), docker.client, temp.dir)).rejects.toThrow('asks for Python 3.12');
      const id = (await docker.client.inspectImage('team/python:3.11-bookworm'))!.id;
      expect(docker.calls).toEqual(['python of team/python:3.11-bookworm']);
      expect(readdirSync(temp.dir)).toEqual([`${id.replace('sha256:', '')}.json`]);
    });

    it('asks again for another image under the same name, and keeps no answer of an image that cannot tell', async () => {
      const first = fakeDocker({}, { imagePythons: { 'team/python:3.11-bookworm': python } });
      await assertBaseImagePython(base('3.11'), first.client, temp.dir);
      // The tag now names another image (rebuilt, another Python).
      const second = fakeDocker(
        {
          inspectImage: async () => ({
            id: 'sha256:other',
            labels: {},
            repoTags: [],
            repoDigests: [],
            sizeBytes: 1,
            platform: 'linux/amd64',
          }),
        },
        { imagePythons: {} },
      );
      await assertBaseImagePython(base('3.12'), second.client, temp.dir);
      expect(second.calls).toEqual(['python of sha256:other']);
      expect(readdirSync(temp.dir)).toHaveLength(1);
      // Not held at all: nothing asked, nothing kept.
      const none = fakeDocker();
      await assertBaseImagePython(base('3.12', 'python:3.12-slim'), none.client, temp.dir);
      expect(none.calls).toEqual([]);
    });
  });
});
