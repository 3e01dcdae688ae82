import { createReadStream, createWriteStream, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';

/**
 * The owner every entry of a layer gets, whatever the machine: with fixed times and owners, the
 * same files give the same bytes, so the same layer digest in every image that holds them.
 */
export interface LayerOwnership {
  uid: number;
  gid: number;
}

/** 2000-01-01T00:00:00Z: fixed, and late enough for tools that refuse times before 1980 (zip). */
export const layerMtime = new Date(946_684_800_000);

function header(
  name: string,
  mode: number,
  type: 'file' | 'directory' | 'symlink',
  owner: LayerOwnership,
  extra: Partial<tar.Headers> = {},
) {
  return { name, mode: mode & 0o7777, type, uid: owner.uid, gid: owner.gid, uname: '', gname: '', mtime: layerMtime, ...extra };
}

function entry(pack: tar.Pack, headers: tar.Headers, body?: string) {
  return new Promise<void>((resolve, reject) => pack.entry(headers, body, (error) => (error ? reject(error) : resolve())));
}

/**
 * Adds what is under `dir` to `pack` as `name/…` (at the archive's root when `name` is ''), in
 * name order, with the fixed time and the given owner; files are streamed, never read whole.
 */
export async function packDirectory(
  pack: tar.Pack,
  dir: string,
  name: string,
  owner: LayerOwnership,
  /** Receives each file's SHA-256, by its name in the archive, computed as it streams. */
  onFileDigest?: (name: string, sha256: string) => void,
): Promise<void> {
  for (const child of readdirSync(dir).sort()) {
    const path = join(dir, child);
    const childName = name ? posix.join(name, child) : child;
    const stat = lstatSync(path);
    if (stat.isDirectory()) {
      await entry(pack, header(`${childName}/`, stat.mode, 'directory', owner));
      await packDirectory(pack, path, childName, owner, onFileDigest);
    } else if (stat.isSymbolicLink()) {
      await entry(pack, header(childName, 0o777, 'symlink', owner, { linkname: readlinkSync(path) }));
    } else if (stat.isFile()) {
      const hash = onFileDigest && createHash('sha256');
      await new Promise<void>((resolve, reject) => {
        const sink = pack.entry(header(childName, stat.mode, 'file', owner, { size: stat.size }), (error) =>
          error ? reject(error) : resolve(),
        );
        const source = createReadStream(path).on('error', reject);
        if (hash) source.on('data', (chunk) => hash.update(chunk));
        source.pipe(sink);
      });
      if (hash) onFileDigest?.(childName, hash.digest('hex'));
    }
  }
}

/**
 * Writes `sourceDir` as a tar whose entries sit under `imagePath` (e.g. home/bentoml/bento/models/iris),
 * preceded by entries for each of `parents` (home, home/bentoml, ... down to models; mode 755 and
 * their own owner), all with fixed times, the files with the given owner, in name order.
 * Extracted by ADD at the image's root, it is a layer of exactly these entries. Answers each
 * file's SHA-256, by its path relative to `sourceDir`.
 */
export async function writeLayerTar(
  sourceDir: string,
  imagePath: string,
  parents: Array<{ path: string } & LayerOwnership>,
  ownership: LayerOwnership,
  outputFile: string,
): Promise<Array<[path: string, sha256: string]>> {
  /** Each file's SHA-256 by its path relative to `sourceDir`: read once, for the tar and its digest. */
  const digests: Array<[string, string]> = [];
  const pack = tar.pack();
  const output = createWriteStream(outputFile);
  // The file's own error (ENOSPC, ENOENT) says more than the pipeline's "premature close".
  let writeError: Error | undefined;
  output.on('error', (error) => (writeError ??= error));
  const written = pipeline(pack, output);
  // A failed write (a full disk) ends the packing at once; tar-stream would otherwise leave the current entry waiting.
  const failed = written.then(
    () => new Promise<never>(() => undefined),
    (error: Error) => Promise.reject(error),
  );
  const packing = (async () => {
    // Every directory above the files is in the layer anyway (the builder copies it up as it adds the
    // files, with its time of this build): given here, its time is fixed too.
    for (const parent of parents) await entry(pack, header(`${parent.path}/`, 0o755, 'directory', parent));
    await entry(pack, header(`${imagePath}/`, lstatSync(sourceDir).mode, 'directory', ownership));
    await packDirectory(pack, sourceDir, imagePath, ownership, (name, sha256) => digests.push([name.slice(imagePath.length + 1), sha256]));
    pack.finalize();
  })();
  try {
    await Promise.race([packing, failed]);
    await written;
    return digests;
  } catch (error) {
    pack.destroy(error as Error);
    await Promise.all([written.catch(() => undefined), packing.catch(() => undefined)]);
    throw writeError ?? error;
  }
}
