import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Whether each text occurs in a stream, read once in chunks (an image's `docker save` is too large to hold). */
export async function searchStream(stream: NodeJS.ReadableStream, texts: string[]): Promise<boolean[]> {
  const needles = texts.map((text) => Buffer.from(text));
  const overlap = Math.max(...needles.map((needle) => needle.length)) - 1;
  const found = needles.map(() => false);
  let tail = Buffer.alloc(0);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const window = Buffer.concat([tail, chunk]);
    needles.forEach((needle, index) => (found[index] ||= window.includes(needle)));
    tail = window.subarray(Math.max(0, window.length - overlap));
  }
  return found;
}

export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}
