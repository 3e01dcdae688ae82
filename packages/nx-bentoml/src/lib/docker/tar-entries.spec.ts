import { execFileSync } from 'node:child_process';
import * as tar from 'tar-stream';
import { type TarEntry, tarEnd, tarEntryLength, tarHeader, tarPadding } from './tar-entries';

// Python's own tarfile reads the headers back: any python3 will do.
const python = 'python3';
const mtime = new Date(946_684_800_000);
const owner = { uid: 1034, gid: 1034 };

/** The archive tar-stream writes for these entries, each file's body being its size in "x". */
async function tarStreamArchive(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve) => pack.on('end', resolve));
  for (const entry of entries) {
    const body = entry.type === 'file' ? 'x'.repeat(entry.size ?? 0) : undefined;
    await new Promise<void>((resolve, reject) =>
      pack.entry({ ...entry, uname: '', gname: '' }, body, (error) => (error ? reject(error) : resolve())),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

function ownArchive(entries: TarEntry[]): Buffer {
  return Buffer.concat([
    ...entries.flatMap((entry) => {
      const size = entry.type === 'file' ? (entry.size ?? 0) : 0;
      return [tarHeader(entry), Buffer.from('x'.repeat(size)), tarPadding(size)];
    }),
    tarEnd,
  ]);
}

describe('tar entries', () => {
  const deep = `home/bentoml/bento/hf-models/${'models--organisation--a-rather-long-model-name/'.repeat(3)}config.json`;
  const entries: TarEntry[] = [
    { name: 'home/', type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime },
    { name: 'home/bentoml/models/iris/latest', type: 'file', mode: 0o644, ...owner, mtime, size: 2 },
    { name: 'home/bentoml/models/iris/v1/weights.bin', type: 'file', mode: 0o600, ...owner, mtime, size: 513 },
    { name: 'home/bentoml/models/iris/current', type: 'symlink', mode: 0o777, ...owner, mtime, linkname: 'v1' },
    // Over 100 bytes, split into ustar's prefix and name.
    { name: deep, type: 'file', mode: 0o644, ...owner, mtime, size: 0 },
    // No slash to split at, non-ASCII, a long link: each in a pax header.
    { name: `${'w'.repeat(120)}.bin`, type: 'file', mode: 0o644, ...owner, mtime, size: 1 },
    { name: 'home/bentoml/models/modèle.bin', type: 'file', mode: 0o644, ...owner, mtime, size: 3 },
    { name: 'home/bentoml/models/link', type: 'symlink', mode: 0o777, ...owner, mtime, linkname: `${'../'.repeat(40)}blob` },
  ];

  it('writes the bytes tar-stream writes, so layers built before keep their digests', async () => {
    expect(ownArchive(entries).equals(await tarStreamArchive(entries))).toBe(true);
  });

  it('knows each entry’s length before its body is read', () => {
    const total = entries.reduce((sum, entry) => sum + tarEntryLength(entry), tarEnd.length);
    expect(total).toBe(ownArchive(entries).length);
    expect(tarEntryLength(entries[2])).toBe(512 + 1024);
  });

  it('gives owner ids above 262143 (six octal digits) in a pax header, which tar readers take', () => {
    const header = tarHeader({ name: 'home/app/model.bin', type: 'file', mode: 0o644, uid: 1_000_000, gid: 300_000, mtime, size: 0 });
    const read = execFileSync(
      python,
      [
        '-c',
        'import io, sys, tarfile\nentry = tarfile.open(fileobj=io.BytesIO(sys.stdin.buffer.read() + bytes(1024)), mode="r|").next()\nprint(entry.name, entry.uid, entry.gid)',
      ],
      { input: header, encoding: 'utf8' },
    );
    expect(read.trim()).toBe('home/app/model.bin 1000000 300000');
  });

  it('gives a file of 8 GiB or more its size in a pax header, which tar readers take (ustar stops at 8 GiB - 1)', () => {
    const size = 9 * 2 ** 30 + 7;
    const header = tarHeader({ name: 'home/bentoml/models/llm/shard.safetensors', type: 'file', mode: 0o644, ...owner, mtime, size });
    expect(header.length).toBe(3 * 512);
    expect(tarEntryLength({ name: 'a', type: 'file', mode: 0o644, ...owner, mtime, size })).toBe(3 * 512 + size + 512 - 7);
    // Python's tarfile reads the header (the body is not needed for that).
    const read = execFileSync(
      python,
      [
        '-c',
        'import io, sys, tarfile\nentry = tarfile.open(fileobj=io.BytesIO(sys.stdin.buffer.read()), mode="r|").next()\nprint(entry.name, entry.size, entry.uid, entry.mtime)',
      ],
      { input: header, encoding: 'utf8' },
    );
    expect(read.trim()).toBe(`home/bentoml/models/llm/shard.safetensors ${size} 1034 946684800`);
  });
});
