import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { packDirectory } from './layer-tar';

/**
 * A directory as the tar stream the Engine's build API takes for its context: entries in name
 * order, each with a fixed time and root as owner, so that the same files give the same COPY
 * layers. Files are streamed, never read whole.
 */
export function contextArchive(dir: string): Readable {
  const pack = tar.pack();
  packDirectory(pack, dir, '', { uid: 0, gid: 0 }).then(
    () => pack.finalize(),
    (error: Error) => pack.destroy(error),
  );
  return pack;
}
