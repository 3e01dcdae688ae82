import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { logger } from '@nx/devkit';
import { fakeDocker } from '../../testing/fake-docker';
import { fakeExecutorContext } from '../../testing/executor-context';
import smokeTestExecutor from './executor';

/** Stands in for the container: a loopback server answering like a BentoML service. */
function fakeService(answer: { status: number; body: unknown }, ready = true): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url === '/readyz') {
      response.writeHead(ready ? 200 : 503).end('\n');
      return;
    }
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('smoke-test executor', () => {
  let root: string;
  let server: Server | undefined;
  const options = (port: number, extra = {}) => ({ imagePath: 'dist/apps/classifier/image', sampleRequest: 'apps/classifier/smoke-test.json', port, ...extra });
  const context = () => fakeExecutorContext(root, 'apps/classifier', 'smoke-test');

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'smoke-'));
    mkdirSync(join(root, 'dist/apps/classifier/image'), { recursive: true });
    writeFileSync(join(root, 'dist/apps/classifier/image/image.json'), JSON.stringify({ imageId: 'sha256:1', imageName: 'classifier', tags: ['nx1'], bentoTag: 'classifier:nx1', built: true }));
    mkdirSync(join(root, 'apps/classifier'), { recursive: true });
    writeFileSync(join(root, 'apps/classifier/smoke-test.json'), JSON.stringify({ endpoint: '/predict', request: { input: [[5.1, 3.5, 1.4, 0.2]] }, expect: ['setosa'] }));
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    jest.spyOn(logger, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('checks the sample answer and removes the container', async () => {
    server = await fakeService({ status: 200, body: ['setosa'] });
    const port = (server.address() as AddressInfo).port;
    const docker = fakeDocker();
    expect(await smokeTestExecutor(options(port), context(), docker.client)).toEqual({ success: true });
    expect(docker.calls).toEqual([`run sha256:1 on ${port}`, 'remove c1']);
  });

  it('fails on a wrong answer, shows the container output and still removes the container', async () => {
    server = await fakeService({ status: 200, body: ['virginica'] });
    const docker = fakeDocker();
    expect(await smokeTestExecutor(options((server.address() as AddressInfo).port), context(), docker.client)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('POST /predict answered ["virginica"], expected ["setosa"].\nLast container output:\ncontainer log line'));
    expect(docker.calls).toContain('remove c1');
  });

  it('fails on a non-2xx answer', async () => {
    server = await fakeService({ status: 400, body: { error: 'validation' } });
    expect(await smokeTestExecutor(options((server.address() as AddressInfo).port), context(), fakeDocker().client)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('POST /predict answered HTTP 400'));
  });

  it('times out when the service never gets ready', async () => {
    server = await fakeService({ status: 200, body: [] }, false);
    const docker = fakeDocker();
    expect(await smokeTestExecutor(options((server.address() as AddressInfo).port, { readinessTimeoutSeconds: 1 }), context(), docker.client)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('was not ready at http://127.0.0.1:'));
    expect(docker.calls).toContain('remove c1');
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
});
