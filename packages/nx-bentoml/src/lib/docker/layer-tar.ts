import { createReadStream, createWriteStream, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';

/**
 * The metadata every entry of a layer gets, whatever the machine: with fixed times and owners, the
 * same files give the same bytes, so the same layer digest in every image that holds them.
 */
export interface LayerOwnership {
  uid: number;
  gid: number;
}

/** 2000-01-01T00:00:00Z: fixed, and late enough for tools that refuse times before 1980 (zip). */
export const layerMtime = new Date(946_684_800_000);

/**
 * Writes `sourceDir` as a tar whose entries sit under `imagePath` (e.g. home/bentoml/bento/models/iris),
 * preceded by entries for each of `parents` (home, home/bentoml, ... down to models; mode 755 and
 * their own owner), all with fixed times, the files with the given owner, in name order. Extracted by ADD at the
 * image's root, it is a layer of exactly these entries.
 */
export async function writeLayerTar(
  sourceDir: string,
  imagePath: string,
  parents: Array<{ path: string } & LayerOwnership>,
  ownership: LayerOwnership,
  outputFile: string,
): Promise<void> {
  const pack = tar.pack();
  const written = pipeline(pack, createWriteStream(outputFile));
  const header = (name: string, mode: number, type: 'file' | 'directory' | 'symlink', extra: Partial<tar.Headers> = {}) => ({
    name,
    mode: mode & 0o7777,
    type,
    uid: ownership.uid,
    gid: ownership.gid,
    uname: '',
    gname: '',
    mtime: layerMtime,
    ...extra,
  });
  const entry = (headers: tar.Headers, body?: string | Buffer) =>
    new Promise<void>((resolve, reject) => pack.entry(headers, body, (error) => (error ? reject(error) : resolve())));
  // Every directory above the files is in the layer anyway (the builder copies it up as it adds the
  // files, with its time of this build): given here, its time is fixed too.
  for (const parent of parents) await entry(header(`${parent.path}/`, 0o755, 'directory', { uid: parent.uid, gid: parent.gid }));
  const walk = async (dir: string, name: string) => {
    await entry(header(`${name}/`, lstatSync(dir).mode, 'directory'));
    for (const child of readdirSync(dir).sort()) {
      const path = join(dir, child);
      const childName = posix.join(name, child);
      const stat = lstatSync(path);
      if (stat.isDirectory()) {
        await walk(path, childName);
      } else if (stat.isSymbolicLink()) {
        await entry(header(childName, 0o777, 'symlink', { linkname: readlinkSync(path) }));
      } else if (stat.isFile()) {
        await new Promise<void>((resolve, reject) => {
          const sink = pack.entry(header(childName, stat.mode, 'file', { size: stat.size }), (error) =>
            error ? reject(error) : resolve(),
          );
          createReadStream(path).on('error', reject).pipe(sink);
        });
      }
    }
  };
  await walk(sourceDir, imagePath);
  pack.finalize();
  await written;
}
