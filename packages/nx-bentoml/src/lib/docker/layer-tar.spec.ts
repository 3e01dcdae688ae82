import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { type LayerOwnership, layerMtime, layerTar } from './layer-tar';

const user = { uid: 1034, gid: 1034 };

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The layer of `sourceDir` at home/bentoml/models/iris, as its bytes; fails when its length is not the one announced. */
async function layerBytes(
  sourceDir: string,
  parents: Array<{ path: string } & LayerOwnership>,
  verify?: (files: Array<[string, string]>) => void,
) {
  const tar = layerTar({ sourceDir, imagePath: 'home/bentoml/models/iris', parents, ownership: user });
  const bytes = await bytesOf(tar.stream(verify));
  expect(bytes.length).toBe(tar.sizeBytes);
  return bytes;
}

describe('layerTar', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'layer-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const model = (dir: string, mtime: Date) => {
    mkdirSync(join(dir, 'v1'), { recursive: true });
    writeFileSync(join(dir, 'v1', 'weights.bin'), 'weights');
    writeFileSync(join(dir, 'latest'), 'v1');
    symlinkSync('v1', join(dir, 'current'));
    for (const path of ['v1/weights.bin', 'latest', 'v1', '.']) utimesSync(join(dir, path), mtime, mtime);
  };
  const parents = [
    { path: 'home', uid: 0, gid: 0 },
    { path: 'home/bentoml', uid: 1034, gid: 1034 },
  ];
  const entries = async (bytes: Buffer) => {
    const found: Array<Pick<tar.Headers, 'name' | 'type' | 'uid' | 'gid' | 'mode' | 'mtime' | 'linkname'>> = [];
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      found.push({
        name: header.name,
        type: header.type,
        uid: header.uid,
        gid: header.gid,
        mode: header.mode,
        mtime: header.mtime,
        linkname: header.linkname,
      });
      stream.resume();
      stream.on('end', next);
    });
    Readable.from([bytes]).pipe(extract);
    await new Promise((resolve) => extract.on('finish', resolve));
    return found;
  };

  it('gives the same bytes for the same files, whatever their times on disk', async () => {
    model(join(root, 'a'), new Date('2024-05-01T10:00:00Z'));
    model(join(root, 'b'), new Date('2025-09-09T09:09:09Z'));
    const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    expect(digest(await layerBytes(join(root, 'a'), parents))).toBe(digest(await layerBytes(join(root, 'b'), parents)));
  });

  it('holds the parents, then the files in name order, each with a fixed time and its owner', async () => {
    model(join(root, 'a'), new Date());
    const found = await entries(await layerBytes(join(root, 'a'), parents));
    expect(found.map((entry) => [entry.name, entry.type, entry.uid])).toEqual([
      ['home/', 'directory', 0],
      ['home/bentoml/', 'directory', 1034],
      ['home/bentoml/models/iris/', 'directory', 1034],
      ['home/bentoml/models/iris/current', 'symlink', 1034],
      ['home/bentoml/models/iris/latest', 'file', 1034],
      ['home/bentoml/models/iris/v1/', 'directory', 1034],
      ['home/bentoml/models/iris/v1/weights.bin', 'file', 1034],
    ]);
    expect(new Set(found.map((entry) => entry.mtime?.getTime()))).toEqual(new Set([layerMtime.getTime()]));
    expect(found.find((entry) => entry.type === 'symlink')?.linkname).toBe('v1');
  });

  it("hands each file's SHA-256 to verify before the end, and a verify that throws fails the stream", async () => {
    model(join(root, 'a'), new Date());
    let seen: Array<[string, string]> = [];
    await layerBytes(join(root, 'a'), parents, (files) => (seen = files));
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(seen).toEqual([
      ['latest', sha('v1')],
      ['v1/weights.bin', sha('weights')],
    ]);
    const tar = layerTar({ sourceDir: join(root, 'a'), imagePath: 'home/bentoml/models/iris', parents, ownership: user });
    const refused = bytesOf(
      tar.stream(() => {
        throw new Error('not the packed model');
      }),
    );
    await expect(refused).rejects.toThrow('not the packed model');
  });

  it('fails, without hanging, when a file changed since the layer was listed', async () => {
    model(join(root, 'a'), new Date());
    const tar = layerTar({ sourceDir: join(root, 'a'), imagePath: 'home/bentoml/models/iris', parents, ownership: user });
    writeFileSync(join(root, 'a', 'v1', 'weights.bin'), 'weights, retrained');
    await expect(bytesOf(tar.stream())).rejects.toThrow(
      /^home\/bentoml\/models\/iris\/v1\/weights\.bin changed while it was read for the image \(7 bytes when listed, more when read\)/,
    );
  });
});
