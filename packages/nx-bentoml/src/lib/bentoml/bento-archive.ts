import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';

/**
 * The digest of a BentoML model's files: each file's path (relative to the model's version
 * directory) and the SHA-256 of its bytes, in path order. The same model gives the same digest
 * in an exported Bento and in any BentoML store.
 */
export function modelDigest(files: Array<[path: string, sha256: string]>): string {
  const lines = files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, sha]) => `${path}\0${sha}\n`);
  return `sha256:${createHash('sha256').update(lines.join('')).digest('hex')}`;
}

/** The digest of a model version directory on disk (models/<name>/<version> of a store or a build context); files are streamed. */
export async function modelDirectoryDigest(dir: string): Promise<string> {
  const files: Array<[string, string]> = [];
  const walk = async (path: string, name: string) => {
    for (const entry of readdirSync(path)) {
      const child = join(path, entry);
      const childName = name ? posix.join(name, entry) : entry;
      const stat = statSync(child);
      if (stat.isDirectory()) await walk(child, childName);
      else if (stat.isFile()) files.push([childName, await fileSha256(child)]);
    }
  };
  await walk(dir, '');
  return modelDigest(files);
}

/** The SHA-256 of a file's bytes, hex, streamed. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Copies an exported Bento without its store models (models/), answering each model's digest by
 * tag: the models stay in the BentoML store and the project's model files, which the workspace
 * already holds, and containerize takes them from there. The Nx cache then stores the Bento's
 * code, not its weights again for every version.
 */
export async function copyWithoutModels(source: string, target: string): Promise<Record<string, string>> {
  const files = new Map<string, Array<[string, string]>>();
  const extract = tar.extract();
  const pack = tar.pack();
  extract.on('entry', (header: tar.Headers, body: NodeJS.ReadableStream, next: (error?: unknown) => void) => {
    const name = posix.normalize(header.name).replace(/^(\.\/)+/, '');
    const model = /^models(\/|$)/.test(name);
    if (!model) {
      body.pipe(pack.entry(header, next));
      return;
    }
    const file = /^models\/([^/]+)\/([^/]+)\/(.+)$/.exec(name);
    if (!file || header.type !== 'file') {
      body.on('end', () => next()).resume();
      return;
    }
    const hash = createHash('sha256');
    body.on('data', (chunk: Buffer) => hash.update(chunk));
    body.on('end', () => {
      const tag = `${file[1]}:${file[2]}`;
      files.set(tag, [...(files.get(tag) ?? []), [file[3], hash.digest('hex')]]);
      next();
    });
  });
  extract.on('finish', () => pack.finalize());
  extract.on('error', (error) => pack.destroy(error));
  await Promise.all([pipeline(createReadStream(source), extract), pipeline(pack, createWriteStream(target))]);
  return Object.fromEntries([...files].map(([tag, entries]) => [tag, modelDigest(entries)]));
}
