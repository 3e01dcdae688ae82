import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import { fakeBentoFiles, fakeBentoml, tarOf } from '../../testing/fake-bentoml';
import { fakeDocker } from '../../testing/fake-docker';
import { fakeRegistry } from '../../testing/fake-registry';
import { fakeExecutorContext } from '../../testing/executor-context';
import { captureLogger } from '../../testing/logger';
import containerizeExecutor from '../containerize/executor';
import planExecutor from './executor';

describe('plan executor', () => {
  captureLogger();
  let root: string;
  const registry = '127.0.0.1:5000';
  const options = { bentoPath: 'dist/apps/classifier/bento', outputPath: 'dist/apps/classifier/plan' };
  const context = (pushOptions: Record<string, unknown> = { registry }) => {
    const base = fakeExecutorContext(root, 'apps/classifier', 'plan');
    base.projectsConfigurations.projects['classifier'].targets = {
      'docker-push': { executor: 'nx-bentoml:docker-push', options: pushOptions },
    };
    return base;
  };
  const readPlan = () => JSON.parse(readFileSync(join(root, 'dist/apps/classifier/plan/plan.json'), 'utf8'));
  /** An engine that built the Bento's image (containerize alone), and the registry its pushes land in. */
  const builtHere = async () => {
    const docker = fakeDocker();
    const containerizeContext = fakeExecutorContext(root, 'apps/classifier', 'containerize');
    await containerizeExecutor(
      { bentoPath: options.bentoPath, outputPath: 'dist/apps/classifier/image' },
      containerizeContext,
      docker.client,
      () => fakeBentoml().client,
    );
    const [image] = docker.images.values();
    docker.calls.length = 0;
    return { docker, image };
  };
  const pushTags = async (docker: ReturnType<typeof fakeDocker>, imageId: string, tags: string[], to = registry) => {
    for (const tag of tags) {
      await docker.client.tagImage(imageId, `${to}/iris-classifier`, tag);
      await docker.client.pushImage(`${to}/iris-classifier`, tag, undefined, () => undefined);
    }
    docker.calls.length = 0;
  };
  /** Another machine's empty engine, with the same registry. */
  const freshEngine = (docker: ReturnType<typeof fakeDocker>) => fakeDocker({}, { registry: docker.registry });

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'plan-'));
    mkdirSync(join(root, 'dist/apps/classifier/bento'), { recursive: true });
    writeFileSync(
      join(root, 'dist/apps/classifier/bento/bento.json'),
      JSON.stringify({
        tag: 'iris_classifier:nx1',
        name: 'iris_classifier',
        version: 'nx1',
        models: [],
        bentomlVersion: '1.4.39',
        archive: 'bento.tar',
        sizeBytes: 4096,
      }),
    );
    // Its files are BentoML's own, none from the workspace: containerize's check of them passes.
    writeFileSync(join(root, 'dist/apps/classifier/bento/bento.tar'), await tarOf(fakeBentoFiles));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('plans a build when no engine or registry holds an image with the build key, and builds and pushes nothing', async () => {
    const docker = fakeDocker();
    expect(await planExecutor(options, context(), docker.client, fakeRegistry(docker.registry).client)).toEqual({ success: true });
    expect(readPlan()).toEqual({
      project: 'classifier',
      imageName: 'iris-classifier',
      bentoTag: 'iris_classifier:nx1',
      buildKey: expect.stringMatching(/^[0-9a-f]{32}$/),
      action: 'build',
      pushBytes: 4096,
      registries: [
        {
          registry,
          repository: `${registry}/iris-classifier`,
          tags: [
            { tag: 'nx1', action: 'push' },
            { tag: 'latest', action: 'push' },
          ],
        },
      ],
    });
    expect(docker.calls).toEqual([]);
    expect(logger.info).toHaveBeenCalledWith(expect.stringMatching(/^classifier: build\. No image built from iris_classifier:nx1/));
  });

  it('plans a push of the image this engine built, with its size', async () => {
    const { docker, image } = await builtHere();
    await planExecutor(options, context(), docker.client, fakeRegistry(docker.registry).client);
    expect(readPlan()).toMatchObject({ action: 'push', pushBytes: 1000, buildKey: image.labels['dev.nx-bentoml.build-key'] });
    expect(docker.calls).toEqual([]);
  });

  it('plans tags only on a fresh engine when the registry holds the image under one tag, and up to date under all', async () => {
    const { docker, image } = await builtHere();
    await pushTags(docker, image.id, ['nx1']);
    const fresh = freshEngine(docker);
    await planExecutor(options, context(), fresh.client, fakeRegistry(docker.registry).client);
    expect(readPlan()).toMatchObject({
      action: 'tag',
      pushBytes: 0,
      registries: [
        {
          tags: [
            { tag: 'nx1', action: 'keep' },
            { tag: 'latest', action: 'point' },
          ],
        },
      ],
    });
    await pushTags(docker, image.id, ['latest']);
    await planExecutor({ ...options, json: true }, context(), fresh.client, fakeRegistry(docker.registry).client);
    expect(readPlan()).toMatchObject({ action: 'up-to-date', pushBytes: 0 });
    expect(fresh.calls).toEqual([]);
  });

  it('counts the copy into a second registry that lacks the image, and takes the registries from the command line', async () => {
    const { docker, image } = await builtHere();
    await pushTags(docker, image.id, ['nx1', 'latest']);
    const fresh = freshEngine(docker);
    await planExecutor({ ...options, registries: ['ghcr.io/org'] }, context(), fresh.client, fakeRegistry(docker.registry).client);
    expect(readPlan()).toMatchObject({
      action: 'tag',
      pushBytes: 1234,
      registries: [
        { registry: 'ghcr.io/org', tags: [{ action: 'copy' }, { action: 'copy' }] },
        { registry, tags: [{ action: 'keep' }, { action: 'keep' }] },
      ],
    });
  });

  it('prints the plan as one line of JSON with --json', async () => {
    const docker = fakeDocker();
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await planExecutor({ ...options, json: true }, context(), docker.client, fakeRegistry(docker.registry).client);
      expect(JSON.parse(String(stdout.mock.calls.at(-1)?.[0]))).toEqual(readPlan());
    } finally {
      stdout.mockRestore();
    }
  });

  it("refuses a tag that holds another project's image, naming both, and writes no plan", async () => {
    const docker = fakeDocker();
    docker.registry.tags.set(`${registry}/iris-classifier:latest`, 'sha256:other');
    docker.registry.labels.set('sha256:other', { 'dev.nx-bentoml.project': 'quickstart' });
    expect(await planExecutor(options, context(), docker.client, fakeRegistry(docker.registry).client)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('is also the image of project quickstart'));
    expect(() => readPlan()).toThrow();
  });

  it('asks for bento-build, and for a registry, when either is missing', async () => {
    const docker = fakeDocker();
    expect(await planExecutor(options, context({}), docker.client, fakeRegistry(docker.registry).client)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('No registry to push iris-classifier to'));
    rmSync(join(root, 'dist/apps/classifier/bento'), { recursive: true });
    expect(await planExecutor(options, context(), docker.client, fakeRegistry(docker.registry).client)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('Run the bento-build target first'));
  });
});
