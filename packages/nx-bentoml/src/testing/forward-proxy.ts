import { type Server, createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A forward proxy on 127.0.0.1 for plain http:// targets (absolute-form requests, as curl and
 * undici send them), recording each request's URL and Proxy-Authorization. `refuse` answers every
 * request with that status instead (407 with a Basic challenge), as a proxy that wants other credentials.
 */
export async function startForwardProxy(options: { refuse?: number } = {}) {
  const requests: Array<{ url: string; proxyAuthorization?: string }> = [];
  const server: Server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', proxyAuthorization: request.headers['proxy-authorization'] });
    if (options.refuse) {
      return void response.writeHead(options.refuse, { 'proxy-authenticate': 'Basic realm="proxy"' }).end();
    }
    const { 'proxy-authorization': _, 'proxy-connection': __, ...headers } = request.headers;
    const upstream = forward(request.url ?? '', { method: request.method, headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => response.writeHead(502).end());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
