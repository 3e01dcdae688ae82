import { createReadStream, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { layerMtime } from './layer-tar';

/**
 * A directory as the tar stream the Engine's build API takes for its context: entries in name
 * order, each with a fixed time and root as owner, so that the same files give the same COPY
 * layers. Files are streamed, never read whole.
 */
export function contextArchive(dir: string): Readable {
  const pack = tar.pack();
  const entry = (headers: tar.Headers, body?: string) =>
    new Promise<void>((resolve, reject) => pack.entry(headers, body, (error) => (error ? reject(error) : resolve())));
  const header = (name: string, mode: number, type: 'file' | 'directory' | 'symlink', extra: Partial<tar.Headers> = {}): tar.Headers => ({
    name,
    mode: mode & 0o7777,
    type,
    uid: 0,
    gid: 0,
    mtime: layerMtime,
    ...extra,
  });
  const walk = async (path: string, name: string) => {
    for (const child of readdirSync(path).sort()) {
      const childPath = join(path, child);
      const childName = name ? posix.join(name, child) : child;
      const stat = lstatSync(childPath);
      if (stat.isDirectory()) {
        await entry(header(`${childName}/`, stat.mode, 'directory'));
        await walk(childPath, childName);
      } else if (stat.isSymbolicLink()) {
        await entry(header(childName, 0o777, 'symlink', { linkname: readlinkSync(childPath) }));
      } else if (stat.isFile()) {
        await new Promise<void>((resolve, reject) => {
          const sink = pack.entry(header(childName, stat.mode, 'file', { size: stat.size }), (error) =>
            error ? reject(error) : resolve(),
          );
          createReadStream(childPath).on('error', reject).pipe(sink);
        });
      }
    }
  };
  walk(dir, '').then(
    () => pack.finalize(),
    (error: Error) => pack.destroy(error),
  );
  return pack;
}
