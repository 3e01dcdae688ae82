#!/usr/bin/env node
// A self-hosted Nx remote cache on 127.0.0.1 for the fleet benchmarks, per Nx's remote cache
// OpenAPI specification (PUT and GET /v1/cache/{hash} with a Bearer token), entries in memory, as
// the e2e suite's support/nx-cache-server.ts. It runs as a process of its own: the benchmarks run
// Nx with spawnSync, which would block a server in their own event loop.
//
//   node bench/nx-cache-server.mjs <token>
// prints {"url": "http://127.0.0.1:<port>"} on its first line, then serves until killed.
// GET /stats (same token) answers {"stored": n, "served": n}: entries written, and hits served.

import { createServer } from 'node:http';

const token = process.argv[2];
if (!token) {
  console.error('Usage: node bench/nx-cache-server.mjs <token>');
  process.exit(2);
}
const entries = new Map();
const stats = { stored: 0, served: 0 };

const server = createServer(async (request, response) => {
  if (request.headers.authorization !== `Bearer ${token}`) return void response.writeHead(401).end();
  if (request.url === '/stats') return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
  const hash = /^\/v1\/cache\/([^/?]+)$/.exec(request.url ?? '')?.[1];
  if (!hash) return void response.writeHead(404).end();
  if (request.method === 'PUT') {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    // Nx's specification: an entry is never overwritten.
    if (entries.has(hash)) return void response.writeHead(409).end();
    entries.set(hash, Buffer.concat(chunks));
    stats.stored++;
    return void response.writeHead(200).end();
  }
  if (request.method === 'GET') {
    const entry = entries.get(hash);
    if (!entry) return void response.writeHead(404).end();
    stats.served++;
    return void response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': entry.length }).end(entry);
  }
  response.writeHead(405).end();
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })));
process.on('SIGTERM', () => process.exit(0));
