import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceStoppedError, waitUntilReady } from './service-checks';

describe('waitUntilReady', () => {
  let server: Server;
  let ready: boolean;
  const readyUrl = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
  beforeEach(async () => {
    ready = false;
    server = createServer((_request, response) => response.writeHead(ready ? 200 : 503).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(() => server.close());

  it('returns once the service answers 200', async () => {
    setTimeout(() => (ready = true), 100);
    await expect(waitUntilReady(readyUrl(), 5000, { intervalMs: 20, isAlive: async () => true })).resolves.toBeUndefined();
  });

  it('stops at once when the service is no longer alive', async () => {
    const started = Date.now();
    const isAlive = jest.fn().mockResolvedValueOnce(true).mockResolvedValueOnce(false);
    const waiting = waitUntilReady(readyUrl(), 30_000, { intervalMs: 20, isAlive });
    await expect(waiting).rejects.toThrow(ServiceStoppedError);
    await expect(waiting).rejects.toThrow(`The service stopped before it was ready at ${readyUrl()} (last: HTTP 503).`);
    expect(isAlive).toHaveBeenCalledTimes(2);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives up after the timeout with the last answer', async () => {
    await expect(waitUntilReady(readyUrl(), 200, { intervalMs: 20 })).rejects.toThrow(
      `The service was not ready at ${readyUrl()} after 0 s (last: HTTP 503)`,
    );
  });
});
