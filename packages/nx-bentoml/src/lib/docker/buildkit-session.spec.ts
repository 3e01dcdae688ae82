import { Client, type Server, ServerCredentials, credentials, status } from '@grpc/grpc-js';
import { buildkitSessionServer } from './buildkit-session';
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
