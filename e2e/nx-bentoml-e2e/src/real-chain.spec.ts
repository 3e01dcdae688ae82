import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ChainEnvironment, requireChainEnvironment } from './support/environment';
import { freePort, predictWithContainer, pullImage, removeImageEverywhere, waitForReady } from './support/container';
import { registryManifestDigest } from './support/registry';
import { cleanEnv, runNx, runOrThrow } from './support/run';
import { type TestWorkspace, createWorkspace } from './support/workspace';

interface PushManifest {
  imageName: string;
  imageId: string;
  pushed: Array<{ reference: string; tag: string; digest: string }>;
}

const sample = { input: [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]] };

describe('the real chain: BentoML, Docker Engine and an authenticated registry', () => {
  let environment: ChainEnvironment;
  let workspace: TestWorkspace;
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
    workspace = createWorkspace('chain-ws');
    taskEnv = {
      BENTOML_HOME: file('.bentoml-home'),
      DOCKER_CONFIG: file('.docker-config'),
      NX_BENTOML_REGISTRY_USERNAME: environment.username,
      NX_BENTOML_REGISTRY_PASSWORD: environment.password,
    };
    mkdirSync(taskEnv['DOCKER_CONFIG']);
    // The workspace's Python environment, found by the plugin as users have it: <workspace>/.venv
    symlinkSync(dirname(dirname(environment.python)), file('.venv'));
    appendFileSync(file('.gitignore'), '\n.venv\n.bentoml-home\n.docker-config\n');

    nx(['g', 'nx-bentoml:init', '--no-interactive']);
    nx(['g', 'nx-bentoml:service', 'classifier', `--baseImage=${environment.baseImage}`, `--registry=${environment.registry}`, `--imageName=${imageName}`, '--no-interactive']);
    runOrThrow(file('.venv/bin/python'), [file('apps/classifier/train.py')], workspace.root, undefined, taskEnv);
  });

  afterAll(() => workspace?.cleanup());

  it('publishes the service with one command and the registry holds a manifest for every tag', async () => {
    const output = nx(['run', 'classifier:publish']).stdout;
    expect(output).toContain('Built Bento classifier:');
    const push = readJson<PushManifest>('dist/apps/classifier/push/push.json');
    expect(push.pushed.map((entry) => entry.tag)).toEqual([expect.stringMatching(/^nx[a-z0-9]+$/), 'latest']);
    for (const entry of push.pushed) {
      expect(entry.reference).toBe(`${environment.registry}/${imageName}:${entry.tag}`);
      expect(await registryManifestDigest(environment.registry, imageName, entry.tag, auth())).toEqual({ status: 200, digest: entry.digest });
    }
    const labels = (await environment.docker.getImage(push.imageId).inspect()).Config.Labels;
    expect(labels['dev.nx-bentoml.bento.tag']).toMatch(/^classifier:nx/);
    expect(labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$/);
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
    expect(output).not.toMatch(/: Pushed$/m);
    expect(bentosInStore()).toEqual(storeBefore);
    const after = readJson<PushManifest>('dist/apps/classifier/push/push.json');
    expect(after.imageId).toBe(before.imageId);
    expect(after.pushed.map((entry) => entry.digest)).toEqual(before.pushed.map((entry) => entry.digest));
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
    expect(await registryManifestDigest(environment.registry, imageName, after.pushed[0].tag, auth())).toEqual({ status: 200, digest: after.pushed[0].digest });
  });

  it('serves the service locally with bentoml serve on a loopback port', async () => {
    const port = await freePort();
    const serve = spawn('npx', ['nx', 'run', 'classifier:serve', `--port=${port}`], { cwd: workspace.root, env: cleanEnv(taskEnv), detached: true, stdio: 'ignore' });
    try {
      await waitForReady(`http://127.0.0.1:${port}/readyz`, 120_000);
      const response = await fetch(`http://127.0.0.1:${port}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sample) });
      expect(await response.json()).toEqual(['setosa', 'virginica']);
    } finally {
      if (serve.pid) process.kill(-serve.pid, 'SIGTERM');
    }
  });
});
