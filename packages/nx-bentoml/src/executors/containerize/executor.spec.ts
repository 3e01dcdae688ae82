import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import { BuildStageEnvsError } from '../../lib/bentoml/client';
import { BuildkitUnavailableError } from '../../lib/docker/client';
import { fakeBentoFiles, fakeBentoml, tarOf } from '../../testing/fake-bentoml';
import { fakeDocker } from '../../testing/fake-docker';
import { fakeRegistry } from '../../testing/fake-registry';
import { fakeExecutorContext } from '../../testing/executor-context';
import { captureLogger } from '../../testing/logger';
import containerizeExecutor from './executor';

describe('containerize executor', () => {
  captureLogger();
  let root: string;
  const options = { bentoPath: 'dist/apps/classifier/bento', outputPath: 'dist/apps/classifier/image' };
  const context = () => fakeExecutorContext(root, 'apps/classifier', 'containerize');
  const bentoml = () => fakeBentoml().client;
  const readImage = () => JSON.parse(readFileSync(join(root, 'dist/apps/classifier/image/image.json'), 'utf8'));

  beforeEach(async () => {
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
    // Its files are BentoML's own, none from the workspace: containerize's check of them passes.
    writeFileSync(join(root, 'dist/apps/classifier/bento/bento.tar'), await tarOf(fakeBentoFiles));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds the exported Bento with its own Dockerfile, named after the Bento, tagged with its version and latest', async () => {
    const docker = fakeDocker();
    expect(await containerizeExecutor(options, context(), docker.client, bentoml)).toMatchObject({ success: true });
    expect(docker.calls).toEqual(['build iris-classifier:nx1', 'tag iris-classifier:nx1', 'tag iris-classifier:latest']);
    const [image] = docker.images.values();
    expect(image.labels).toMatchObject({ 'dev.nx-bentoml.bento.tag': 'iris_classifier:nx1', 'org.opencontainers.image.version': 'nx1' });
    expect(readImage()).toEqual({
      imageId: image.id,
      imageName: 'iris-classifier',
      tags: ['nx1', 'latest'],
      bentoTag: 'iris_classifier:nx1',
      built: true,
      buildKey: image.labels['dev.nx-bentoml.build-key'],
    });
    expect(readImage().buildKey).toMatch(/^[0-9a-f]{32}$/);
  });

  describe('in a run that pushes (publish, docker-push): the image with this build key in a registry of the push', () => {
    const registry = '127.0.0.1:5000';
    /** containerize's context in `nx run classifier:publish`: this run's docker-push task, with its registry option. */
    const publishContext = (pushOptions: Record<string, unknown> = { registry }) => {
      const base = context();
      base.projectsConfigurations.projects['classifier'].targets = {
        'docker-push': { executor: 'nx-bentoml:docker-push', options: pushOptions },
      };
      base.taskGraph!.tasks['classifier:docker-push'] = {
        id: 'classifier:docker-push',
        target: { project: 'classifier', target: 'docker-push' },
        overrides: {},
      } as never;
      return base;
    };
    /** Machine A: built and pushed under both tags; its registry is the one machine B's push goes to. */
    const publishedElsewhere = async () => {
      const machineA = fakeDocker();
      await containerizeExecutor(options, context(), machineA.client, bentoml);
      const [image] = machineA.images.values();
      for (const tag of ['nx1', 'latest']) {
        await machineA.client.tagImage(image.id, `${registry}/iris-classifier`, tag);
        await machineA.client.pushImage(`${registry}/iris-classifier`, tag, undefined, () => undefined);
      }
      return { machineA, image, digest: machineA.registry.tags.get(`${registry}/iris-classifier:nx1`)! };
    };

    it('builds nothing, pulls nothing and tags nothing in the engine when the registry holds it; image.json names it there', async () => {
      const { machineA, image, digest } = await publishedElsewhere();
      const machineB = fakeDocker({}, { registry: machineA.registry });
      const registryClient = fakeRegistry(machineA.registry).client;
      await containerizeExecutor(options, publishContext(), machineB.client, bentoml, registryClient);
      expect(machineB.calls).toEqual([]);
      expect(machineB.images.size).toBe(0);
      expect(readImage()).toEqual({
        imageId: image.id,
        imageName: 'iris-classifier',
        tags: ['nx1', 'latest'],
        bentoTag: 'iris_classifier:nx1',
        built: false,
        buildKey: image.labels['dev.nx-bentoml.build-key'],
        registryImage: { registry, repository: `${registry}/iris-classifier`, digest, platform: 'linux/amd64', sizeBytes: 1234 },
      });
    });

    it('builds when the registry holds another build key under the tags, or the image is for another platform', async () => {
      const { machineA, digest } = await publishedElsewhere();
      machineA.registry.platforms.set(digest, 'linux/arm64');
      const machineB = fakeDocker({}, { registry: machineA.registry });
      await containerizeExecutor(options, publishContext(), machineB.client, bentoml, fakeRegistry(machineA.registry).client);
      expect(machineB.calls[0]).toBe('build iris-classifier:nx1');
      expect(readImage()).toMatchObject({ built: true });
      expect(readImage().registryImage).toBeUndefined();
    });

    it('builds in the engine when the run pushes nothing (containerize alone makes a local image)', async () => {
      const { machineA } = await publishedElsewhere();
      const machineB = fakeDocker({}, { registry: machineA.registry });
      await containerizeExecutor(options, context(), machineB.client, bentoml, fakeRegistry(machineA.registry).client);
      expect(machineB.calls[0]).toBe('build iris-classifier:nx1');
    });

    it("refuses a Bento that is not the workspace's before looking in the registries, though one holds an image with its build key", async () => {
      const { machineA } = await publishedElsewhere();
      mkdirSync(join(root, 'apps/classifier'), { recursive: true });
      writeFileSync(join(root, 'apps/classifier/serve.py'), 'import bentoml  # not what the Bento packs\n');
      const machineB = fakeDocker({}, { registry: machineA.registry });
      const registryClient = fakeRegistry(machineA.registry).client;
      const asked = jest.spyOn(registryClient, 'planPush');
      await expect(containerizeExecutor(options, publishContext(), machineB.client, bentoml, registryClient)).resolves.toEqual({
        success: false,
      });
      expect(logger.error).toHaveBeenCalledWith(
        expect.stringContaining('apps/classifier/serve.py differs from the file the Bento packs as src/serve.py'),
      );
      expect(asked).not.toHaveBeenCalled();
      expect(machineB.calls).toEqual([]);
    });

    it("refuses a registry tag that holds another project's image, naming both, before building", async () => {
      const machineA = fakeDocker();
      machineA.registry.tags.set(`${registry}/iris-classifier:latest`, 'sha256:other');
      machineA.registry.labels.set('sha256:other', { 'dev.nx-bentoml.project': 'quickstart' });
      const machineB = fakeDocker({}, { registry: machineA.registry });
      await expect(
        containerizeExecutor(options, publishContext(), machineB.client, bentoml, fakeRegistry(machineA.registry).client),
      ).resolves.toEqual({ success: false });
      expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('is also the image of project quickstart'));
      expect(machineB.calls).toEqual([]);
    });
  });

  describe("a Bento that is not the workspace's (a poisoned or corrupted Nx cache entry)", () => {
    it('warns when none of its files is in the build directory, so that nothing could be compared', async () => {
      expect(await containerizeExecutor(options, context(), fakeDocker().client, bentoml)).toMatchObject({ success: true });
      expect(logger.warn).toHaveBeenCalledWith(
        "None of the Bento's src/ files (1) is in apps/classifier, so none could be checked against the workspace. " +
          "Give containerize's project the bento-build options (buildDir, bentofile) the Bento was built with.",
      );
    });

    it('is refused before the engine is asked, naming the workspace file, and nothing is built, tagged or written', async () => {
      const withBuildDir = context();
      withBuildDir.projectsConfigurations.projects['classifier'].targets = {
        'bento-build': { executor: 'nx-bentoml:bento-build', options: { buildDir: '{projectRoot}/src' } },
      };
      mkdirSync(join(root, 'apps/classifier/src'), { recursive: true });
      writeFileSync(join(root, 'apps/classifier/src/serve.py'), 'import bentoml\n');
      const docker = fakeDocker();
      expect(await containerizeExecutor(options, withBuildDir, docker.client, bentoml)).toMatchObject({ success: true });
      expect(logger.info).toHaveBeenCalledWith("iris_classifier:nx1 packs the workspace's files as they are (1 compared).");

      writeFileSync(join(root, 'apps/classifier/src/serve.py'), 'import bentomL\n');
      rmSync(join(root, 'dist/apps/classifier/image'), { recursive: true });
      const calls = docker.calls.length;
      expect(await containerizeExecutor(options, withBuildDir, docker.client, bentoml)).toEqual({ success: false });
      expect(logger.error).toHaveBeenCalledWith(
        expect.stringMatching(
          /^apps\/classifier\/src\/serve\.py differs from the file the Bento packs as src\/serve\.py \(the Bento iris_classifier:nx1 in dist\/apps\/classifier\/bento\/bento\.tar\): the Bento restored from the Nx cache does not match the workspace, .* Nothing was built or pushed\. Build the Bento again with "nx run classifier:bento-build --skip-nx-cache"/,
        ),
      );
      expect(docker.calls.slice(calls)).toEqual([]);
      expect(existsSync(join(root, 'dist/apps/classifier/image'))).toBe(false);
    });
  });

  it('reuses an image already built from the same Bento instead of rebuilding', async () => {
    const docker = fakeDocker();
    await containerizeExecutor(options, context(), docker.client, bentoml);
    await containerizeExecutor({ ...options, tags: ['v2'] }, context(), docker.client, bentoml);
    expect(docker.calls.filter((call) => call.startsWith('build'))).toHaveLength(1);
    expect(readImage()).toMatchObject({ tags: ['v2'], built: false });
  });

  it("labels the image with its project, and refuses an image name another project's image.json records, before building or tagging", async () => {
    const docker = fakeDocker();
    await containerizeExecutor(options, context(), docker.client, bentoml);
    expect([...docker.images.values()][0].labels).toMatchObject({ 'dev.nx-bentoml.project': 'classifier' });

    const sibling = fakeExecutorContext(root, 'apps/sklearn-iris', 'containerize');
    sibling.projectName = 'sklearn-iris';
    sibling.projectsConfigurations.projects = {
      'sklearn-iris': { root: 'apps/sklearn-iris' },
      classifier: { root: 'apps/classifier', targets: { containerize: { executor: 'nx-bentoml:containerize' } } },
    };
    mkdirSync(join(root, 'dist/apps/sklearn-iris'), { recursive: true });
    writeFileSync(join(root, 'dist/apps/sklearn-iris/bento.json'), readFileSync(join(root, 'dist/apps/classifier/bento/bento.json')));
    writeFileSync(join(root, 'dist/apps/sklearn-iris/bento.tar'), readFileSync(join(root, 'dist/apps/classifier/bento/bento.tar')));
    const siblingOptions = { bentoPath: 'dist/apps/sklearn-iris', outputPath: 'dist/apps/sklearn-iris/image' };
    const calls = docker.calls.length;
    expect(await containerizeExecutor(siblingOptions, sibling, docker.client, bentoml)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(
      'The image repository iris-classifier is also the image of project classifier (apps/classifier): two projects cannot publish into one repository, ' +
        `each would move the other's tags. Set "imageName" in the containerize options of sklearn-iris's project.json (e.g. "sklearn-iris/iris-classifier"), or of classifier's.`,
    );
    expect(docker.calls.slice(calls)).toEqual([]);
    expect(await containerizeExecutor({ ...siblingOptions, imageName: 'sklearn/iris' }, sibling, docker.client, bentoml)).toMatchObject({
      success: true,
    });
    // The same content, but classifier's image is not reused: its labels name classifier.
    expect(docker.calls.filter((call) => call.startsWith('build'))).toEqual(['build iris-classifier:nx1', 'build sklearn/iris:nx1']);
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
      expect(await containerizeExecutor(options, context(), docker.client, bentoml)).toEqual({ success: false });
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
      await containerizeExecutor(options, context(), docker.client, bentoml);
      await containerizeExecutor(options, context(), docker.client, bentoml);
      expect(docker.calls.filter((call) => /^(python|build)/.test(call))).toEqual([
        'python of team/python:3.11',
        'build iris-classifier:nx1',
      ]);
    });
  });

  it('rejects an invalid image name before touching Docker', async () => {
    const docker = fakeDocker();
    expect(await containerizeExecutor({ ...options, imageName: 'My Image' }, context(), docker.client, bentoml)).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(expect.stringMatching(/^Invalid imageName "My Image"/));
    expect(docker.calls).toEqual([]);
  });

  it('asks for bento-build when there is no exported Bento', async () => {
    rmSync(join(root, 'dist'), { recursive: true });
    expect(await containerizeExecutor(options, context(), fakeDocker().client, bentoml)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith('No exported Bento in dist/apps/classifier/bento. Run the bento-build target first.');
  });

  it('names the Bento target as the project configures it', async () => {
    rmSync(join(root, 'dist'), { recursive: true });
    const renamed = context();
    renamed.projectsConfigurations.projects['classifier'].targets = { 'build-bento': { executor: 'nx-bentoml:bento-build' } };
    expect(await containerizeExecutor(options, renamed, fakeDocker().client, bentoml)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith('No exported Bento in dist/apps/classifier/bento. Run the build-bento target first.');
  });

  describe('the image as bentoml containerize builds it', () => {
    it("builds BentoML's own context and Dockerfile with BuildKit, the model in a layer of its own between the dependencies and the code", async () => {
      const docker = fakeDocker();
      const bentomlCalls: string[] = [];
      const createBentoml = () => {
        const fake = fakeBentoml();
        const buildContext = fake.client.buildContext;
        fake.client.buildContext = async (request) => (bentomlCalls.push(request.archive), buildContext(request));
        return fake.client;
      };
      expect(await containerizeExecutor(options, context(), docker.client, createBentoml)).toMatchObject({ success: true });
      expect(bentomlCalls).toEqual([join(root, 'dist/apps/classifier/bento/bento.tar')]);
      const [build] = docker.contexts;
      expect(build.builder).toBe('buildkit');
      expect(build.files).toEqual([
        'Dockerfile.nx-bentoml',
        'bento/bento.yaml',
        'bento/env/docker/Dockerfile',
        'bento/env/python/requirements.txt',
        'bento/src/serve.py',
        'layers/01-models-classifier_model.tar',
      ]);
      const lines = build.dockerfile.split('\n');
      // BentoML's directive comes after a comment: inert, as in bentoml containerize.
      expect(lines).toContain('# syntax = docker/dockerfile:1.2.1');
      expect(lines).toContain('COPY --chown=bentoml:bentoml bento/env/python ./env/python/');
      const add = lines.indexOf('ADD layers/01-models-classifier_model.tar /');
      expect(lines[add + 1]).toBe('COPY --chown=bentoml:bentoml bento/. ./');
      expect(lines[add - 1]).toMatch(/^RUN --mount=type=cache/);
      expect(lines.filter((line) => line.startsWith('LABEL '))).toHaveLength(1);
      expect(logger.info).toHaveBeenCalledWith('Building with BuildKit, models/classifier_model (7.2 KB) in layers of their own.');
    });

    it("builds a real # syntax directive with the engine's own frontend when its image is absent, and keeps it when present", async () => {
      const withDirective = () => {
        const fake = fakeBentoml();
        const buildContext = fake.client.buildContext;
        fake.client.buildContext = async (request) => {
          const answer = await buildContext(request);
          const path = join(request.output, answer.dockerfile);
          writeFileSync(path, `# syntax=docker/dockerfile:1.7\n${readFileSync(path, 'utf8')}`);
          return answer;
        };
        return fake.client;
      };
      const absent = fakeDocker();
      await containerizeExecutor(options, context(), absent.client, withDirective);
      expect(absent.contexts[0].dockerfile).not.toContain('# syntax=docker/dockerfile:1.7');
      expect(logger.info).toHaveBeenCalledWith(
        expect.stringContaining("with the engine's built-in Dockerfile frontend instead of docker/dockerfile:1.7"),
      );

      const present = fakeDocker();
      present.images.set('docker/dockerfile:1.7', {
        id: 'sha256:f',
        labels: {},
        repoTags: ['docker/dockerfile:1.7'],
        repoDigests: [],
        sizeBytes: 1,
        platform: 'linux/amd64',
      });
      await containerizeExecutor(options, context(), present.client, withDirective);
      expect(present.contexts[0].dockerfile.startsWith('# syntax=docker/dockerfile:1.7\n')).toBe(true);
    });

    it('falls back to the classic builder, with its own Dockerfile, when the engine has no BuildKit, and says so', async () => {
      const docker = fakeDocker();
      const build = docker.client.buildImage;
      docker.client.buildImage = async (dir, request, log) => {
        if (request.builder === 'buildkit') throw new BuildkitUnavailableError('buildkit not supported by daemon');
        return build(dir, request, log);
      };
      expect(await containerizeExecutor(options, context(), docker.client, bentoml)).toMatchObject({ success: true });
      expect(docker.contexts.map((entry) => entry.builder)).toEqual(['classic']);
      expect(docker.contexts[0].dockerfile).not.toContain('--mount=type=cache');
      expect(logger.info).toHaveBeenCalledWith(
        'This Docker Engine does not build with BuildKit (buildkit not supported by daemon); building with the classic builder.',
      );
    });

    it('says when the models were copied into the build context instead of linked, and how to spare the copy', async () => {
      const copying = () => {
        const fake = fakeBentoml();
        const buildContext = fake.client.buildContext;
        fake.client.buildContext = async (request) => ({ ...(await buildContext(request)), modelBytesCopied: 300 * 2 ** 20 });
        return fake.client;
      };
      expect(await containerizeExecutor(options, context(), fakeDocker().client, copying)).toMatchObject({ success: true });
      expect(logger.info).toHaveBeenCalledWith(
        expect.stringMatching(
          /^The models were copied into the build context \(314\.6 MB\), not linked: the BentoML store and .+ are on different file systems\. Set TMPDIR to a directory on the store's file system to spare the copy\.$/,
        ),
      );
      jest.mocked(logger.info).mockClear();
      expect(await containerizeExecutor(options, context(), fakeDocker().client, bentoml)).toMatchObject({ success: true });
      expect(jest.mocked(logger.info).mock.calls.flat().join('\n')).not.toContain('copied into the build context');
    });

    it('fails with what to do when BuildKit is forced and the engine has none', async () => {
      const docker = fakeDocker({
        buildImage: async () => {
          throw new BuildkitUnavailableError('buildkit not supported by daemon');
        },
      });
      expect(await containerizeExecutor({ ...options, builder: 'buildkit' }, context(), docker.client, bentoml)).toEqual({
        success: false,
      });
      expect(logger.error).toHaveBeenCalledWith(
        'This Docker Engine does not build with BuildKit (buildkit not supported by daemon), and the containerize option "builder" asks for it. ' +
          'Turn BuildKit on in the engine (daemon.json "features": {"buildkit": true}), or set "builder" to "auto" or "classic".',
      );
      expect(existsSync(join(root, 'dist/apps/classifier/image'))).toBe(false);
    });

    it('hands build-stage variables to BuildKit as secrets, and writes their values nowhere', async () => {
      const secret = 'tok-4b1e-never-written';
      const withSecrets = () =>
        fakeBentoml({
          buildContext: async (request) => {
            const generated = await fakeBentoml().client.buildContext(request);
            return { ...generated, secrets: new Map([['PIP_TOKEN', Buffer.from(secret)]]) };
          },
        }).client;
      const docker = fakeDocker();
      expect(await containerizeExecutor(options, context(), docker.client, withSecrets)).toMatchObject({ success: true });
      expect(docker.contexts.map((build) => [build.builder, build.secrets?.get('PIP_TOKEN')?.toString()])).toEqual([['buildkit', secret]]);
      expect(logger.info).toHaveBeenCalledWith(expect.stringMatching(/^Building with BuildKit.*, PIP_TOKEN as BuildKit secrets\.$/));
      const logged = JSON.stringify([jest.mocked(logger.info).mock.calls, jest.mocked(logger.warn).mock.calls]);
      expect(logged).not.toContain(secret);
      const outputs = join(root, 'dist/apps/classifier/image');
      for (const name of readdirSync(outputs)) expect(readFileSync(join(outputs, name), 'utf8')).not.toContain(secret);
    });

    it('refuses build-stage secrets on the classic builder, saying what is needed', async () => {
      const withSecrets = () =>
        fakeBentoml({
          buildContext: async () => {
            throw new BuildStageEnvsError(['PIP_TOKEN']);
          },
        }).client;
      const docker = fakeDocker();
      expect(await containerizeExecutor({ ...options, builder: 'classic' }, context(), docker.client, withSecrets)).toEqual({
        success: false,
      });
      expect(logger.error).toHaveBeenCalledWith(
        expect.stringContaining(
          'needs the build-stage environment variable PIP_TOKEN (envs with stage: build), which only BuildKit passes to a build',
        ),
      );
      expect(docker.calls.filter((call) => call.startsWith('build'))).toEqual([]);
    });
  });

  it('refuses a store model whose files are not the ones bento-build packed, before building', async () => {
    const file = join(root, 'dist/apps/classifier/bento/bento.json');
    writeFileSync(
      file,
      JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), modelDigests: { 'classifier_model:abc': 'sha256:0000' } }),
    );
    const docker = fakeDocker();
    expect(await containerizeExecutor(options, context(), docker.client, bentoml)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining("The BentoML store's classifier_model:abc is not the model bento-build packed into iris_classifier:nx1"),
    );
    expect(docker.calls.filter((call) => call.startsWith('build'))).toEqual([]);
  });

  it('gives BentoML the project model files to import when the store lacks a packed model', async () => {
    mkdirSync(join(root, 'apps/classifier/model'), { recursive: true });
    writeFileSync(join(root, 'apps/classifier/model/iris.bentomodel'), 'model');
    const requests: unknown[] = [];
    const recording = () => {
      const fake = fakeBentoml();
      const buildContext = fake.client.buildContext;
      fake.client.buildContext = async (request) => (requests.push(request.modelFiles), buildContext(request));
      return fake.client;
    };
    await containerizeExecutor({ ...options, modelFiles: ['model/*.bentomodel'] }, context(), fakeDocker().client, recording);
    expect(requests).toEqual([[join(root, 'apps/classifier/model/iris.bentomodel')]]);
  });

  it("generates the context with bento-build's interpreter, and warns when its BentoML is not the one that built the Bento", async () => {
    const withPython = context();
    withPython.projectsConfigurations.projects['classifier'].targets = {
      'bento-build': { executor: 'nx-bentoml:bento-build', options: { python: 'venvs/ml/bin/python' } },
    };
    const pythons: string[] = [];
    const newer = (python: string) => (pythons.push(python), fakeBentoml({ version: async () => '1.4.40' }).client);
    expect(await containerizeExecutor(options, withPython, fakeDocker().client, newer)).toMatchObject({ success: true });
    expect(pythons).toEqual([join(root, 'venvs/ml/bin/python')]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/^The Bento was built with BentoML 1\.4\.39, and containerize generates its Dockerfile with BentoML 1\.4\.40/),
    );
  });
});
