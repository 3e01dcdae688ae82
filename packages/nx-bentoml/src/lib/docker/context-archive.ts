import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { archiveBytes, directoryEntries, entryOf } from './layer-tar';

/** A file of the build context that is not on disk: its bytes are made as the context is sent. */
export interface GeneratedContextFile {
  /** Its path in the context. */
  name: string;
  /** Its exact length, which its tar header gives before the bytes. */
  sizeBytes: number;
  open(): Readable;
}

/**
 * A directory, and the generated files after it, as the tar stream the Engine's build API takes
 * for its context: entries in name order, each with a fixed time and root as owner, so that the
 * same files give the same COPY layers. Files are streamed, never read whole; a generated file
 * that fails fails the stream before the archive is whole.
 */
export function contextArchive(dir: string, generated: GeneratedContextFile[] = []): Readable {
  const root = { uid: 0, gid: 0 };
  const entries = () => [
    ...directoryEntries(dir, '', root),
    // The directories that hold generated files and are not on disk.
    ...[...new Set(generated.flatMap((file) => ancestors(file.name)))]
      .filter((parent) => !existsSync(join(dir, parent)))
      .sort()
      .map((parent) => ({ entry: entryOf(`${parent}/`, 0o755, 'directory', root) })),
    ...generated.map((file) => ({
      entry: entryOf(file.name, 0o644, 'file', root, { size: file.sizeBytes }),
      source: () => file.open(),
    })),
  ];
  return Readable.from(
    (async function* () {
      yield* archiveBytes(entries());
    })(),
    { objectMode: false },
  );
}

/** "a/b/c.tar" → ["a", "a/b"]. */
function ancestors(name: string): string[] {
  const segments = name.split('/').slice(0, -1);
  return segments.map((_, index) => segments.slice(0, index + 1).join('/'));
}
