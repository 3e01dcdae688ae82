/**
 * Tar entries written block by block, so that an archive's length is known before its bytes are
 * read (a layer tar is sent inside the build context, whose entry header gives its size first).
 * The ustar header is the one tar-stream writes; an entry whose name, link or size does not fit
 * it is preceded by a pax extended header, which also carries sizes of 8 GiB and more (ustar's
 * 11 octal digits end at 8 GiB - 1, and model files pass that) and owner ids above 262143.
 */

export interface TarEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  /** A file's length in bytes. */
  size?: number;
  linkname?: string;
}

const block = 512;
const ustarMaxSize = 0o77777777777;
const ustarMaxId = 0o777777;
const typeFlags = { file: '0', symlink: '2', directory: '5', pax: 'x' } as const;

/** Two zero blocks: the end of an archive. */
export const tarEnd = Buffer.alloc(2 * block);

/** The zeros that fill a body of `size` bytes up to a whole block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((block - (size % block)) % block);
}

/** The header block(s) of an entry: a pax extended header first when ustar cannot hold it. */
export function tarHeader(entry: TarEntry): Buffer {
  const size = entry.type === 'file' ? (entry.size ?? 0) : 0;
  const fields = ustarNameFields(entry.name);
  const linkFits = !entry.linkname || Buffer.byteLength(entry.linkname) <= 100;
  const idsFit = entry.uid <= ustarMaxId && entry.gid <= ustarMaxId;
  if (fields && linkFits && size <= ustarMaxSize && idsFit) return ustarBlock({ ...entry, size }, fields, typeFlags[entry.type]);

  // The ustar header after it names "PaxHeader": the path (and link) are always in the pax records.
  const records = [
    paxRecord('path', entry.name),
    ...(entry.linkname ? [paxRecord('linkpath', entry.linkname)] : []),
    ...(size > ustarMaxSize ? [paxRecord('size', String(size))] : []),
    ...(idsFit ? [] : [paxRecord('uid', String(entry.uid)), paxRecord('gid', String(entry.gid))]),
  ];
  const pax = Buffer.from(records.join(''));
  const placeholder = { name: 'PaxHeader', prefix: '' };
  const linkname = entry.linkname && 'PaxHeader';
  return Buffer.concat([
    ustarBlock({ ...entry, linkname, size: pax.length }, placeholder, typeFlags.pax),
    pax,
    tarPadding(pax.length),
    ustarBlock({ ...entry, linkname, size: size > ustarMaxSize ? 0 : size }, placeholder, typeFlags[entry.type]),
  ]);
}

/** The bytes an entry takes in the archive: its header(s) and its body, padded. */
export function tarEntryLength(entry: TarEntry): number {
  const size = entry.type === 'file' ? (entry.size ?? 0) : 0;
  return tarHeader(entry).length + size + tarPadding(size).length;
}

/** A name as ustar holds it: up to 100 bytes, with up to 155 more in the prefix, split at a slash; ASCII only. */
function ustarNameFields(name: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(name) !== name.length) return undefined;
  let rest = name;
  let prefix = '';
  while (rest.length > 100) {
    const slash = rest.indexOf('/');
    if (slash === -1) return undefined;
    prefix += prefix ? `/${rest.slice(0, slash)}` : rest.slice(0, slash);
    rest = rest.slice(slash + 1);
  }
  return rest.length > 100 || prefix.length > 155 ? undefined : { name: rest, prefix };
}

/** "<length> <key>=<value>\n", the length counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body);
  while (length !== Buffer.byteLength(body) + String(length).length) length = Buffer.byteLength(body) + String(length).length;
  return `${length}${body}`;
}

function octal(value: number, digits: number): string {
  return `${value.toString(8).padStart(digits, '0')} `;
}

function ustarBlock(entry: Omit<TarEntry, 'name'> & { size: number }, fields: { name: string; prefix: string }, typeFlag: string): Buffer {
  const header = Buffer.alloc(block);
  header.write(fields.name, 0);
  header.write(octal(entry.mode & 0o7777, 6), 100);
  // An id that does not fit is in the pax header; the field holds the largest it can, as tar-stream writes.
  header.write(octal(Math.min(entry.uid, ustarMaxId), 6), 108);
  header.write(octal(Math.min(entry.gid, ustarMaxId), 6), 116);
  header.write(octal(entry.size, 11), 124);
  header.write(octal(Math.floor(entry.mtime.getTime() / 1000), 11), 136);
  header.write(typeFlag, 156);
  if (entry.linkname) header.write(entry.linkname, 157);
  header.write('ustar\u000000', 257, 'binary');
  header.write(octal(0, 6), 329);
  header.write(octal(0, 6), 337);
  if (fields.prefix) header.write(fields.prefix, 345);
  let checksum = 8 * 32;
  for (let index = 0; index < block; index++) if (index < 148 || index >= 156) checksum += header[index];
  header.write(octal(checksum, 6), 148);
  return header;
}
