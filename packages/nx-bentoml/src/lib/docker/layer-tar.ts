import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { UserError } from '../errors';
import { type TarEntry, tarEnd, tarEntryLength, tarHeader, tarPadding } from './tar-entries';

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

/** An entry of an archive, and where its body comes from: a file, or a stream made when it is written. */
export interface PlannedEntry {
  entry: TarEntry;
  source?: string | (() => AsyncIterable<Buffer>);
}

/** Files are read in large chunks: a model is hundreds of MiB to many GiB. */
const readChunkBytes = 1 << 20;

/** An entry with the fixed time and the given owner. */
export function entryOf(
  name: string,
  mode: number,
  type: TarEntry['type'],
  owner: LayerOwnership,
  extra: Partial<TarEntry> = {},
): TarEntry {
  return { name, mode: mode & 0o7777, type, uid: owner.uid, gid: owner.gid, mtime: layerMtime, ...extra };
}

/**
 * The entries for what is under `dir`, as `name/…` (at the archive's root when `name` is ''), in
 * name order, with the fixed time and the given owner. Only metadata is read here.
 */
export function directoryEntries(dir: string, name: string, owner: LayerOwnership): PlannedEntry[] {
  return readdirSync(dir)
    .sort()
    .flatMap((child): PlannedEntry[] => {
      const path = join(dir, child);
      const childName = name ? posix.join(name, child) : child;
      const stat = lstatSync(path);
      if (stat.isDirectory()) {
        return [{ entry: entryOf(`${childName}/`, stat.mode, 'directory', owner) }, ...directoryEntries(path, childName, owner)];
      }
      if (stat.isSymbolicLink()) return [{ entry: entryOf(childName, 0o777, 'symlink', owner, { linkname: readlinkSync(path) }) }];
      if (stat.isFile()) return [{ entry: entryOf(childName, stat.mode, 'file', owner, { size: stat.size }), source: path }];
      return [];
    });
}

/** The exact length of an archive of these entries. */
export function archiveLength(entries: PlannedEntry[]): number {
  return entries.reduce((total, { entry }) => total + tarEntryLength(entry), tarEnd.length);
}

/**
 * The archive's bytes: each header, then the file's bytes as they are read (never whole),
 * handed to `onFile` with the file's SHA-256 once read. A file whose length changed since it was
 * listed fails the stream, as does `beforeEnd` throwing (the end blocks are not written then).
 */
export async function* archiveBytes(
  entries: PlannedEntry[],
  hooks: { onFile?: (name: string, sha256: string) => void; beforeEnd?: () => void } = {},
): AsyncGenerator<Buffer> {
  for (const { entry, source } of entries) {
    yield tarHeader(entry);
    if (!source) continue;
    const hash = hooks.onFile && createHash('sha256');
    let read = 0;
    const body =
      typeof source === 'string' ? (createReadStream(source, { highWaterMark: readChunkBytes }) as AsyncIterable<Buffer>) : source();
    for await (const chunk of body) {
      read += chunk.length;
      if (read > entry.size!) break;
      hash?.update(chunk);
      yield chunk;
    }
    if (read !== entry.size) {
      throw new UserError(
        `${entry.name} changed while it was read for the image (${entry.size} bytes when listed, ${read > entry.size! ? 'more' : read} when read). ` +
          `Run the task again once nothing writes to it.`,
      );
    }
    yield tarPadding(read);
    if (hash) hooks.onFile?.(entry.name, hash.digest('hex'));
  }
  hooks.beforeEnd?.();
  yield tarEnd;
}

/** A layer tar's place in the image and its owners (see layerTar). */
export interface LayerTarSpec {
  /** The directory whose files the layer holds. */
  sourceDir: string;
  /** Where they sit in the image, without the leading slash (home/bentoml/bento/models/iris). */
  imagePath: string;
  /** The directories above it, from the root down, each with its owner (mode 755). */
  parents: Array<{ path: string } & LayerOwnership>;
  ownership: LayerOwnership;
}

export interface LayerTar {
  /** The tar's exact length in bytes, known before any file is read. */
  sizeBytes: number;
  /**
   * The tar's bytes, each file read once as they stream. `verify` gets each file's SHA-256, by
   * its path relative to the source directory, after the last file and before the end blocks:
   * throwing there fails the stream, so the archive is never whole.
   */
  stream(verify?: (files: Array<[path: string, sha256: string]>) => void): Readable;
}

/**
 * `sourceDir` as a tar whose entries sit under `imagePath`, preceded by entries for each of
 * `parents`, all with fixed times, the files with the given owner, in name order. Extracted by
 * ADD at the image's root, it is a layer of exactly these entries.
 */
export function layerTar(spec: LayerTarSpec): LayerTar {
  const entries: PlannedEntry[] = [
    // Every directory above the files is in the layer anyway (the builder copies it up as it adds the
    // files, with its time of this build): given here, its time is fixed too.
    ...spec.parents.map((parent) => ({ entry: entryOf(`${parent.path}/`, 0o755, 'directory', parent) })),
    { entry: entryOf(`${spec.imagePath}/`, lstatSync(spec.sourceDir).mode, 'directory', spec.ownership) },
    ...directoryEntries(spec.sourceDir, spec.imagePath, spec.ownership),
  ];
  return {
    sizeBytes: archiveLength(entries),
    stream(verify) {
      const files: Array<[string, string]> = [];
      return Readable.from(
        archiveBytes(entries, {
          onFile: verify && ((name, sha256) => files.push([name.slice(spec.imagePath.length + 1), sha256])),
          beforeEnd: verify && (() => verify(files)),
        }),
        { objectMode: false },
      );
    },
  };
}
