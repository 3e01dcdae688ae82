import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { startNx, waitUntil } from './support/background';
import { type ChainWorkspace, createChainWorkspace } from './support/chain-workspace';
import { removeRepositoryImages } from './support/container';
import { type ChainEnvironment, requireChainEnvironment } from './support/environment';
import { registryManifestDigest } from './support/registry';
import { runOrThrow } from './support/run';
import { SecondEngine } from './support/second-engine';
import { removeTempDir } from './support/temp-dir';

interface PushManifest {
  imageId: string;
  pushed: Array<{ registry: string; reference: string; tag: string; digest: string; status: 'pushed' | 'up-to-date' }>;
}

/** What a smoke-test container looked like while it ran: its id and where its port was published. */
type SeenContainer = { id: string; ports: Array<{ ip?: string; port?: number }> };

/**
 * Publish through a Docker Engine reached as a remote one is: DOCKER_HOST=tcp://, mutual TLS
 * (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH), nothing of the local socket. The engine is a second
 * dockerd of the test's own on 127.0.0.1, so the smoke test's container is published on this
 * machine's loopback. The service's build step reads a build-stage variable, a BuildKit secret
 * that only crosses the BuildKit session: a build without a working session over TLS fails
 * (rpc error: connection closed), one without secrets would not notice.
 */
describe('a Docker Engine reached over TCP with TLS', () => {
  let environment: ChainEnvironment;
  let workspace: ChainWorkspace;
  let scratch: string;
  let engine: SecondEngine | undefined;
  const run = Date.now().toString(36);
  const project = 'over-tls';
  const dir = `models/${project}`;
  const bento = `over-tls-${run}`;
  const variable = 'NXB_REMOTE_TOKEN';
  const secretValue = `tok-${run}-remote`;
  const secretDigest = createHash('sha256').update(secretValue).digest('hex');
  const file = (path: string) => join(workspace.root, path);
  const write = (path: string, content: string) => {
    mkdirSync(dirname(file(path)), { recursive: true });
    writeFileSync(file(path), content);
  };
  const readJson = <T>(path: string): T => JSON.parse(readFileSync(file(path), 'utf8'));
  const smokeTestContainers = async (docker: Docker): Promise<SeenContainer[]> =>
    (await docker.listContainers({ all: true, filters: { label: [`dev.nx-bentoml.smoke-test=${project}`] } })).map((container) => ({
      id: container.Id,
      ports: container.Ports.map((port) => ({ ip: port.IP, port: port.PublicPort })),
    }));

  beforeAll(async () => {
    environment = await requireChainEnvironment();
    scratch = mkdtempSync(join(tmpdir(), 'nx-bentoml-e2e-remote-engine-'));
    // A range of bridges apart from remote-cache.spec.ts's (100-149) and faults.spec.ts's (200-249).
    engine = new SecondEngine(join(scratch, 'engine'), 150 + (process.pid % 50), { tls: true });
    await engine.setUp();
    // No registry serves a base image here: the engine gets it from the shared one.
    await engine.loadImageFrom(environment.docker, environment.baseImage);
    workspace = createChainWorkspace('remote-engine-ws', environment);
    // BentoML prefixes each build command with the variable read from its secret mount; the API answers what the step wrote.
    // Named after the run: BuildKit keys a step's cache without its secrets.
    const buildStep = `sh -c 'printf %s "$${variable}" | sha256sum > /home/bentoml/token-${run}.sha256'`;
    write(
      `${dir}/service.py`,
      `import bentoml\n\nimage = bentoml.images.Image(base_image="${environment.baseImage}", python_version="3.11").run(${JSON.stringify(buildStep)})\n\n\n` +
        `@bentoml.service(name="${bento}", image=image, envs=[{"name": "${variable}", "stage": "build"}])\n` +
        `class Token:\n    @bentoml.api\n    def digest(self) -> dict:\n` +
        `        return {"sha256": open("/home/bentoml/token-${run}.sha256").read().split()[0]}\n`,
    );
    write(`${dir}/smoke-test.json`, JSON.stringify({ endpoint: '/digest', request: {}, expect: { sha256: secretDigest } }));
    write('.gitignore', `${readFileSync(file('.gitignore'), 'utf8')}\n__pycache__/\n`);
    runOrThrow('git', ['add', '-A'], workspace.root);
    runOrThrow('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'commit', '-qm', 'service'], workspace.root);
  });

  afterAll(async () => {
    await engine?.tearDown();
    // Nothing should have reached the shared engine; if it did, leave nothing behind.
    if (environment) await removeRepositoryImages(environment.docker, bento).catch(() => undefined);
    workspace?.cleanup();
    removeTempDir(scratch);
  });

  it('publishes with BuildKit, the smoke-test gate and the push all on that engine', async () => {
    const remote = engine as SecondEngine;
    const env: Record<string, string> = { ...workspace.taskEnv, ...remote.clientEnv, [variable]: secretValue };
    expect(env['DOCKER_HOST']).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);

    // The smoke test's container exists only while the gate runs: watch both engines for it until publish ends.
    const seen = { tls: new Map<string, SeenContainer>(), shared: new Map<string, SeenContainer>() };
    // An exited container lists no ports: the snapshot taken while it ran, with its published port, is kept.
    const remember = (map: Map<string, SeenContainer>, container: SeenContainer) => {
      if (!map.get(container.id)?.ports.some((port) => port.port)) map.set(container.id, container);
    };
    const publish = startNx(workspace.root, ['run', `${project}:publish`, `--registry=${environment.registry}`], env);
    let finished = false;
    void publish.done.then(() => (finished = true));
    await waitUntil(
      'publish ends',
      async () => {
        for (const container of await smokeTestContainers(remote.docker)) remember(seen.tls, container);
        for (const container of await smokeTestContainers(environment.docker)) remember(seen.shared, container);
        return finished;
      },
      30 * 60_000,
      200,
    );
    const result = await publish.done;
    const output = `${result.stdout}\n${result.stderr}`;
    expect([result.status, output]).toEqual([0, expect.any(String)]);

    // BuildKit built it, with the secret handed over the session through the TLS connection.
    expect(output).toContain('Building with BuildKit');
    expect(output).toContain(`${variable} as BuildKit secrets.`);
    expect(output).not.toContain(secretValue);

    // The image is in the engine over TLS, not in the shared one.
    const image = readJson<{ imageId: string }>(`dist/${dir}/image/image.json`);
    expect((await remote.docker.getImage(image.imageId).inspect()).Id).toBe(image.imageId);
    await expect(environment.docker.getImage(image.imageId).inspect()).rejects.toMatchObject({ statusCode: 404 });

    // The gate's container ran in that engine only, published on loopback, and answered the requests: the digest
    // of the secret, which only the image built there holds. It is gone afterwards.
    expect(seen.shared.size).toBe(0);
    const [container, ...others] = [...seen.tls.values()];
    expect(others).toEqual([]);
    const published = container.ports.find((port) => port.port);
    expect(published?.ip).toBe('127.0.0.1');
    expect(output).toContain(`The service is ready on http://127.0.0.1:${published?.port}.`);
    expect(output).toContain(`POST /digest answered {"sha256":"${secretDigest}"}, as expected.`);
    expect(await smokeTestContainers(remote.docker)).toEqual([]);

    // The registry holds every tag push.json records, with its digest.
    const push = readJson<PushManifest>(`dist/${dir}/push/push.json`);
    expect(push.imageId).toBe(image.imageId);
    expect(push.pushed.map((entry) => [entry.tag, entry.status])).toEqual([
      [expect.stringMatching(/^nx[a-z0-9]+$/), 'pushed'],
      ['latest', 'pushed'],
    ]);
    const auth = { username: environment.username, password: environment.password };
    for (const entry of push.pushed) {
      expect(await registryManifestDigest(environment.registry, bento, entry.tag, auth)).toEqual({ status: 200, digest: entry.digest });
    }
  });
});
