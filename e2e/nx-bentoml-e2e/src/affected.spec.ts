import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeRepositoryImages } from './support/container';
import { type ChainEnvironment, requireChainEnvironment } from './support/environment';
import { registryManifestDigest } from './support/registry';
import { runNx, runNxUnchecked, runOrThrow } from './support/run';
import { type ChainWorkspace, addTrainedService, createChainWorkspace } from './support/chain-workspace';

const services = ['alpha', 'beta', 'gamma'] as const;
type Service = (typeof services)[number];
const usingFeatures: Service[] = ['alpha', 'beta'];

interface Published {
  bentoTag: string;
  imageId: string;
  digest: string;
}

/**
 * Three services in one workspace: each kind of change rebuilds exactly the service it touches,
 * judged by what was really produced (Bentos in the store, image ids, registry digests).
 */
describe('nx affected -t publish rebuilds exactly the services that changed', () => {
  let environment: ChainEnvironment;
  let workspace: ChainWorkspace;
  let taskEnv: Record<string, string>;
  const prefix = `affected-${Date.now().toString(36)}`;
  const file = (path: string) => join(workspace.root, path);
  const nx = (args: string[]) => runNx(workspace.root, args, taskEnv);
  const git = (...args: string[]) =>
    runOrThrow('git', ['-c', 'user.email=e2e@nx-bentoml.test', '-c', 'user.name=e2e', ...args], workspace.root);
  const commit = (message: string) => {
    git('add', '-A');
    git('commit', '-q', '-m', message);
  };
  const affected = () => nx(['show', 'projects', '--affected', '--base=HEAD', '-t', 'publish', '--json']).stdout;
  const affectedProjects = (): string[] => JSON.parse(affected()).sort();
  const bentosInStore = (service: Service) =>
    readdirSync(join(taskEnv['BENTOML_HOME'], 'bentos', service))
      .filter((entry) => entry !== 'latest')
      .sort();

  const published = async (service: Service): Promise<Published> => {
    const read = (path: string) => JSON.parse(readFileSync(file(`dist/apps/${service}/${path}`), 'utf8'));
    const push = read('push/push.json');
    const entry = push.pushed[0];
    const registry = await registryManifestDigest(environment.registry, `${prefix}/${service}`, entry.tag, environment);
    expect(registry).toEqual({ status: 200, digest: entry.digest });
    return { bentoTag: read('bento/bento.json').tag, imageId: push.imageId, digest: entry.digest };
  };
  const snapshot = async () =>
    Object.fromEntries(await Promise.all(services.map(async (s) => [s, await published(s)] as const))) as Record<Service, Published>;

  /** Publishes what is affected, then checks that exactly `changed` got new Bentos, images and digests. */
  const publishAffectedAndExpect = async (changed: Service[]) => {
    const before = await snapshot();
    const storesBefore = Object.fromEntries(services.map((s) => [s, bentosInStore(s)]));
    nx(['affected', '-t', 'publish', '--base=HEAD', '--parallel=1']);
    const after = await snapshot();
    for (const service of services) {
      const isChanged = changed.includes(service);
      const store = bentosInStore(service);
      expect([service, 'new Bento in the store', store.length - storesBefore[service].length]).toEqual([
        service,
        'new Bento in the store',
        isChanged ? 1 : 0,
      ]);
      expect([service, 'new Bento tag', after[service].bentoTag !== before[service].bentoTag]).toEqual([
        service,
        'new Bento tag',
        isChanged,
      ]);
      expect([service, 'new image', after[service].imageId !== before[service].imageId]).toEqual([service, 'new image', isChanged]);
      expect([service, 'new digest', after[service].digest !== before[service].digest]).toEqual([service, 'new digest', isChanged]);
    }
  };

  beforeAll(async () => {
    environment = await requireChainEnvironment();
    workspace = createChainWorkspace('affected-ws', environment);
    taskEnv = workspace.taskEnv;
    for (const service of services) {
      addTrainedService(workspace, environment, service, `${prefix}/${service}`);
    }
    // A shared Python library of the workspace, packed by alpha and beta (not gamma).
    mkdirSync(file('libs/features/features'), { recursive: true });
    writeFileSync(file('libs/features/project.json'), JSON.stringify({ name: 'features', root: 'libs/features' }));
    writeFileSync(file('libs/features/features/__init__.py'), 'def label(name: str) -> str:\n    return name\n');
    for (const service of usingFeatures) {
      const bentofile = readFileSync(file(`apps/${service}/src/bentofile.yaml`), 'utf8');
      writeFileSync(
        file(`apps/${service}/src/bentofile.yaml`),
        bentofile.replace('  - serve.py\n', '  - serve.py\n  - "../../../libs/features/features/**/*.py"\n'),
      );
      const serve = readFileSync(file(`apps/${service}/src/serve.py`), 'utf8');
      writeFileSync(
        file(`apps/${service}/src/serve.py`),
        serve
          .replace('import bentoml\n', 'import bentoml\nimport features\n')
          .replace('[self.labels[int(index)]', '[features.label(self.labels[int(index)])'),
      );
    }
    nx(['run-many', '-t', 'publish', '--parallel=1']);
    commit('three model services, published');
  });

  afterAll(async () => {
    if (environment) for (const service of services) await removeRepositoryImages(environment.docker, `${prefix}/${service}`);
    workspace?.cleanup();
  });

  it('does nothing when nothing changed', async () => {
    expect(affectedProjects()).toEqual([]);
    await publishAffectedAndExpect([]);
  });

  it('rebuilds only alpha after a serve.py change in alpha', async () => {
    appendFileSync(file('apps/alpha/src/serve.py'), '\n# Changed service code.\n');
    expect(affectedProjects()).toEqual(['alpha']);
    await publishAffectedAndExpect(['alpha']);
    commit('alpha: serve.py');
  });

  it('rebuilds only beta after a params.yaml change in beta', async () => {
    writeFileSync(file('apps/beta/params.yaml'), readFileSync(file('apps/beta/params.yaml'), 'utf8').replace('c: 1.0', 'c: 0.5'));
    expect(affectedProjects()).toEqual(['beta']);
    await publishAffectedAndExpect(['beta']);
    commit('beta: params.yaml');
  });

  it('rebuilds only gamma after its model file changes', async () => {
    runOrThrow(file('.venv/bin/python'), [file('apps/gamma/train.py')], workspace.root, undefined, taskEnv);
    expect(affectedProjects()).toEqual(['gamma']);
    await publishAffectedAndExpect(['gamma']);
    commit('gamma: retrained model');
  });

  it('rebuilds alpha and beta, which pack the shared library, after a change in it, and not gamma', async () => {
    appendFileSync(file('libs/features/features/__init__.py'), '\n# Changed shared code.\n');
    expect(affectedProjects()).toEqual(['alpha', 'beta']);
    await publishAffectedAndExpect(['alpha', 'beta']);
    for (const service of usingFeatures) {
      const packed = runOrThrow('tar', ['-tf', file(`dist/apps/${service}/bento/bento.tar`)], workspace.root).stdout;
      expect(packed).toMatch(/^(\.\/)?src\/features\/__init__\.py$/m);
    }
    commit('features: shared code');
  });

  it('builds and pushes nothing after a README change, although the project is affected', async () => {
    appendFileSync(file('apps/alpha/README.md'), '\nMore documentation.\n');
    expect(affectedProjects()).toEqual(['alpha']);
    await publishAffectedAndExpect([]);
  });

  it("refuses a second project publishing into alpha's image repository, naming both, and alpha's tags keep their digests", async () => {
    const alphaTags = (): Array<{ tag: string; digest: string }> =>
      JSON.parse(readFileSync(file('dist/apps/alpha/push/push.json'), 'utf8')).pushed.map(
        ({ tag, digest }: { tag: string; digest: string }) => ({
          tag,
          digest,
        }),
      );
    const registryDigests = () =>
      Promise.all(alphaTags().map(({ tag }) => registryManifestDigest(environment.registry, `${prefix}/alpha`, tag, environment)));
    const before = await registryDigests();
    expect(before.map(({ digest }) => digest)).toEqual(alphaTags().map(({ digest }) => digest));

    const projectJson = file('apps/beta/project.json');
    const original = readFileSync(projectJson, 'utf8');
    try {
      const project = JSON.parse(original);
      project.targets.containerize.options.imageName = `${prefix}/alpha`;
      writeFileSync(projectJson, JSON.stringify(project, null, 2));
      const result = runNxUnchecked(workspace.root, ['run', 'beta:publish', `--registry=${environment.registry}`], taskEnv);
      const output = `${result.stdout}${result.stderr}`;
      expect(result.status).not.toBe(0);
      expect(output).toContain(`The image repository ${prefix}/alpha is also the image of project alpha (apps/alpha)`);
      expect(output).toContain(`Set "imageName" in the containerize options of beta's project.json`);
      expect(output).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
    } finally {
      writeFileSync(projectJson, original);
    }
    expect(await registryDigests()).toEqual(before);
  });

  it('keys a DVC-tracked model on its pointer, and asks for dvc pull when the model file is missing', async () => {
    // As `dvc add` leaves it: the model ignored by git, its .dvc pointer tracked.
    const model = 'apps/gamma/model/gamma_model.bentomodel';
    const md5 = createHash('md5')
      .update(readFileSync(file(model)))
      .digest('hex');
    writeFileSync(file('apps/gamma/model/.gitignore'), '/gamma_model.bentomodel\n');
    writeFileSync(file(`${model}.dvc`), `outs:\n- md5: ${md5}\n  size: 1\n  path: gamma_model.bentomodel\n`);
    commit('gamma: model tracked by DVC');

    // Another machine retrained and pushed with DVC: the pointer changed, the data is not pulled.
    writeFileSync(file(`${model}.dvc`), `outs:\n- md5: ${'0'.repeat(32)}\n  size: 1\n  path: gamma_model.bentomodel\n`);
    rmSync(file(model));
    expect(affectedProjects()).toEqual(['gamma']);
    const result = runNxUnchecked(workspace.root, ['run', 'gamma:bento-build'], taskEnv);
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain('is tracked by DVC but not present');
    expect(`${result.stdout}${result.stderr}`).toContain('Run "dvc pull"');
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
  });
});
