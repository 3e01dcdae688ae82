import { thisMachine } from './engine-address';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { UserError } from '../errors';
import { useTempDir } from '../../testing/temp-dir';
import { createDockerClient } from './client';

/** What an engine's POST /build received: each entry of the context, with a file's bytes. */
type Received = Array<{ name: string; type: string; body?: string }>;

function readContext(request: IncomingMessage): Promise<Received> {
  return new Promise((resolve, reject) => {
    const received: Received = [];
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          name: header.name,
          type: header.type!,
          ...(header.type === 'file' ? { body: Buffer.concat(chunks).toString() } : {}),
        });
        next();
      });
    });
    extract.on('finish', () => resolve(received));
    extract.on('error', reject);
    request.on('aborted', () => reject(new Error('upload aborted')));
    request.on('error', reject);
    request.pipe(extract);
  });
}

/**
 * An engine on 127.0.0.1 that reads the whole context, as the classic builder does, and answers
 * an image id; `answerFirst` sends the response's head before reading, as BuildKit's progress does.
 */
async function fakeEngine(answerFirst: boolean) {
  const uploads: Array<Received | Error> = [];
  const server: Server = createServer((request, response) => {
    if (answerFirst) response.writeHead(200, { 'Content-Type': 'application/json' });
    readContext(request).then(
      (received) => {
        uploads.push(received);
        if (!answerFirst) response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(`${JSON.stringify({ stream: 'Step 1/1 : FROM base\n' })}\n${JSON.stringify({ aux: { ID: 'sha256:feed' } })}\n`);
      },
      (error: Error) => {
        uploads.push(error);
        response.destroy();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = createDockerClient({
    description: 'test engine',
    host: thisMachine,
    connection: { host: '127.0.0.1', port, protocol: 'http' },
  });
  return { client, uploads, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('DockerClient.buildImage: the context and its generated files, in one upload', () => {
  const temp = useTempDir('nx-bentoml-build-');
  const options = { dockerfile: 'Dockerfile', tags: ['classifier:1'], labels: {}, builder: 'classic' as const };

  it.each([false, true])(
    'sends the directory, then each generated file under its directory, whole (response head first: %s)',
    async (answerFirst) => {
      temp.write('Dockerfile', 'FROM base\nADD layers/01-iris.tar /\n');
      temp.write('bento/serve.py', 'code');
      const engine = await fakeEngine(answerFirst);
      try {
        const layer = 'layer bytes';
        const imageId = await engine.client.buildImage(
          {
            dir: temp.dir,
            generated: [{ name: 'layers/01-iris.tar', sizeBytes: layer.length, open: () => Readable.from([Buffer.from(layer)]) }],
          },
          options,
          () => undefined,
        );
        expect(imageId).toBe('sha256:feed');
        expect(engine.uploads).toEqual([
          [
            { name: 'Dockerfile', type: 'file', body: 'FROM base\nADD layers/01-iris.tar /\n' },
            { name: 'bento/', type: 'directory' },
            { name: 'bento/serve.py', type: 'file', body: 'code' },
            { name: 'layers/', type: 'directory' },
            { name: 'layers/01-iris.tar', type: 'file', body: layer },
          ],
        ]);
      } finally {
        await engine.close();
      }
    },
  );

  it.each([false, true])(
    "fails with the generated file's own error, and the engine never gets a whole context (response head first: %s)",
    async (answerFirst) => {
      temp.write('Dockerfile', 'FROM base\n');
      const engine = await fakeEngine(answerFirst);
      try {
        const failing = async function* () {
          yield Buffer.alloc(64 * 1024);
          throw new UserError('The model changed since it was packed.');
        };
        const build = engine.client.buildImage(
          { dir: temp.dir, generated: [{ name: 'layers/01-iris.tar', sizeBytes: 1024 * 1024, open: () => Readable.from(failing()) }] },
          options,
          () => undefined,
        );
        await expect(build).rejects.toThrow(new UserError('The model changed since it was packed.'));
        // The engine saw the upload end short: no whole context, so nothing it could build.
        for (let wait = 0; wait < 50 && engine.uploads.length === 0; wait++) await new Promise((resolve) => setTimeout(resolve, 10));
        expect(engine.uploads).toHaveLength(1);
        expect(engine.uploads[0]).toBeInstanceOf(Error);
      } finally {
        await engine.close();
      }
    },
  );
});
