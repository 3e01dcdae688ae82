import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ChainEnvironment, requireChainEnvironment } from './support/environment';
import {
  freePort,
  predictWithContainer,
  pullImage,
  removeImageEverywhere,
  removeRepositoryImages,
  waitForReady,
} from './support/container';
import { registryImageConfig, registryManifestDigest } from './support/registry';
import { cleanEnv, runNx, runNxUnchecked, runOrThrow } from './support/run';
import { type ChainWorkspace, addTrainedService, createChainWorkspace } from './support/chain-workspace';
import { highestNx } from './support/workspace';

interface PushManifest {
  imageName: string;
  imageId: string;
  pushed: Array<{ registry: string; reference: string; tag: string; digest: string; status: 'pushed' | 'up-to-date' }>;
}

const sample = {
  input: [
    [5.1, 3.5, 1.4, 0.2],
    [6.7, 3.0, 5.2, 2.3],
  ],
};

// On the highest Nx of the peer range (Nx 24 gives executors no task hash on the task graph); the
// other chain suites run on the lowest, the one create-nx-workspace gives.
describe(`the real chain on Nx ${highestNx}: BentoML, Docker Engine and an authenticated registry`, () => {
  let environment: ChainEnvironment;
  let workspace: ChainWorkspace;
  let taskEnv: Record<string, string>;
  // A fresh repository name per run: the registry outlives the test.
  const imageName = `e2e-${Date.now().toString(36)}/classifier`;
  const file = (path: string) => join(workspace.root, path);
  const nx = (args: string[]) => runNx(workspace.root, args, taskEnv);
  const readJson = <T>(path: string): T => JSON.parse(readFileSync(file(path), 'utf8'));
  const bentosInStore = () => readdirSync(join(taskEnv['BENTOML_HOME'], 'bentos', 'classifier')).filter((entry) => entry !== 'latest');
  const auth = () => ({ username: environment.username, password: environment.password });

  beforeAll(async () => {
    environment = await requireChainEnvironment();
    workspace = createChainWorkspace('chain-ws', environment, { nxVersion: highestNx });
    taskEnv = workspace.taskEnv;
    // A remote with credentials in its URL: the source label must carry the URL without them.
    runOrThrow('git', ['remote', 'add', 'origin', 'https://ci-bot:remote-token-123@git.example.com/ml/models.git'], workspace.root);

    addTrainedService(workspace, environment, 'classifier', imageName);
  });

  afterAll(async () => {
    // The engine is shared and outlives the test: leave none of this run's images in it.
    if (environment) await removeRepositoryImages(environment.docker, imageName).catch(() => undefined);
    workspace?.cleanup();
  });

  it('publishes the service with one command and the registry holds a manifest for every tag', async () => {
    expect(workspace.nxVersion).toBe(highestNx);
    expect(nx(['--version']).stdout).toContain(`Local: v${highestNx}`);
    const output = nx(['run', 'classifier:publish']).stdout;
    expect(output).toContain('Built Bento classifier:');
    const push = readJson<PushManifest>('dist/apps/classifier/push/push.json');
    expect(push.pushed.map((entry) => entry.tag)).toEqual([expect.stringMatching(/^nx[a-z0-9]+$/), 'latest']);
    for (const entry of push.pushed) {
      expect(entry.reference).toBe(`${environment.registry}/${imageName}:${entry.tag}`);
      expect(await registryManifestDigest(environment.registry, imageName, entry.tag, auth())).toEqual({
        status: 200,
        digest: entry.digest,
      });
    }
    const labels = (await environment.docker.getImage(push.imageId).inspect()).Config.Labels;
    expect(labels['dev.nx-bentoml.bento.tag']).toMatch(/^classifier:nx/);
    expect(labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$/);
  });

  it('carries the lineage in labels that the registry serves with the image config', async () => {
    const push = readJson<PushManifest>('dist/apps/classifier/push/push.json');
    const config = await registryImageConfig(environment.registry, imageName, push.pushed[0].tag, auth());
    const labels = config.config.Labels;
    const bento = readJson<{ tag: string; version: string; models: string[] }>('dist/apps/classifier/bento/bento.json');
    const metrics = readJson<{ accuracy: number }>('apps/classifier/evaluation/metrics.json');
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': 'classifier',
      'org.opencontainers.image.version': bento.version,
      'org.opencontainers.image.source': 'https://git.example.com/ml/models.git',
      'dev.nx-bentoml.bento.tag': bento.tag,
      'dev.nx-bentoml.models': bento.models.join(','),
      'dev.nx-bentoml.params.train.c': '1',
      'dev.nx-bentoml.params.train.seed': '42',
      'dev.nx-bentoml.metrics.accuracy': String(metrics.accuracy),
    });
    expect(bento.models[0]).toMatch(/^classifier_model:/);
    expect(labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$/);
    expect(labels['dev.nx-bentoml.params.sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(labels['org.opencontainers.image.created'])).not.toBeNaN();
    expect(JSON.stringify(config)).not.toContain('remote-token-123');
  });

  it('serves a correct prediction from the image pulled back from the registry', async () => {
    const push = readJson<PushManifest>('dist/apps/classifier/push/push.json');
    await removeImageEverywhere(environment.docker, push.imageId);
    const reference = push.pushed[0].reference;
    await expect(environment.docker.getImage(reference).inspect()).rejects.toThrow();
    await pullImage(environment.docker, reference, { ...auth(), serveraddress: environment.registry });
    expect(await predictWithContainer(environment.docker, reference, '/predict', sample)).toEqual(['setosa', 'virginica']);
  });

  it('passes its own smoke test', () => {
    const output = nx(['run', 'classifier:smoke-test']).stdout;
    expect(output).toContain('POST /predict answered ["setosa","virginica"], as expected.');
  });

  it('publishes again without building a Bento, building an image or uploading a layer', () => {
    const before = readJson<PushManifest>('dist/apps/classifier/push/push.json');
    const storeBefore = bentosInStore();
    const output = nx(['run', 'classifier:publish']).stdout;
    // Nx replays the cached task's log, so the proof that BentoML built nothing is the store itself.
    expect(output).toMatch(/nx run classifier:bento-build\s+\[(local|remote) cache\]/);
    expect(output).toContain('reusing it');
    expect(output).not.toContain('Pushing ');
    expect(output).toMatch(/Published e2e-\w+\/classifier: 0 pushed, 2 up to date\./);
    expect(output).toMatch(/^image\s+tag\s+digest\s+size\s+status$/m);
    expect(bentosInStore()).toEqual(storeBefore);
    const after = readJson<PushManifest>('dist/apps/classifier/push/push.json');
    expect(after.imageId).toBe(before.imageId);
    expect(after.pushed.map((entry) => [entry.digest, entry.status])).toEqual(before.pushed.map((entry) => [entry.digest, 'up-to-date']));
  });

  it('a serve.py change produces a new Bento tag, a new image and a new digest', async () => {
    const before = readJson<PushManifest>('dist/apps/classifier/push/push.json');
    const bentoBefore = readJson<{ tag: string }>('dist/apps/classifier/bento/bento.json').tag;
    appendFileSync(file('apps/classifier/src/serve.py'), '\n# A comment is a change of the service code.\n');
    nx(['run', 'classifier:publish']);
    const bentoAfter = readJson<{ tag: string }>('dist/apps/classifier/bento/bento.json').tag;
    const after = readJson<PushManifest>('dist/apps/classifier/push/push.json');
    expect(bentoAfter).not.toBe(bentoBefore);
    expect(after.imageId).not.toBe(before.imageId);
    expect(after.pushed[0].tag).toBe(bentoAfter.split(':')[1]);
    expect(after.pushed[0].digest).not.toBe(before.pushed[0].digest);
    expect(await registryManifestDigest(environment.registry, imageName, after.pushed[0].tag, auth())).toEqual({
      status: 200,
      digest: after.pushed[0].digest,
    });
  });

  it('publishes to two registries in one run, skipping what the first already holds', async () => {
    const secondRegistry = process.env['NX_BENTOML_SECOND_REGISTRY'] as string;
    // From the command line: editing project.json would change every task hash, Bento included.
    nx(['run', 'classifier:publish', `--registries=${environment.registry}`, `--registries=${secondRegistry}`]);
    const push = readJson<PushManifest>('dist/apps/classifier/push/push.json');
    expect(push.pushed.map((entry) => [entry.registry, entry.status])).toEqual([
      [environment.registry, 'up-to-date'],
      [environment.registry, 'up-to-date'],
      [secondRegistry, 'pushed'],
      [secondRegistry, 'pushed'],
    ]);
    for (const entry of push.pushed) {
      expect(await registryManifestDigest(entry.registry, imageName, entry.tag, auth())).toEqual({ status: 200, digest: entry.digest });
    }
    expect(new Set(push.pushed.map((entry) => entry.digest)).size).toBe(1);
  });

  it('lists the published versions with their tags and lineage, and compares two by param', () => {
    const previous = readJson<PushManifest>('dist/apps/classifier/push/push.json').pushed[0].tag;
    const paramsFile = file('apps/classifier/params.yaml');
    writeFileSync(paramsFile, readFileSync(paramsFile, 'utf8').replace('c: 1.0', 'c: 0.5'));
    nx(['run', 'classifier:publish']);
    const current = readJson<PushManifest>('dist/apps/classifier/push/push.json').pushed[0].tag;

    const output = nx(['run', 'classifier:versions', '--json']).stdout;
    // One JSON document among Nx's own lines, the same as the output file.
    const printed = JSON.parse(output.slice(output.indexOf('\n{') + 1, output.lastIndexOf('\n}') + 2));
    expect(printed).toEqual(readJson('dist/apps/classifier/versions/versions.json'));
    const versions = printed.versions as Array<{ tags: string[]; params: Record<string, string>; metrics: Record<string, string> }>;
    expect(versions).toHaveLength(3);
    expect(versions[0].tags).toEqual(['latest', current]);
    expect(versions[1].tags).toEqual([previous]);
    expect(versions[0].params).toEqual(expect.objectContaining({ 'train.c': '0.5', 'train.seed': '42' }));
    const metrics = readJson<{ accuracy: number }>('apps/classifier/evaluation/metrics.json');
    expect(versions[0].metrics).toEqual({ accuracy: String(metrics.accuracy) });

    const compared = nx(['run', 'classifier:versions', `--compare=${previous},latest`]).stdout;
    expect(compared).toContain(`What differs between ${previous} and latest:\n  param train.c: 1 -> 0.5`);
    expect(compared).not.toContain(environment.password);
  });

  it('promotes the published version to production by digest with no blob upload, and copies it to a second registry', async () => {
    const latest = readJson<PushManifest>('dist/apps/classifier/push/push.json').pushed.find((entry) => entry.tag === 'latest')!;
    // The registry's own request log: a blob upload would show as POST .../blobs/uploads/.
    const uploadsLog = (dir: string) =>
      readFileSync(join(process.env['NX_BENTOML_ENV_DIR'] as string, dir, 'registry.log'), 'utf8')
        .split('\n')
        .filter((line) => line.includes(`"POST /v2/${imageName}/blobs/uploads/`)).length;
    const uploadsBefore = uploadsLog('registry');

    const output = nx(['run', 'classifier:promote', '--to=production']).stdout;
    expect(output).toContain(`Promoted ${environment.registry}/${imageName}@${latest.digest}`);
    expect(await registryManifestDigest(environment.registry, imageName, 'production', auth())).toEqual({
      status: 200,
      digest: latest.digest,
    });
    expect(uploadsLog('registry')).toBe(uploadsBefore);
    expect(readJson('dist/apps/classifier/promote/promote.json')).toMatchObject({ from: latest.digest, to: 'production', changed: true });
    // Again: nothing to do.
    expect(nx(['run', 'classifier:promote', '--to=production']).stdout).toContain('already points at');

    // versions shows the new tag on the same digest as latest and the Bento version ("nx…" sorts before "production").
    const versionTag = readJson<PushManifest>('dist/apps/classifier/push/push.json').pushed[0].tag;
    const listed = nx(['run', 'classifier:versions', '--json']).stdout;
    const newest = JSON.parse(listed.slice(listed.indexOf('\n{') + 1, listed.lastIndexOf('\n}') + 2)).versions[0];
    expect([newest.digest, newest.tags]).toEqual([latest.digest, ['latest', versionTag, 'production']]);

    const secondRegistry = process.env['NX_BENTOML_SECOND_REGISTRY'] as string;
    const copied = nx(['run', 'classifier:promote', '--to=production', '--from=latest', `--toRegistry=${secondRegistry}`]).stdout;
    expect(copied).toMatch(/: [1-9]\d* blobs copied, 0 mounted, \d+ already there\./);
    expect(await registryManifestDigest(secondRegistry, imageName, 'production', auth())).toEqual({ status: 200, digest: latest.digest });
    // Another repository of the same registry: every blob is mounted from the source, none uploaded.
    const mirrored = nx([
      'run',
      'classifier:promote',
      '--to=production',
      '--from=latest',
      `--toRegistry=${environment.registry}/mirror`,
    ]).stdout;
    expect(mirrored).toMatch(/: 0 blobs copied, [1-9]\d* mounted, 0 already there\./);
    expect(await registryManifestDigest(environment.registry, `mirror/${imageName}`, 'production', auth())).toEqual({
      status: 200,
      digest: latest.digest,
    });

    const unknown = runNxUnchecked(workspace.root, ['run', 'classifier:promote', '--to=production', '--from=nx-no-such-version'], taskEnv);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stdout + unknown.stderr).toContain(`${environment.registry}/${imageName} holds no version nx-no-such-version`);
    expect(await registryManifestDigest(environment.registry, imageName, 'production', auth())).toEqual({
      status: 200,
      digest: latest.digest,
    });
  });

  it('a publish whose service cannot start fails at the gate: nothing pushed, latest keeps its digest', async () => {
    const servePath = file('apps/classifier/src/serve.py');
    const original = readFileSync(servePath, 'utf8');
    const latestBefore = await registryManifestDigest(environment.registry, imageName, 'latest', auth());
    const pushBefore = readFileSync(file('dist/apps/classifier/push/push.json'), 'utf8');
    // BentoML imports the module to build the Bento, so the build succeeds; the service cannot start.
    const broken = original.replace(
      'def __init__(self) -> None:\n',
      'def __init__(self) -> None:\n        raise RuntimeError("model weights unreadable")\n',
    );
    expect(broken).not.toBe(original);
    writeFileSync(servePath, broken);
    try {
      const result = runNxUnchecked(workspace.root, ['run', 'classifier:publish'], taskEnv);
      const output = result.stdout + result.stderr;
      expect(result.status).not.toBe(0);
      expect(output).toContain('Testing the image before docker-push pushes it');
      expect(output).toContain('model weights unreadable');
      expect(output).toContain('The gate before docker-push stopped the push: nothing was pushed and no tag moved.');
      expect(output).not.toContain('Pushing ');
      const brokenVersion = readJson<{ version: string }>('dist/apps/classifier/bento/bento.json').version;
      expect((await registryManifestDigest(environment.registry, imageName, brokenVersion, auth())).status).toBe(404);
      expect(await registryManifestDigest(environment.registry, imageName, 'latest', auth())).toEqual(latestBefore);
      expect(readFileSync(file('dist/apps/classifier/push/push.json'), 'utf8')).toBe(pushBefore);
    } finally {
      writeFileSync(servePath, original);
    }
    // Mended: every tag already holds the image of these inputs, so the gate starts no container.
    const again = nx(['run', 'classifier:publish']).stdout;
    expect(again).toContain('docker-push has nothing to push, so the gate does not test it again.');
    expect(again).toMatch(/Published e2e-\w+\/classifier: 0 pushed, 2 up to date\./);
    // --gate=false on the command line reaches the gate through publish and docker-push (as the string Nx hands on).
    const ungated = nx(['run', 'classifier:publish', '--gate=false']).stdout;
    expect(ungated).toContain('The gate is off (gate: false): docker-push pushes without a smoke test.');
    expect(ungated).not.toContain('Testing the image before');
  });

  it('serves the service locally with bentoml serve on a loopback port', async () => {
    const port = await freePort();
    const serve = spawn('npx', ['nx', 'run', 'classifier:serve', `--port=${port}`], {
      cwd: workspace.root,
      env: cleanEnv(taskEnv),
      detached: true,
      stdio: 'ignore',
    });
    try {
      await waitForReady(`http://127.0.0.1:${port}/readyz`, 120_000);
      const response = await fetch(`http://127.0.0.1:${port}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(sample),
      });
      expect(await response.json()).toEqual(['setosa', 'virginica']);
    } finally {
      await stopProcessGroup(serve, 15_000);
    }
  });

  it(`hashes a model file git ignores on Nx ${highestNx}: retraining it builds a new Bento, and nothing warns`, () => {
    const model = 'apps/classifier/model/classifier_model.bentomodel';
    appendFileSync(file('.gitignore'), `\n/${model}\n`);
    const bentoTag = () => readJson<{ tag: string }>('dist/apps/classifier/bento/bento.json').tag;
    // The warning goes to stderr (logger.warn): both streams are read.
    const output = (result: { stdout: string; stderr: string }) => `${result.stdout}\n${result.stderr}`;
    expect(output(nx(['run', 'classifier:bento-build']))).not.toContain('is ignored by git');
    const before = bentoTag();
    runOrThrow(file('.venv/bin/python'), [file('apps/classifier/train.py')], workspace.root, undefined, taskEnv);
    const rebuilt = output(nx(['run', 'classifier:bento-build']));
    expect(rebuilt).not.toContain('is ignored by git');
    expect(rebuilt).toContain('Building the Bento of');
    expect(rebuilt).not.toContain('[local cache]');
    expect(bentoTag()).not.toBe(before);
  });
});

/**
 * Ends a detached process with its whole group (npx, nx, bentoml serve and its workers) and waits
 * until all of them are gone, so nothing outlives the test; SIGKILL after `timeoutMs`.
 */
async function stopProcessGroup(child: ChildProcess, timeoutMs: number) {
  if (!child.pid) return;
  signalGroup(child.pid, 'SIGTERM');
  if (await groupEnded(child, timeoutMs)) return;
  signalGroup(child.pid, 'SIGKILL');
  await groupEnded(child, 5_000);
}

function signalGroup(pgid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is already gone.
  }
}

async function groupEnded(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const leaderExited = child.exitCode !== null || child.signalCode !== null;
    if (leaderExited && !groupAlive(child.pid as number)) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

/** Signal 0 checks whether any process of the group is left. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
