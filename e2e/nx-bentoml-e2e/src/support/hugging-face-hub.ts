import { createHash } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInHub {
  /** Its address, for HF_ENDPOINT. */
  endpoint: string;
  /** Each request as "METHOD path", in order. */
  requests: string[];
  /** Commits the files as a new commit of the model and moves `main` to it; returns the commit's sha. */
  commit(files: Record<string, string>): string;
  close(): Promise<void>;
}

/**
 * A stand-in Hugging Face hub on 127.0.0.1 holding one model, serving what BentoML and
 * huggingface_hub ask of the real one to resolve a revision and download a snapshot:
 *   GET  /api/models/{repo}/revision/{revision}   {"id", "sha", "siblings"}: HfApi.model_info / repo_info
 *   GET  /api/models/{repo}/tree/{commit}         the files, for snapshot_download's listing
 *   HEAD /{repo}/resolve/{commit}/{file}          X-Repo-Commit, ETag and size, for hf_hub_download
 *   GET  /{repo}/resolve/{commit}/{file}          the file
 * Every request must carry the token as a bearer (a private model); others get 401.
 */
export function startStandInHub(repository: string, token: string): Promise<StandInHub> {
  const commits = new Map<string, Map<string, { oid: string; content: Buffer }>>();
  let main = '';
  const requests: string[] = [];

  const json = (response: ServerResponse, body: unknown) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://hub');
    requests.push(`${request.method} ${url.pathname}`);
    if (request.headers.authorization !== `Bearer ${token}`) {
      return void response.writeHead(401, { 'x-error-code': 'RepoNotFound' }).end('{"error":"Repository not found"}');
    }
    const files = (revision: string) => commits.get(revision === 'main' ? main : revision);
    const api = new RegExp(`^/api/models/${repository}/(revision|tree)/([^/]+)$`).exec(url.pathname);
    if (api) {
      const sha = api[2] === 'main' ? main : api[2];
      const found = files(sha);
      if (!found) return void response.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end('{"error":"Revision not found"}');
      if (api[1] === 'revision')
        return json(response, { id: repository, sha, siblings: [...found.keys()].map((rfilename) => ({ rfilename })) });
      return json(
        response,
        [...found].map(([path, { oid, content }]) => ({ type: 'file', oid, size: content.length, path })),
      );
    }
    const resolve = new RegExp(`^/${repository}/resolve/([^/]+)/(.+)$`).exec(url.pathname);
    const file = resolve && files(resolve[1])?.get(decodeURIComponent(resolve[2]));
    if (!resolve || !file) return void response.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end();
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': file.content.length,
      etag: `"${file.oid}"`,
      'x-repo-commit': resolve[1] === 'main' ? main : resolve[1],
    });
    response.end(request.method === 'HEAD' ? undefined : file.content);
  };

  const server = createServer(handle);
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requests,
        commit(files) {
          // Git's own ids: a blob's sha1 of "blob <size>\0<content>", a commit's of its parent and files.
          const entries = new Map(
            Object.entries(files).map(([path, text]) => {
              const content = Buffer.from(text);
              const oid = createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
              return [path, { oid, content }];
            }),
          );
          const tree = [...entries].map(([path, { oid }]) => `${path} ${oid}`).join('\n');
          main = createHash('sha1').update(`parent ${main}\n${tree}`).digest('hex');
          commits.set(main, entries);
          return main;
        },
        close: () =>
          new Promise<void>((closed) => {
            server.close(() => closed());
            server.closeAllConnections();
          }),
      }),
    ),
  );
}
