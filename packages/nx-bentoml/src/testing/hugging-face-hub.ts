import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';

/** A request the stand-in hub received: its path and the Authorization header it carried. */
export interface HubRequest {
  path: string;
  authorization?: string;
}

/**
 * A stand-in Hugging Face hub on 127.0.0.1 answering what the plugin asks it: GET
 * /api/models/{org}/{name}/revision/{revision} → {"id", "sha"}, as the hub does, with the hub's
 * refusals: 401 for a repository it does not show (unknown, or private without the token it
 * wants), 404 RevisionNotFound. `answer` overrides every answer (a failing hub); `hang` never answers.
 */
export function useStandInHub({ token }: { token?: string } = {}) {
  const commits = new Map<string, string>();
  const requests: HubRequest[] = [];
  let server: Server;
  let endpoint = '';
  const state: { answer?: { status: number; errorCode?: string }; hang: boolean } = { hang: false };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    requests.push({ path: request.url ?? '', authorization: request.headers.authorization });
    if (state.hang) return;
    const refuse = (status: number, errorCode: string) => {
      response.writeHead(status, { 'content-type': 'application/json', 'x-error-code': errorCode });
      response.end(JSON.stringify({ error: errorCode }));
    };
    if (state.answer) return refuse(state.answer.status, state.answer.errorCode ?? '');
    const match = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/?]+)$/.exec(request.url ?? '');
    if (!match) return refuse(404, 'EntryNotFound');
    const [, repository, revision] = match;
    const known = [...commits.keys()].some((key) => key.startsWith(`${repository}@`));
    if (!known || (token && request.headers.authorization !== `Bearer ${token}`)) return refuse(401, 'RepoNotFound');
    const sha = commits.get(`${repository}@${decodeURIComponent(revision)}`);
    if (!sha) return refuse(404, 'RevisionNotFound');
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ id: repository, sha }));
  };

  beforeEach(async () => {
    commits.clear();
    requests.length = 0;
    state.answer = undefined;
    state.hang = false;
    server = createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  return {
    get endpoint() {
      return endpoint;
    },
    requests,
    /** Points `revision` of `repository` at `sha`: a new commit on a branch. */
    commit(repository: string, revision: string, sha: string) {
      commits.set(`${repository}@${revision}`, sha);
    },
    /** Every request is answered with this status (and X-Error-Code). */
    answerEverything(status: number, errorCode?: string) {
      state.answer = { status, errorCode };
    },
    /** Requests are accepted and never answered. */
    hang() {
      state.hang = true;
    },
  };
}

/** An endpoint nobody listens at: a port that was free a moment ago. */
export async function closedEndpoint(): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    const probe = createTcpServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  return `http://127.0.0.1:${port}`;
}
