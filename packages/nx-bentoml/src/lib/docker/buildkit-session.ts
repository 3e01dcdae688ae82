import { randomUUID } from 'node:crypto';
import { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { type MethodDefinition, Server, ServerCredentials, type handleUnaryCall, status } from '@grpc/grpc-js';
import type Docker from 'dockerode';
import { protobufBytesField, protobufFields, protobufVarintField } from './protobuf';

/**
 * A BuildKit session: what the docker CLI opens beside each BuildKit build so that the engine can
 * ask the client for what is not in the build context. The client POSTs /session, the engine
 * upgrades the connection to h2c and, as a gRPC client, calls the services the client exposed.
 * Here: the health check (the engine ends a session that does not answer it), build secrets
 * (`RUN --mount=type=secret,id=NAME`), and registry credentials, answered empty as dockerode's
 * own session does (base images are pulled as the engine pulls them).
 */
export interface BuildkitSession {
  id: string;
  close(): void;
}

const services = {
  health: { Check: unary('/grpc.health.v1.Health/Check') },
  secrets: { GetSecret: unary('/moby.buildkit.secrets.v1.Secrets/GetSecret') },
  auth: { Credentials: unary('/moby.filesync.v1.Auth/Credentials') },
};

/** The gRPC server behind a session, bound to no port: the engine's connection is injected into it. */
export function buildkitSessionServer(secrets: ReadonlyMap<string, Buffer>): Server {
  const server = new Server();
  // HealthCheckResponse { status = SERVING (1) }
  server.addService(services.health, { Check: answer(() => protobufVarintField(1, 1)) });
  server.addService(services.secrets, {
    GetSecret: answer((request) => {
      // GetSecretRequest { string ID = 1; } → GetSecretResponse { bytes data = 1; }
      const id = [...protobufFields(request)].find((field) => field.number === 1)?.bytes?.toString('utf8') ?? '';
      const value = secrets.get(id);
      // NOT_FOUND is how BuildKit learns a secret is absent: an optional mount is then skipped.
      if (value === undefined) return { code: status.NOT_FOUND, details: `no secret ${id}` };
      return protobufBytesField(1, value);
    }),
  });
  // CredentialsResponse with no username or secret: anonymous.
  server.addService(services.auth, { Credentials: answer(() => Buffer.alloc(0)) });
  return server;
}

/** Opens a session on the engine; the build names it with the `session` query parameter. */
export async function openBuildkitSession(docker: Docker, secrets: ReadonlyMap<string, Buffer>): Promise<BuildkitSession> {
  const id = randomUUID();
  const socket = await new Promise<Duplex>((resolve, reject) =>
    docker.modem.dial(
      {
        method: 'POST',
        path: '/session',
        hijack: true,
        headers: {
          Upgrade: 'h2c',
          'X-Docker-Expose-Session-Uuid': id,
          'X-Docker-Expose-Session-Name': 'nx-bentoml',
          'X-Docker-Expose-Session-Sharedkey': '',
          'X-Docker-Expose-Session-Grpc-Method': Object.values(services).flatMap((service) =>
            Object.values(service).map((method) => method.path),
          ),
        },
        statusCodes: { 101: true, 200: true, 400: 'bad request', 404: 'no such endpoint', 500: 'server error' },
      },
      (error, socket) => (error ? reject(error) : resolve(socket as Duplex)),
    ),
  );
  const server = buildkitSessionServer(secrets);
  server.createConnectionInjector(ServerCredentials.createInsecure()).injectConnection(cleartext(socket));
  return {
    id,
    close: () => {
      server.forceShutdown();
      socket.destroy();
    },
  };
}

/**
 * The engine speaks h2c inside the connection, whatever carries it. Over TLS (tcp:// with
 * certificates) the upgraded connection is a TLSSocket that negotiated no ALPN protocol, which
 * Node's HTTP/2 server takes for an HTTP/1.1 client and answers 403: it gets the TLS stream's
 * cleartext as a plain duplex instead. A unix socket or an ssh channel is handed over as it is.
 */
function cleartext(socket: Duplex): Duplex {
  return socket instanceof TLSSocket ? Duplex.from({ readable: socket, writable: socket }) : socket;
}

/** A unary method whose messages stay bytes: each is encoded and decoded by its handler. */
function unary(path: string): MethodDefinition<Buffer, Buffer> {
  const bytes = (buffer: Buffer) => buffer;
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: bytes,
    requestDeserialize: bytes,
    responseSerialize: bytes,
    responseDeserialize: bytes,
  };
}

function answer(handle: (request: Buffer) => Buffer | { code: status; details: string }): handleUnaryCall<Buffer, Buffer> {
  return (call, callback) => {
    const result = handle(call.request);
    if (Buffer.isBuffer(result)) callback(null, result);
    else callback(result);
  };
}
