import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { layerMtime, writeLayerTar } from './layer-tar';

describe('writeLayerTar', () => {
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
  const entries = async (file: string) => {
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
    Readable.from([readFileSync(file)]).pipe(extract);
    await new Promise((resolve) => extract.on('finish', resolve));
    return found;
  };

  it('gives the same bytes for the same files, whatever their times on disk', async () => {
    model(join(root, 'a'), new Date('2024-05-01T10:00:00Z'));
    model(join(root, 'b'), new Date('2025-09-09T09:09:09Z'));
    await writeLayerTar(join(root, 'a'), 'home/bentoml/models/iris', parents, { uid: 1034, gid: 1034 }, join(root, 'a.tar'));
    await writeLayerTar(join(root, 'b'), 'home/bentoml/models/iris', parents, { uid: 1034, gid: 1034 }, join(root, 'b.tar'));
    const digest = (file: string) =>
      createHash('sha256')
        .update(readFileSync(join(root, file)))
        .digest('hex');
    expect(digest('a.tar')).toBe(digest('b.tar'));
  });

  it('holds the parents, then the files in name order, each with a fixed time and its owner', async () => {
    model(join(root, 'a'), new Date());
    await writeLayerTar(join(root, 'a'), 'home/bentoml/models/iris', parents, { uid: 1034, gid: 1034 }, join(root, 'a.tar'));
    const found = await entries(join(root, 'a.tar'));
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

  it('fails, without hanging, when the layer cannot be written (a full disk, a missing directory)', async () => {
    model(join(root, 'a'), new Date());
    await expect(
      writeLayerTar(join(root, 'a'), 'home/bentoml/models/iris', parents, { uid: 1034, gid: 1034 }, join(root, 'missing/dir/a.tar')),
    ).rejects.toThrow(/ENOENT/);
  });
});
