import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { connect as connectHttp2 } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { Client, type Server, ServerCredentials, credentials, status } from '@grpc/grpc-js';
import Docker from 'dockerode';
import { loopbackTls } from '../../testing/loopback-tls';
import { buildkitSessionServer, openBuildkitSession } from './buildkit-session';
import { protobufBytesField, protobufFields } from './protobuf';

/** The session's gRPC services, called as the engine calls them: by a gRPC client, over HTTP/2. */
describe('buildkitSessionServer', () => {
  let server: Server;
  let client: Client;

  beforeAll(async () => {
    server = buildkitSessionServer(new Map([['PIP_TOKEN', Buffer.from('tok-123')]]));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  const call = (path: string, request: Buffer) =>
    new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest(
        path,
        (message: Buffer) => message,
        (bytes: Buffer) => bytes,
        request,
        (error, response) => (error ? reject(error) : resolve(response as Buffer)),
      ),
    );

  it('answers the health check as serving, which keeps the engine from closing the session', async () => {
    const response = await call('/grpc.health.v1.Health/Check', Buffer.alloc(0));
    expect([...protobufFields(response)]).toEqual([{ number: 1, varint: 1 }]);
  });

  it("hands a secret's bytes to the build that asks for it by id", async () => {
    const response = await call('/moby.buildkit.secrets.v1.Secrets/GetSecret', protobufBytesField(1, 'PIP_TOKEN'));
    expect([...protobufFields(response)].map((field) => [field.number, field.bytes?.toString()])).toEqual([[1, 'tok-123']]);
  });

  it('answers NOT_FOUND for a secret it was not given, as BuildKit expects of an absent one', async () => {
    await expect(call('/moby.buildkit.secrets.v1.Secrets/GetSecret', protobufBytesField(1, 'OTHER'))).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
  });

  it('answers registry credentials empty (anonymous) and other services as unimplemented', async () => {
    expect(await call('/moby.filesync.v1.Auth/Credentials', protobufBytesField(1, 'registry.example'))).toEqual(Buffer.alloc(0));
    await expect(call('/moby.filesync.v1.FileSync/DiffCopy', Buffer.alloc(0))).rejects.toMatchObject({ code: status.UNIMPLEMENTED });
  });
});

/**
 * The engine's side of POST /session: it upgrades the connection and, as a gRPC client over h2c
 * inside it, asks the client's session for a secret. Plain HTTP (a unix socket or tcp:// without
 * TLS) and TLS (tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH) carry the same session.
 */
function fakeSessionEngine(tls: boolean) {
  const requests: IncomingMessage[] = [];
  const answers: Array<Promise<{ grpcStatus: string; message: Buffer }>> = [];
  const server = tls ? createHttpsServer({ key: loopbackTls.key, cert: loopbackTls.cert }) : createHttpServer();
  server.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
    requests.push(request);
    socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n');
    // Node's HTTP/2 client is handed the plain stream: over a server-side TLSSocket it trips an assertion of its own.
    const session = connectHttp2('http://session', { createConnection: () => Duplex.from({ readable: socket, writable: socket }) });
    session.on('error', () => undefined);
    answers.push(
      new Promise((resolve, reject) => {
        const call = session.request({
          ':method': 'POST',
          ':path': '/moby.buildkit.secrets.v1.Secrets/GetSecret',
          'content-type': 'application/grpc',
          te: 'trailers',
        });
        const chunks: Buffer[] = [];
        call.on('data', (chunk: Buffer) => chunks.push(chunk));
        call.on('trailers', (trailers) =>
          resolve({ grpcStatus: String(trailers['grpc-status']), message: Buffer.concat(chunks).subarray(5) }),
        );
        call.on('error', reject);
        call.on('close', () => reject(new Error(`the session closed without an answer (${Buffer.concat(chunks).toString()})`)));
        const request = protobufBytesField(1, 'PIP_TOKEN');
        const frame = Buffer.alloc(5);
        frame.writeUInt32BE(request.length, 1);
        call.end(Buffer.concat([frame, request]));
      }),
    );
  });
  return {
    requests,
    answers,
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
    close: () => server.close(),
  };
}

describe('openBuildkitSession', () => {
  it.each([
    ['plain HTTP', false],
    ['TLS', true],
  ])('hands the engine its secrets over %s', async (_carrier, tls) => {
    const engine = fakeSessionEngine(tls);
    const port = await engine.listen();
    const docker = new Docker({ protocol: tls ? 'https' : 'http', host: '127.0.0.1', port, ...(tls ? { ca: loopbackTls.cert } : {}) });
    const session = await openBuildkitSession(docker, new Map([['PIP_TOKEN', Buffer.from('tok-123')]]));
    try {
      expect(engine.requests.map((request) => [request.method, request.url, request.headers['x-docker-expose-session-uuid']])).toEqual([
        ['POST', '/session', session.id],
      ]);
      const answer = await engine.answers[0];
      expect(answer.grpcStatus).toBe('0');
      expect([...protobufFields(answer.message)].map((field) => field.bytes?.toString())).toEqual(['tok-123']);
    } finally {
      session.close();
      engine.close();
    }
  });
});
