import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';

/** One Python distribution at the exact version the lock pins. */
export interface LockedDistribution {
  name: string;
  version: string;
}

/**
 * The lock BentoML resolved (`uv pip compile` into env/python/requirements.lock.txt when
 * lock_packages is on, its default), else the requirements it installs as written.
 */
const lockFiles = ['env/python/requirements.lock.txt', 'env/python/requirements.txt'];

/** The lock in a Bento archive: its path in the Bento, its sha256 and the distributions it pins; undefined when it has none. */
export async function readBentoLock(
  archive: string,
): Promise<{ file: string; sha256: string; distributions: LockedDistribution[] } | undefined> {
  const found = await readArchiveFiles(archive, lockFiles);
  const file = lockFiles.find((name) => found.has(name));
  if (!file) return undefined;
  const bytes = found.get(file)!;
  return { file, sha256: createHash('sha256').update(bytes).digest('hex'), distributions: pinnedDistributions(bytes.toString('utf8')) };
}

/** The "name==version" lines of a requirements file (extras and markers aside); other lines pin nothing exactly. */
export function pinnedDistributions(text: string): LockedDistribution[] {
  const pinned: LockedDistribution[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s;#\\]+)/.exec(line);
    if (match) pinned.push({ name: match[1], version: match[2] });
  }
  return pinned;
}

/** The bytes of the named files of a tar archive (names relative to its root). */
async function readArchiveFiles(archive: string, names: string[]): Promise<Map<string, Buffer>> {
  const wanted = new Set(names);
  const found = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on('entry', (header: tar.Headers, body: NodeJS.ReadableStream, next: (error?: unknown) => void) => {
    const name = posix.normalize(header.name).replace(/^(\.\/)+/, '');
    if (!wanted.has(name) || header.type !== 'file') {
      body.on('end', () => next()).resume();
      return;
    }
    const chunks: Buffer[] = [];
    body.on('data', (chunk: Buffer) => chunks.push(chunk));
    body.on('end', () => {
      found.set(name, Buffer.concat(chunks));
      next();
    });
  });
  await pipeline(createReadStream(archive), extract);
  return found;
}
