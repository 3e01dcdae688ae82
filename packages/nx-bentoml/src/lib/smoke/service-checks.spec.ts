import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { useTempDir } from '../../testing/temp-dir';
import { ServiceStoppedError, checkSmokeRequests, waitUntilReady } from './service-checks';
import { readSmokeTestFile } from './smoke-test-file';

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

/** 1x1 PNG. */
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==', 'base64');

/**
 * A service on 127.0.0.1 that answers what it received: multipart parts with their file names
 * and types, raw bodies with their type and size, JSON as it came.
 */
async function echo(request: IncomingMessage, response: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const type = request.headers['content-type'] ?? '';
  const json = (status: number, value: unknown) =>
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  if (request.url === '/classify') {
    const form = await new Response(body, { headers: { 'content-type': type } }).formData();
    const parts = [...form.entries()].map(([name, value]) =>
      typeof value === 'string' ? { name, value } : { name, filename: value.name, type: value.type, size: value.size },
    );
    return json(200, { label: 'cat', score: 0.912, parts });
  }
  if (request.url === '/raw') return response.writeHead(200, { 'content-type': 'text/plain' }).end(`got ${body.length} bytes of ${type}`);
  if (request.url === '/image') return response.writeHead(200, { 'content-type': 'image/png' }).end(png);
  if (request.url === '/long') return json(200, { text: 'x'.repeat(2000) });
  if (request.url === '/slow') {
    const timer = setTimeout(() => json(200, {}), 3000);
    return response.on('close', () => clearTimeout(timer));
  }
  if (request.url === '/invalid') return json(422, { error: 'image is required' });
  return json(200, JSON.parse(body.toString() || 'null'));
}

describe('checkSmokeRequests', () => {
  const temp = useTempDir('smoke-requests-');
  let server: Server;
  let baseUrl: string;
  beforeEach(async () => {
    server = createServer((request, response) => void echo(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    server.closeAllConnections();
    server.close();
  });

  const check = async (json: unknown) => {
    temp.write('apps/x/smoke-test.json', JSON.stringify(json));
    temp.write('apps/x/samples/cat.png', png as unknown as string);
    const lines: string[] = [];
    const requests = readSmokeTestFile(join(temp.dir, 'apps/x/smoke-test.json'), 'apps/x/smoke-test.json');
    const result = await checkSmokeRequests(baseUrl, requests, 'apps/x/smoke-test.json', (line) => lines.push(line)).then(
      () => 'passed',
      (error: Error) => error.message,
    );
    return { result, lines };
  };

  it('posts JSON and compares the answer exactly, logging as before', async () => {
    expect(await check({ endpoint: '/predict', request: ['setosa'], expect: ['setosa'] })).toEqual({
      result: 'passed',
      lines: ['POST /predict answered ["setosa"], as expected.'],
    });
  });

  it('uploads files from paths beside smoke-test.json as multipart, mixed with fields', async () => {
    const { result, lines } = await check([
      {
        name: 'cat',
        endpoint: '/classify',
        multipart: { image: { file: 'samples/cat.png' }, threshold: 0.5, label: 'a cat' },
        expectSubset: {
          label: 'cat',
          score: 0.9,
          parts: [
            { name: 'image', filename: 'cat.png', type: 'image/png', size: png.length },
            { name: 'threshold', value: '0.5' },
            { name: 'label', value: 'a cat' },
          ],
        },
        tolerance: { absolute: 0.05 },
      },
    ]);
    expect(result).toBe('passed');
    expect(lines[0]).toMatch(/^Request 1\/1 "cat": POST \/classify answered \{"label":"cat","score":0.912,/);
  });

  it('sends raw bodies, a file or text, with their content type', async () => {
    const { result } = await check([
      { endpoint: '/raw', body: { file: 'samples/cat.png' }, expectText: `got ${png.length} bytes of image/png` },
      { endpoint: '/raw', body: { text: 'a,b\n1,2\n', contentType: 'text/csv' }, expectPattern: '^got 8 bytes of text/csv$' },
      { endpoint: '/raw', body: 'hi', expectText: 'text/plain; charset=utf-8' },
      // A plain-text answer and an expected string: compared as text, as before.
      { endpoint: '/raw', body: 'hi', expect: 'got 2 bytes of text/plain; charset=utf-8' },
    ]);
    expect(result).toBe('passed');
  });

  it('checks the status only, and any status it is told to expect', async () => {
    const { result, lines } = await check([
      { endpoint: '/image' },
      { endpoint: '/invalid', status: 422, expectSubset: { error: 'image is required' } },
    ]);
    expect(result).toBe('passed');
    expect(lines).toEqual([
      `Request 1/2: POST /image answered HTTP 200 (${png.length} bytes), as expected.`,
      'Request 2/2: POST /invalid answered {"error":"image is required"}, as expected.',
    ]);
  });

  it('runs every request and reports each failure with what was sent, expected and answered', async () => {
    const { result, lines } = await check({
      requests: [
        { endpoint: '/predict', json: [1], expect: [1] },
        { name: 'cat', endpoint: '/classify', multipart: { image: { file: 'samples/cat.png' }, k: 3 }, expectSubset: { label: 'dog' } },
        { endpoint: '/invalid', json: {} },
        { endpoint: '/raw', body: 'x', expect: {} },
      ],
    });
    expect(lines).toEqual(['Request 1/4: POST /predict answered [1], as expected.']);
    expect(result).toBe(
      [
        '3 of 4 requests in apps/x/smoke-test.json did not answer as expected.',
        'Request 2/4 "cat" (POST /classify) failed: at $.label: expected "dog", got "cat".',
        `  sent:     POST /classify, multipart/form-data image=@samples/cat.png (image/png, ${png.length} bytes), k="3"`,
        '  expected: HTTP 2xx, JSON containing {"label":"dog"}',
        `  answered: HTTP 200 (application/json) {"label":"cat","score":0.912,"parts":[{"name":"image","filename":"cat.png","type":"image/png","size":${png.length}},{"name":"k","value":"3"}]}`,
        'Request 3/4 (POST /invalid) failed: answered HTTP 422, expected HTTP 2xx.',
        '  sent:     POST /invalid, application/json {}',
        '  expected: HTTP 2xx',
        '  answered: HTTP 422 (application/json) {"error":"image is required"}',
        'Request 4/4 (POST /raw) failed: the answer is not JSON.',
        '  sent:     POST /raw, text/plain; charset=utf-8 "x"',
        '  expected: HTTP 2xx, exactly {}',
        '  answered: HTTP 200 (text/plain) got 1 bytes of text/plain; charset=utf-8',
      ].join('\n'),
    );
  });

  it('names a single unnamed request by its endpoint and cuts long bodies', async () => {
    const { result } = await check({ endpoint: '/long', request: { input: 'y'.repeat(1000) }, expect: { text: 'short' } });
    const message = result.split('\n');
    expect(message[0]).toBe(`POST /long failed: at $.text: expected "short", got "${'x'.repeat(199)}… (1802 more characters).`);
    expect(message[1]).toBe(`  sent:     POST /long, application/json {"input":"${'y'.repeat(290)}… (712 more characters)`);
    expect(message[3]).toMatch(/^ {2}answered: HTTP 200 \(application\/json\) \{"text":"x+… \(1511 more characters\)$/);
  });

  it('reports a request that gets no answer in time, or none at all', async () => {
    const { result } = await check([{ endpoint: '/slow', json: {}, timeoutSeconds: 0.2 }]);
    expect(result).toContain('POST /slow failed: no answer within 0.2 s (raise "timeoutSeconds" for a slow API).');
    expect(result).toContain('  answered: nothing');
    server.close();
    server.closeAllConnections();
    const refused = await check({ endpoint: '/predict', json: {} });
    expect(refused.result).toContain('POST /predict failed: no answer (ECONNREFUSED).');
  });
});
