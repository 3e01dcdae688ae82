import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { logger } from '@nx/devkit';
import { fakeDocker } from '../../testing/fake-docker';
import { writeRegistryImageHandoff } from '../../testing/image-handoffs';
import { fakeRegistry } from '../../testing/fake-registry';
import { fakeExecutorContext } from '../../testing/executor-context';
import { captureLogger } from '../../testing/logger';
import { attachGateStatement, writeKeyPair } from '../../testing/signing-keys';
import { type Signer, keyFileSigner } from '../../lib/attest/signer';
import type { RegistryClient } from '../../lib/registry/client';
import smokeTestExecutor from './executor';

/** What the fake service received, readiness polls aside. */
const received: Array<{ url: string; contentType: string; body: string }> = [];

/** Stands in for the container: a loopback server answering like a BentoML service. */
function fakeService(answer: { status: number; body: unknown }, ready = true): Promise<Server> {
  received.length = 0;
  const server = createServer(async (request, response) => {
    if (request.url === '/readyz') {
      response.writeHead(ready ? 200 : 503).end('\n');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    received.push({ url: request.url ?? '', contentType: request.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString() });
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;

describe('smoke-test executor', () => {
  captureLogger();
  let root: string;
  let server: Server | undefined;
  const options = (port: number, extra = {}) => ({
    imagePath: 'dist/apps/classifier/image',
    sampleRequest: 'apps/classifier/smoke-test.json',
    port,
    ...extra,
  });
  const context = () => fakeExecutorContext(root, 'apps/classifier', 'smoke-test');

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'smoke-'));
    mkdirSync(join(root, 'dist/apps/classifier/image'), { recursive: true });
    writeFileSync(
      join(root, 'dist/apps/classifier/image/image.json'),
      JSON.stringify({ imageId: 'sha256:1', imageName: 'classifier', tags: ['nx1'], bentoTag: 'classifier:nx1', built: true }),
    );
    mkdirSync(join(root, 'apps/classifier'), { recursive: true });
    writeFileSync(
      join(root, 'apps/classifier/smoke-test.json'),
      JSON.stringify({ endpoint: '/predict', request: { input: [[5.1, 3.5, 1.4, 0.2]] }, expect: ['setosa'] }),
    );
  });
  afterEach(() => {
    server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('runs the image on a port the Engine picks, labelled with the project, checks the answer and removes the container', async () => {
    server = await fakeService({ status: 200, body: ['setosa'] });
    const docker = fakeDocker({}, { publishedPort: portOf(server) });
    expect(await smokeTestExecutor(options(0), context(), docker.client)).toEqual({ success: true });
    expect(docker.containers).toEqual([
      { image: 'sha256:1', containerPort: 3000, hostPort: 0, labels: { 'dev.nx-bentoml.smoke-test': 'classifier' } },
    ]);
    expect(docker.calls).toEqual(['run sha256:1 on 0', 'remove c1']);
    expect(logger.info).toHaveBeenCalledWith(`The service is ready on http://127.0.0.1:${portOf(server)}.`);
  });

  it('writes its result for the signed gate statement: each request, what it expected and what came back', async () => {
    server = await fakeService({ status: 200, body: ['setosa'] });
    const docker = fakeDocker({}, { publishedPort: portOf(server) });
    await smokeTestExecutor(options(0), context(), docker.client);
    const gate = JSON.parse(readFileSync(join(root, 'dist/apps/classifier/smoke-test/gate.json'), 'utf8'));
    expect(gate).toEqual({
      imageId: 'sha256:1',
      passed: true,
      requests: [
        { request: expect.stringContaining('/'), expected: expect.stringContaining('HTTP 2xx'), answered: '["setosa"]', passed: true },
      ],
    });
  });

  it('binds the port it is given', async () => {
    server = await fakeService({ status: 200, body: ['setosa'] });
    const docker = fakeDocker({}, { publishedPort: 1 });
    expect(await smokeTestExecutor(options(portOf(server)), context(), docker.client)).toEqual({ success: true });
    expect(docker.calls).toEqual([`run sha256:1 on ${portOf(server)}`, 'remove c1']);
  });

  it('fails on a wrong answer, shows the container output and still removes the container', async () => {
    server = await fakeService({ status: 200, body: ['virginica'] });
    const docker = fakeDocker({}, { publishedPort: portOf(server) });
    expect(await smokeTestExecutor(options(0), context(), docker.client)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(
      [
        'POST /predict failed: at $[0]: expected "setosa", got "virginica".',
        '  sent:     POST /predict, application/json {"input":[[5.1,3.5,1.4,0.2]]}',
        '  expected: HTTP 2xx, exactly ["setosa"]',
        '  answered: HTTP 200 (application/json) ["virginica"]',
        'Last container output:',
        'container log line',
      ].join('\n'),
    );
    expect(docker.calls).toContain('remove c1');
  });

  it('sends every request of the file, files as multipart, and checks each answer', async () => {
    writeFileSync(join(root, 'apps/classifier/cat.png'), 'not really a png');
    writeFileSync(
      join(root, 'apps/classifier/smoke-test.json'),
      JSON.stringify({
        requests: [
          { endpoint: '/predict', request: { input: [[5.1, 3.5, 1.4, 0.2]] }, expect: ['setosa'] },
          { name: 'upload', endpoint: '/classify', multipart: { image: { file: 'cat.png' }, top_k: 1 }, expectSubset: ['setosa'] },
        ],
      }),
    );
    server = await fakeService({ status: 200, body: ['setosa'] });
    const docker = fakeDocker({}, { publishedPort: portOf(server) });
    expect(await smokeTestExecutor(options(0), context(), docker.client)).toEqual({ success: true });
    expect(logger.info).toHaveBeenCalledWith('Request 1/2: POST /predict answered ["setosa"], as expected.');
    expect(logger.info).toHaveBeenCalledWith('Request 2/2 "upload": POST /classify answered ["setosa"], as expected.');
    expect(received.map((request) => [request.url, request.contentType.split(';')[0]])).toEqual([
      ['/predict', 'application/json'],
      ['/classify', 'multipart/form-data'],
    ]);
    expect(received[1].body).toContain('filename="cat.png"\r\nContent-Type: image/png\r\n\r\nnot really a png');
  });

  it('reports a mistake in smoke-test.json with its line and column before starting a container', async () => {
    writeFileSync(join(root, 'apps/classifier/smoke-test.json'), '{\n  "endpoint": "/predict",\n  "expect": 1,\n  "expectSubset": 1\n}\n');
    const docker = fakeDocker({}, { publishedPort: 1 });
    expect(await smokeTestExecutor(options(0), context(), docker.client)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(
      'apps/classifier/smoke-test.json:4:3: "expectSubset" cannot go with "expect": give one expectation.',
    );
    expect(docker.calls).toEqual([]);
  });

  it('reports the failure, not the failed removal of the container', async () => {
    server = await fakeService({ status: 200, body: ['virginica'] });
    const docker = fakeDocker({}, { publishedPort: portOf(server) });
    const run = docker.client.runContainer;
    docker.client.runContainer = async (...args) => ({
      ...(await run(...args)),
      remove: async () => {
        throw new Error('The Docker Engine answered 500: removal failed');
      },
    });
    expect(await smokeTestExecutor(options(0), context(), docker.client)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining('POST /predict failed: at $[0]: expected "setosa", got "virginica".'),
    );
    expect(logger.warn).toHaveBeenCalledWith(
      'Could not remove the container c1 (The Docker Engine answered 500: removal failed). Remove it with "docker rm -f c1".',
    );
  });

  it('fails on a non-2xx answer', async () => {
    server = await fakeService({ status: 400, body: { error: 'validation' } });
    expect(await smokeTestExecutor(options(0), context(), fakeDocker({}, { publishedPort: portOf(server) }).client)).toEqual({
      success: false,
    });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('POST /predict failed: answered HTTP 400, expected HTTP 2xx.'));
  });

  it('times out when the service never gets ready', async () => {
    server = await fakeService({ status: 200, body: [] }, false);
    const docker = fakeDocker({}, { publishedPort: portOf(server) });
    expect(await smokeTestExecutor(options(0, { readinessTimeoutSeconds: 1 }), context(), docker.client)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('was not ready at http://127.0.0.1:'));
    expect(docker.calls).toContain('remove c1');
  });

  it('stops waiting as soon as the container has exited, with its exit code and output', async () => {
    server = await fakeService({ status: 200, body: [] }, false);
    const docker = fakeDocker({}, { publishedPort: portOf(server), containerExitCode: 3 });
    const started = Date.now();
    expect(await smokeTestExecutor(options(0, { readinessTimeoutSeconds: 60 }), context(), docker.client)).toEqual({ success: false });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(logger.error).toHaveBeenCalledWith(
      `The container exited with code 3 before the service was ready at http://127.0.0.1:${portOf(server)}.\nLast container output:\ncontainer log line`,
    );
    expect(docker.calls).toEqual(['run sha256:1 on 0', 'remove c1']);
  });

  it('removes the container and exits when interrupted, and stops listening for signals afterwards', async () => {
    server = await fakeService({ status: 200, body: [] }, false);
    const docker = fakeDocker({}, { publishedPort: portOf(server) });
    const run = docker.client.runContainer;
    docker.client.runContainer = async (...args) => {
      setTimeout(() => process.emit('SIGTERM', 'SIGTERM'), 50);
      return run(...args);
    };
    const exit = jest.spyOn(process, 'exit').mockImplementation((code) => void docker.calls.push(`exit ${code}`) as never);
    const listeners = process.listenerCount('SIGTERM') + process.listenerCount('SIGINT');
    await smokeTestExecutor(options(0, { readinessTimeoutSeconds: 1 }), context(), docker.client);
    expect(exit).toHaveBeenCalledWith(143);
    expect(docker.calls.slice(0, 3)).toEqual(['run sha256:1 on 0', 'remove c1', 'exit 143']);
    expect(process.listenerCount('SIGTERM') + process.listenerCount('SIGINT')).toBe(listeners);
  });

  it('reports a port already in use with what to do', async () => {
    const docker = fakeDocker({
      runContainer: async () => {
        throw new Error('driver failed programming external connectivity: Bind for 127.0.0.1:3000 failed: port is already allocated');
      },
    });
    expect(await smokeTestExecutor(options(3000), context(), docker.client)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith('Port 3000 on 127.0.0.1 is already in use. Free it, or pass --port=0 to use a free port.');
  });

  describe('on a Docker Engine of another machine', () => {
    // The engine's host is named 127.0.0.1 here so that the fake service stands in for its container.
    const remote = { description: 'DOCKER_HOST=tcp://build-host:2376', host: { hostname: '127.0.0.1', remote: true } };

    it('publishes the port at the address it is given and sends the requests to the engine host', async () => {
      server = await fakeService({ status: 200, body: ['setosa'] });
      const docker = fakeDocker({}, { publishedPort: portOf(server), engine: remote });
      expect(await smokeTestExecutor(options(0, { publishAddress: '0.0.0.0' }), context(), docker.client)).toEqual({ success: true });
      expect(docker.containers).toEqual([expect.objectContaining({ publishAddress: '0.0.0.0' })]);
      expect(received.map((request) => request.url)).toEqual(['/predict']);
    });

    it('starts no container until the user chooses where its port may be published', async () => {
      const docker = fakeDocker({}, { engine: remote });
      expect(await smokeTestExecutor(options(0), context(), docker.client)).toEqual({ success: false });
      expect(logger.error).toHaveBeenCalledWith(
        expect.stringContaining('Set "publishAddress" in the smoke-test options (or pass --publishAddress) to an address of 127.0.0.1'),
      );
      expect(docker.calls).toEqual([]);
    });
  });

  describe('as the gate before docker-push', () => {
    /** The task graph of `nx run classifier:publish`: docker-push depends on this smoke-test task. */
    const gateContext = (pushOverrides: Record<string, unknown> = {}, pushOptions: Record<string, unknown> = {}) => {
      const base = fakeExecutorContext(root, 'apps/classifier', 'smoke-test');
      const task = (target: string, overrides = {}) => ({
        id: `classifier:${target}`,
        target: { project: 'classifier', target },
        overrides,
      });
      base.projectsConfigurations.projects['classifier'].targets = {
        'smoke-test': { executor: 'nx-bentoml:smoke-test' },
        'docker-push': { executor: 'nx-bentoml:docker-push', options: { registry: '127.0.0.1:5000', ...pushOptions } },
      };
      base.taskGraph = {
        roots: ['classifier:smoke-test'],
        tasks: {
          'classifier:smoke-test': task('smoke-test', pushOverrides) as never,
          'classifier:docker-push': task('docker-push', { __overrides_unparsed__: [], ...pushOverrides }) as never,
        },
        // Nx 24's edges; Nx 23 lists plain ids.
        dependencies: { 'classifier:docker-push': [{ id: 'classifier:smoke-test' } as never], 'classifier:smoke-test': [] },
        continuousDependencies: {},
      };
      return base;
    };
    const noCredentials = () => ({ env: { DOCKER_CONFIG: join(root, 'no-docker-config') } });
    /** The registry the fake engine's pushes land in. */
    const registryOf = (docker: ReturnType<typeof fakeDocker>) =>
      fakeRegistry(docker.registry, { credentials: noCredentials(), calls: docker.calls }).client;
    const engineWithImage = (publishedPort: number, extra = {}) => {
      const docker = fakeDocker({}, { publishedPort, ...extra });
      docker.images.set('sha256:1', { id: 'sha256:1', labels: {}, repoTags: [], repoDigests: [], sizeBytes: 1, platform: 'linux/amd64' });
      return docker;
    };

    it('tests the image when the push would change a tag', async () => {
      server = await fakeService({ status: 200, body: ['setosa'] });
      const docker = engineWithImage(portOf(server));
      expect(await smokeTestExecutor(options(0), gateContext(), docker.client, registryOf(docker))).toEqual({ success: true });
      expect(docker.calls).toEqual(['run sha256:1 on 0', 'remove c1']);
      expect(logger.info).toHaveBeenCalledWith(
        'Testing the image before docker-push pushes it (the gate; --gate=false pushes without it).',
      );
    });

    it("starts no container when every tag of every registry, the command line's included, already holds the image", async () => {
      const docker = engineWithImage(1);
      docker.images.get('sha256:1')!.repoDigests.push('127.0.0.1:5000/classifier@sha256:aa');
      docker.registry.tags.set('127.0.0.1:5000/classifier:nx1', 'sha256:aa');
      expect(await smokeTestExecutor(options(0), gateContext(), docker.client, registryOf(docker))).toEqual({ success: true });
      expect(docker.calls).toEqual([]);
      expect(logger.info).toHaveBeenCalledWith(
        'Every tag already holds this image: docker-push has nothing to push, so the gate does not test it again.',
      );
      // A second registry given on the command line (forwarded from publish) lacks it: the gate tests.
      server = await fakeService({ status: 200, body: ['setosa'] });
      const secondRun = engineWithImage(portOf(server));
      secondRun.images.get('sha256:1')!.repoDigests.push('127.0.0.1:5000/classifier@sha256:aa');
      secondRun.registry.tags.set('127.0.0.1:5000/classifier:nx1', 'sha256:aa');
      const context = gateContext({ registries: ['127.0.0.1:5000', 'ghcr.io/org'] });
      expect(await smokeTestExecutor(options(0), context, secondRun.client, registryOf(secondRun))).toEqual({ success: true });
      expect(secondRun.calls).toEqual(['run sha256:1 on 0', 'remove c1']);
    });

    describe('an image containerize found in a registry', () => {
      const digest = `sha256:${'f'.repeat(64)}`;
      const inRegistryOnly = (publishedPort: number) => {
        writeRegistryImageHandoff(join(root, 'dist/apps/classifier/image'), digest, '127.0.0.1:5000', 1);
        const docker = fakeDocker({}, { publishedPort });
        docker.registry.tags.set('127.0.0.1:5000/classifier:nx1', digest);
        docker.registry.configs.set(digest, 'sha256:config');
        return docker;
      };

      it('pulls nothing and starts nothing when every tag holds it', async () => {
        const docker = inRegistryOnly(1);
        docker.registry.tags.set('127.0.0.1:5000/classifier:latest', digest);
        expect(await smokeTestExecutor(options(0), gateContext(), docker.client, registryOf(docker))).toEqual({ success: true });
        expect(docker.calls).toEqual([]);
      });

      it('does not test it again when the push only writes tags: the registry holding its build key is the gate record', async () => {
        const docker = inRegistryOnly(1);
        expect(await smokeTestExecutor(options(0), gateContext(), docker.client, registryOf(docker))).toEqual({ success: true });
        expect(docker.calls).toEqual([]);
        expect(logger.info).toHaveBeenCalledWith(
          "A registry already holds this image's build key, pushed after its gate passed: docker-push only writes tags, so the gate does not test it again.",
        );
      });

      it('pulls it by digest, not by tag, when it must be tested: a forced push, or smoke-test run on its own', async () => {
        server = await fakeService({ status: 200, body: ['setosa'] });
        const docker = inRegistryOnly(portOf(server));
        expect(await smokeTestExecutor(options(0), gateContext({ force: true }), docker.client, registryOf(docker))).toEqual({
          success: true,
        });
        expect(docker.calls).toEqual([`pull 127.0.0.1:5000/classifier@${digest}`, 'run sha256:config on 0', 'remove c1']);
        docker.calls.length = 0;
        expect(await smokeTestExecutor(options(0), context(), docker.client, registryOf(docker))).toEqual({ success: true });
        expect(docker.calls).toEqual(['run sha256:config on 0', 'remove c1']);
      });
    });

    describe('with a signing key: only a passed gate statement it signed is the record', () => {
      const digest = `sha256:${'f'.repeat(64)}`;
      const repository = '127.0.0.1:5000/classifier';
      let signer: Signer;
      beforeEach(() => {
        const { privatePath } = writeKeyPair(root);
        process.env['NX_BENTOML_SIGNING_KEY'] = privatePath;
        signer = keyFileSigner(privatePath);
      });
      afterEach(() => delete process.env['NX_BENTOML_SIGNING_KEY']);
      /** The image containerize found in the registry under nx1 (the push points latest at it), with the gate statement `record` attaches. */
      const published = async (publishedPort: number, record?: (registry: RegistryClient) => Promise<void>) => {
        writeRegistryImageHandoff(join(root, 'dist/apps/classifier/image'), digest, '127.0.0.1:5000', 1);
        const docker = fakeDocker({}, { publishedPort });
        docker.registry.tags.set(`${repository}:nx1`, digest);
        docker.registry.configs.set(digest, 'sha256:config');
        const registry = registryOf(docker);
        await record?.(registry);
        docker.calls.length = 0;
        return { docker, registry };
      };
      const key = () => signer.keyId.slice(0, 12);

      it('does not test an image the registry holds with a passed gate statement the key signed about its digest', async () => {
        const { docker, registry } = await published(1, (registry) => attachGateStatement(registry, { repository, digest }, signer));
        expect(await smokeTestExecutor(options(0), gateContext(), docker.client, registry)).toEqual({ success: true });
        expect(docker.calls).toEqual([]);
        expect(logger.info).toHaveBeenCalledWith(
          `A registry already holds this image's build key, with a passed gate statement signed by key ${key()}: docker-push only writes tags, so the gate does not test it again.`,
        );
      });

      const unrecorded: Array<[string, (registry: RegistryClient) => Promise<void>]> = [
        ['none', async () => undefined],
        [
          'one signed by another key',
          (registry) => attachGateStatement(registry, { repository, digest }, keyFileSigner(writeKeyPair(root, 'other').privatePath)),
        ],
        ['one that says failed', (registry) => attachGateStatement(registry, { repository, digest }, signer, { passed: false })],
        [
          'one about another digest',
          (registry) => attachGateStatement(registry, { repository, digest }, signer, { about: `sha256:${'e'.repeat(64)}` }),
        ],
      ];
      it.each(unrecorded)(
        'pulls it by digest and tests it when it carries %s, and writes the result docker-push signs',
        async (_case, record) => {
          server = await fakeService({ status: 200, body: ['setosa'] });
          const { docker, registry } = await published(portOf(server), record);
          expect(await smokeTestExecutor(options(0), gateContext(), docker.client, registry)).toEqual({ success: true });
          expect(docker.calls).toEqual([`pull ${repository}@${digest}`, 'run sha256:config on 0', 'remove c1']);
          expect(logger.info).toHaveBeenCalledWith(
            expect.stringMatching(
              new RegExp(
                `^Testing the image before docker-push, although a registry already holds it: 127\\.0\\.0\\.1:5000/classifier@sha256:ffffffffffff carries no gate statement signed by key ${key()}.*\\. docker-push then attaches the signed gate statement\\.$`,
              ),
            ),
          );
          const gate = JSON.parse(readFileSync(join(root, 'dist/apps/classifier/smoke-test/gate.json'), 'utf8'));
          expect(gate).toEqual(expect.objectContaining({ imageId: 'sha256:config', buildKey: 'key-1', passed: true }));
        },
      );

      it('tests an image every tag already holds when it carries no gate statement the key signed', async () => {
        server = await fakeService({ status: 200, body: ['setosa'] });
        const docker = engineWithImage(portOf(server));
        docker.images.get('sha256:1')!.repoDigests.push(`${repository}@sha256:aa`);
        docker.registry.tags.set(`${repository}:nx1`, 'sha256:aa');
        expect(await smokeTestExecutor(options(0), gateContext(), docker.client, registryOf(docker))).toEqual({ success: true });
        expect(docker.calls).toEqual(['run sha256:1 on 0', 'remove c1']);
        expect(logger.info).toHaveBeenCalledWith(
          `Testing the image before docker-push, although a registry already holds it: ${repository}@sha256:aa carries no gate statement signed by key ${key()}. docker-push then attaches the signed gate statement.`,
        );
      });

      it('reads the record of the source image for a registry the push copies it into, which gets its statements along', async () => {
        const { docker, registry } = await published(1, (registry) => attachGateStatement(registry, { repository, digest }, signer));
        const listed = jest.spyOn(registry, 'listReferrers');
        const context = gateContext({ registries: ['127.0.0.1:5000', 'ghcr.io/org'] });
        expect(await smokeTestExecutor(options(0), context, docker.client, registry)).toEqual({ success: true });
        expect(docker.calls).toEqual([]);
        expect(listed.mock.calls.map(([listedRepository, listedDigest]) => `${listedRepository}@${listedDigest}`)).toEqual([
          `${repository}@${digest}`,
        ]);
      });

      it('refuses a signing key it cannot read before it starts anything', async () => {
        process.env['NX_BENTOML_SIGNING_KEY'] = join(root, 'missing.pem');
        const { docker, registry } = await published(1);
        expect(await smokeTestExecutor(options(0), gateContext(), docker.client, registry)).toEqual({ success: false });
        expect(docker.calls).toEqual([]);
        expect(logger.error).toHaveBeenCalledWith(
          expect.stringMatching(/^NX_BENTOML_SIGNING_KEY names .*missing\.pem, which cannot be read/),
        );
      });
    });

    it('does not test an image whose build key the registry holds from another machine: the push only points tags at it', async () => {
      const docker = engineWithImage(1);
      docker.images.get('sha256:1')!.labels['dev.nx-bentoml.build-key'] = 'key-1';
      docker.registry.tags.set('127.0.0.1:5000/classifier:nx1', 'sha256:elsewhere');
      docker.registry.labels.set('sha256:elsewhere', { 'dev.nx-bentoml.build-key': 'key-1' });
      expect(await smokeTestExecutor(options(0), gateContext(), docker.client, registryOf(docker))).toEqual({ success: true });
      expect(docker.calls).toEqual([]);
    });

    it('tests even an image the registry holds when the push is forced', async () => {
      server = await fakeService({ status: 200, body: ['setosa'] });
      const docker = engineWithImage(portOf(server));
      docker.images.get('sha256:1')!.repoDigests.push('127.0.0.1:5000/classifier@sha256:aa');
      docker.registry.tags.set('127.0.0.1:5000/classifier:nx1', 'sha256:aa');
      expect(await smokeTestExecutor(options(0), gateContext({ force: true }), docker.client, registryOf(docker))).toEqual({
        success: true,
      });
      expect(docker.calls).toEqual(['run sha256:1 on 0', 'remove c1']);
    });

    it('says that nothing was pushed and what to do when the service fails', async () => {
      server = await fakeService({ status: 200, body: [] }, false);
      const docker = engineWithImage(portOf(server), { containerExitCode: 1 });
      expect(await smokeTestExecutor(options(0), gateContext(), docker.client, registryOf(docker))).toEqual({ success: false });
      expect(logger.error).toHaveBeenCalledWith(
        expect.stringMatching(
          /^The container exited with code 1 before the service was ready at .*\nThe gate before docker-push stopped the push: nothing was pushed and no tag moved\. Fix the service \(nx run classifier:serve runs it locally\), or pass --gate=false to push without the smoke test\.$/s,
        ),
      );
    });

    it('is turned off by gate: false, from the command line or the docker-push options', async () => {
      // Nx hands the push task's command line untyped: --gate=false arrives as the string "false".
      for (const context of [gateContext({ gate: 'false' }), gateContext({}, { gate: false })]) {
        const docker = engineWithImage(1);
        expect(await smokeTestExecutor(options(0), context, docker.client, registryOf(docker))).toEqual({ success: true });
        expect(docker.calls).toEqual([]);
      }
      expect(logger.info).toHaveBeenCalledWith('The gate is off (gate: false): docker-push pushes without a smoke test.');
    });

    it('runs in full when run on its own, even with a push configured', async () => {
      server = await fakeService({ status: 200, body: ['setosa'] });
      const docker = engineWithImage(portOf(server));
      const alone = gateContext();
      alone.taskGraph!.dependencies['classifier:docker-push'] = [];
      docker.images.get('sha256:1')!.repoDigests.push('127.0.0.1:5000/classifier@sha256:aa');
      docker.registry.tags.set('127.0.0.1:5000/classifier:nx1', 'sha256:aa');
      expect(await smokeTestExecutor(options(0), alone, docker.client, registryOf(docker))).toEqual({ success: true });
      expect(docker.calls).toEqual(['run sha256:1 on 0', 'remove c1']);
    });
  });
});
