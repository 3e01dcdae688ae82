import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackgroundRun, startNx, waitUntil } from './support/background';
import { incompleteStoreEntries, loadAllBentos } from './support/bentoml-store';
import { type ChainWorkspace, addTrainedService, createChainWorkspace } from './support/chain-workspace';
import { removeRepositoryImages } from './support/container';
import { type ChainEnvironment, requireChainEnvironment } from './support/environment';
import { OwnRegistry } from './support/own-registry';
import { registryManifestDigest } from './support/registry';
import { readCompleteManifest } from './support/registry-content';
import { type RunResult, runNx, runNxUnchecked, runOrThrow } from './support/run';
import { SecondEngine } from './support/second-engine';
import { removeTempDir } from './support/temp-dir';

interface PushManifest {
  imageName: string;
  imageId: string;
  pushed: Array<{ registry: string; reference: string; tag: string; digest: string; status: 'pushed' | 'up-to-date' }>;
}

const parallelServices = ['north', 'south', 'east', 'west'];
const services = [...parallelServices, 'restart', 'interrupt', 'diskfull', 'twin'];

/**
 * Faults from outside the plugin, each made for real: a registry process killed, a Docker
 * Engine restarted, Ctrl+C, a full disk, parallel tasks and workspaces on one BentoML store.
 * Each ends in one clear message and a state a rerun completes from. One workspace for all.
 */
describe('faults: the plugin fails cleanly and a rerun recovers', () => {
  let environment: ChainEnvironment;
  let workspace: ChainWorkspace;
  let taskEnv: Record<string, string>;
  let scratch: string;
  let registry: OwnRegistry | undefined;
  let engine: SecondEngine | undefined;
  let fullDisk: string | undefined;
  const prefix = `faults-${Date.now().toString(36)}`;
  const file = (path: string) => join(workspace.root, path);
  const nx = (args: string[], env = taskEnv) => runNx(workspace.root, args, env);
  const readJson = <T>(path: string): T => JSON.parse(readFileSync(file(path), 'utf8'));
  const auth = () => ({ username: environment.username, password: environment.password });
  /** What `nx` printed, and what a failing assertion shows. */
  const printed = (result: RunResult) => `${result.stdout}\n${result.stderr}`;

  beforeAll(async () => {
    environment = await requireChainEnvironment();
    scratch = mkdtempSync(join(tmpdir(), 'nx-bentoml-e2e-faults-'));
    workspace = createChainWorkspace('faults-ws', environment);
    taskEnv = workspace.taskEnv;
    for (const service of services) {
      addTrainedService(workspace, environment, service, `${prefix}/${service}`);
    }
  });

  afterAll(async () => {
    await registry?.kill();
    await engine?.tearDown();
    if (fullDisk) spawnSync('umount', [fullDisk]);
    if (environment) for (const service of services) await removeRepositoryImages(environment.docker, `${prefix}/${service}`);
    workspace?.cleanup();
    removeTempDir(scratch);
  });

  it('publishes four services at once (--parallel=4) from one BentoML home', async () => {
    nx(['run-many', '-t', 'publish', `--projects=${parallelServices.join(',')}`, '--parallel=4']);
    for (const service of parallelServices) {
      const push = readJson<PushManifest>(`dist/apps/${service}/push/push.json`);
      expect(push.pushed).toHaveLength(2);
      for (const entry of push.pushed) {
        expect([service, await registryManifestDigest(environment.registry, `${prefix}/${service}`, entry.tag, auth())]).toEqual([
          service,
          { status: 200, digest: entry.digest },
        ]);
      }
    }
    expect(incompleteStoreEntries(taskEnv['BENTOML_HOME'])).toEqual([]);
    const bentos = loadAllBentos(environment.python, taskEnv['BENTOML_HOME']);
    expect(parallelServices.map((service) => bentos.filter((tag) => tag.startsWith(`${service}:`)).length)).toEqual([1, 1, 1, 1]);
  });

  it('a registry killed in the middle of a push: bounded retries, one clear message, and a rerun completes', async () => {
    registry = await OwnRegistry.create(join(scratch, 'registry'), process.env['NX_BENTOML_REGISTRY_PASSWORD_FILE'] as string);
    await registry.start();
    const pushBefore = readFileSync(file('dist/apps/north/push/push.json'), 'utf8');
    const push = startNx(workspace.root, ['run', 'north:docker-push', `--registry=${registry.address}`], taskEnv);
    const ownRegistry = registry;
    await waitUntil('a layer upload writes into the registry', () => ownRegistry.uploadInProgress() || ended(push), 5 * 60_000, 20);
    expect(ended(push)).toBe(false);
    await registry.kill();

    const failed = await push.done;
    const output = printed(failed);
    expect(failed.status).not.toBe(0);
    expect(output).toContain(`Cannot reach the registry ${registry.address} to push ${registry.address}/${prefix}/north:`);
    // Three attempts by default: two retries, then the failure.
    expect(output.match(/retrying \(attempt \d\)/g)).toEqual(['retrying (attempt 2)', 'retrying (attempt 3)']);
    expectNoStackTrace(output);
    // The previous output (the publish to the shared registry) is left as it was, and nothing half-written beside it:
    // the outputs are the chain's own (smoke-test's gate.json from the gate that passed before the push).
    expect(readFileSync(file('dist/apps/north/push/push.json'), 'utf8')).toBe(pushBefore);
    expect(readdirSync(file('dist/apps/north')).sort()).toEqual(['bento', 'image', 'push', 'smoke-test']);
    expect(readdirSync(file('dist/apps/north/smoke-test'))).toEqual(['gate.json']);

    await registry.start();
    nx(['run', 'north:docker-push', `--registry=${registry.address}`]);
    const after = readJson<PushManifest>('dist/apps/north/push/push.json');
    expect(after.pushed.map((entry) => [entry.registry, entry.status])).toEqual([
      [registry.address, 'pushed'],
      [registry.address, 'pushed'],
    ]);
    for (const entry of after.pushed) {
      const manifest = await readCompleteManifest(registry.address, `${prefix}/north`, entry.tag, auth());
      expect(manifest).toEqual({ digest: entry.digest, schemaVersion: 2, layers: expect.any(Number), missing: [] });
      expect(manifest.layers).toBeGreaterThan(1);
    }
    await registry.kill();
  });

  it('a Docker Engine restarted during a build: one clear message, no image recorded, and a rerun succeeds', async () => {
    // A second dockerd of this test's own: restarting the shared one would break other suites.
    engine = new SecondEngine(join(scratch, 'engine'), 200 + (process.pid % 50));
    await engine.setUp();
    await engine.loadImageFrom(environment.docker, environment.baseImage);
    const env = { ...taskEnv, DOCKER_HOST: engine.dockerHost };
    nx(['run', 'restart:bento-build']);

    const build = startNx(workspace.root, ['run', 'restart:containerize'], env);
    const secondEngine = engine;
    // The engine is restarted while the dependencies install: BuildKit reports the step as it starts it
    // (it runs it in its own executor, not in a container the engine lists); the classic builder runs it in a container.
    const buildStepRuns = async () =>
      /^#\d+ \[[^\]]*\] RUN .*pip install/m.test(build.output()) || (await secondEngine.docker.listContainers().catch(() => [])).length > 0;
    await waitUntil('a build step runs in the second engine', async () => (await buildStepRuns()) || ended(build), 10 * 60_000, 200);
    expect(ended(build)).toBe(false);
    await engine.stop();
    await engine.start();

    const failed = await build.done;
    const output = printed(failed);
    expect(failed.status).not.toBe(0);
    expect(output).toMatch(/The image build failed|connection to the Docker Engine/);
    expectNoStackTrace(output);
    expect(readdirSync(file('dist/apps/restart'))).toEqual(['bento']);

    nx(['run', 'restart:containerize'], env);
    const image = readJson<{ imageId: string; imageName: string }>('dist/apps/restart/image/image.json');
    expect((await engine.docker.getImage(image.imageId).inspect()).Id).toBe(image.imageId);
  });

  it('Ctrl+C during bento-build leaves no half-written Bento in the store or dist/, and a rerun succeeds', async () => {
    const home = taskEnv['BENTOML_HOME'];
    const build = startNx(workspace.root, ['run', 'interrupt:bento-build'], taskEnv);
    // The moment BentoML starts writing the Bento into the store: the worst time for an interrupt.
    await waitUntil(
      'bentoml build writes into the store',
      () => existsSync(join(home, 'bentos', 'interrupt')) || ended(build),
      5 * 60_000,
      5,
    );
    expect(ended(build)).toBe(false);
    build.signalGroup('SIGINT');
    const interrupted = await build.done;
    await waitUntil('every process of the interrupted run has ended', () => !groupAlive(build), 60_000);

    expect(interrupted.status).not.toBe(0);
    expectNoStackTrace(printed(interrupted));
    expect(incompleteStoreEntries(home)).toEqual([]);
    loadAllBentos(environment.python, home);
    expect(readdirSync(file('dist/apps')).includes('interrupt') ? readdirSync(file('dist/apps/interrupt')) : []).toEqual([]);

    const rerun = nx(['run', 'interrupt:bento-build']).stdout;
    expect(rerun).not.toContain('[local cache]');
    const bento = readJson<{ tag: string }>('dist/apps/interrupt/bento/bento.json');
    expect(loadAllBentos(environment.python, home)).toContain(bento.tag);
    expect(incompleteStoreEntries(home)).toEqual([]);
  });

  it('a full disk under dist/: one clear message, nothing half-written or cached, and a rerun succeeds once there is space', () => {
    // A 4 KiB tmpfs over the project's output directory: the exported Bento cannot fit.
    fullDisk = file('dist/apps/diskfull');
    mkdirSync(fullDisk, { recursive: true });
    runOrThrow('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'nx-bentoml-e2e-full', fullDisk], workspace.root);

    const failed = runNxUnchecked(workspace.root, ['run', 'diskfull:bento-build'], taskEnv);
    const output = printed(failed);
    expect(failed.status).not.toBe(0);
    expect(output).toMatch(/No space left on the device holding \S*dist\/apps\/diskfull\/bento\b/);
    expect(output).toContain('Free some space and run again.');
    expectNoStackTrace(output);
    expect(readdirSync(fullDisk)).toEqual([]);

    runOrThrow('umount', [fullDisk], workspace.root);
    fullDisk = undefined;
    const rerun = nx(['run', 'diskfull:bento-build']).stdout;
    expect(rerun).not.toContain('[local cache]');
    expect(rerun).toContain('Exported diskfull:');
    expect(readJson<{ tag: string }>('dist/apps/diskfull/bento/bento.json').tag).toMatch(/^diskfull:/);
  });

  it('two workspaces building at once into one shared BentoML home both succeed, and the store stays consistent', async () => {
    const twin = copyWorkspace(workspace.root, join(scratch, 'twin-ws'));
    const sharedHome = join(scratch, 'shared-bentoml-home');
    const env = { ...taskEnv, BENTOML_HOME: sharedHome };
    // A fresh home: both import the model and build the same Bento at the same time.
    const runs = [workspace.root, twin].map((root) => startNx(root, ['run', 'twin:bento-build'], env));
    const results = await Promise.all(runs.map((run) => run.done));
    expect(results.map((result) => [result.status, result.status === 0 ? '' : printed(result)])).toEqual([
      [0, ''],
      [0, ''],
    ]);

    const tags = [workspace.root, twin].map(
      (root) => JSON.parse(readFileSync(join(root, 'dist/apps/twin/bento/bento.json'), 'utf8')).tag as string,
    );
    expect(incompleteStoreEntries(sharedHome)).toEqual([]);
    const bentos = loadAllBentos(environment.python, sharedHome);
    for (const tag of tags) expect(bentos).toContain(tag);
  });
});

function ended(run: BackgroundRun): boolean {
  return run.child.exitCode !== null || run.child.signalCode !== null;
}

/** Whether any process of the run's group is left (signal 0 only checks). */
function groupAlive(run: BackgroundRun): boolean {
  try {
    process.kill(-(run.child.pid as number), 0);
    return true;
  } catch {
    return false;
  }
}

/** Neither a Node.js stack frame nor a Python traceback: failures print one message. */
function expectNoStackTrace(output: string) {
  expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(output).not.toContain('Traceback (most recent call last)');
}

/**
 * A second checkout of the same workspace (as a CI runner with two jobs would have): the files
 * copied, node_modules hard-linked (nothing writes there), without outputs, cache or BentoML home.
 */
function copyWorkspace(root: string, target: string): string {
  mkdirSync(target);
  for (const entry of readdirSync(root)) {
    if (['dist', '.nx', '.bentoml-home'].includes(entry)) continue;
    runOrThrow('cp', entry === 'node_modules' ? ['-al', join(root, entry), target] : ['-a', join(root, entry), target], root);
  }
  return target;
}
