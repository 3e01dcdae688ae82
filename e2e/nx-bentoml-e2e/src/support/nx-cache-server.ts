import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface NxCacheServer {
  /** The environment that points Nx at this server (NX_SELF_HOSTED_REMOTE_CACHE_SERVER and its token). */
  env: Record<string, string>;
  /** Task hashes stored by PUT, and task hashes served by GET (hits only). */
  stored: string[];
  served: string[];
  close(): Promise<void>;
}

/**
 * A self-hosted Nx remote cache on 127.0.0.1, per Nx's remote cache OpenAPI specification:
 * PUT and GET /v1/cache/{hash} carry the task's output archive, with a Bearer token.
 * It keeps entries in memory, refuses to overwrite one (409), and answers 404 for a miss.
 */
export function startNxCacheServer(token: string): Promise<NxCacheServer> {
  const entries = new Map<string, Buffer>();
  const stored: string[] = [];
  const served: string[] = [];
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const hash = /^\/v1\/cache\/([^/?]+)$/.exec(request.url ?? '')?.[1];
    if (!hash) return void response.writeHead(404).end();
    if (request.headers.authorization !== `Bearer ${token}`) return void response.writeHead(401).end();
    if (request.method === 'PUT') {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      if (entries.has(hash)) return void response.writeHead(409).end();
      entries.set(hash, Buffer.concat(chunks));
      stored.push(hash);
      return void response.writeHead(200).end();
    }
    if (request.method === 'GET') {
      const entry = entries.get(hash);
      if (!entry) return void response.writeHead(404).end();
      served.push(hash);
      return void response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': entry.length }).end(entry);
    }
    response.writeHead(405).end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        env: {
          NX_SELF_HOSTED_REMOTE_CACHE_SERVER: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token,
        },
        stored,
        served,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Nx's client keeps connections alive; close() alone would wait for them.
            server.closeAllConnections();
          }),
      }),
    ),
  );
}
