import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { UserError } from '../errors';

/**
 * The image's labels as one LABEL instruction, instead of the one build step (and one history
 * entry) per label that the classic builder makes of the Engine's `labels` build parameter.
 *
 * The build context streams through unchanged, with two entries added: a copy of the Dockerfile
 * with one LABEL line appended, which the build uses, and a .dockerignore naming that copy and
 * itself, so the Engine drops both from the context once it has read the Dockerfile and the
 * image's files stay as they were. (A context with its own .dockerignore gets the copy's name
 * appended to it instead.) A label the Dockerfile cannot carry on one line (a newline, or "=" in
 * its key) stays in the `labels` parameter, which takes any value.
 */
export interface LabelledContext {
  archive: Readable;
  /** The Dockerfile to build, in the context. */
  dockerfile: string;
  /** The labels left for the build's `labels` parameter. */
  labels: Record<string, string>;
  /** Aborted when the context cannot be read, so that the Engine request ends too. */
  signal: AbortSignal;
  /** Rejects when the context cannot be read; never resolves. */
  failed: Promise<never>;
}

export const labelledDockerfileSuffix = '.nx-bentoml';

export function labelledContext(archive: Readable, dockerfile: string, labels: Record<string, string>): LabelledContext {
  const { instruction, parameter } = splitLabels(labels);
  const controller = new AbortController();
  let fail: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_resolve, reject) => (fail = reject));
  failed.catch(() => undefined);
  if (Object.keys(instruction).length === 0) return { archive, dockerfile, labels, signal: controller.signal, failed };

  const target = entryName(dockerfile);
  const copy = `${target}${labelledDockerfileSuffix}`;
  const extract = tar.extract();
  const pack = tar.pack();
  // A failure reaches the caller through `failed` and `signal`; the Engine request reads `pack` and does not listen for it.
  pack.on('error', () => undefined);
  let foundDockerfile = false;
  let foundIgnore = false;
  const abort = (error: Error) => {
    if (controller.signal.aborted) return;
    archive.unpipe(extract);
    extract.destroy();
    pack.destroy(error);
    controller.abort(error);
    fail(error);
  };

  extract.on('entry', (header: tar.Headers, body: Readable, next: (error?: unknown) => void) => {
    const name = entryName(header.name);
    if ((name !== target && name !== '.dockerignore') || header.type !== 'file') {
      body.pipe(pack.entry(header, next));
      return;
    }
    readAll(body).then((content) => {
      if (name === '.dockerignore') {
        foundIgnore = true;
        pack.entry(withoutPax(header), Buffer.concat([content, Buffer.from(`\n${copy}\n`)]), next);
        return;
      }
      foundDockerfile = true;
      pack.entry(header, content);
      pack.entry({ ...withoutPax(header), name: copy }, withLabelInstruction(content.toString('utf8'), instruction), next);
    }, next);
  });
  extract.on('finish', () => {
    if (!foundDockerfile) return abort(new UserError(`The build context has no Dockerfile at ${dockerfile}.`));
    if (!foundIgnore) pack.entry({ name: '.dockerignore', mode: 0o644, mtime: new Date(0) }, `.dockerignore\n${copy}\n`);
    pack.finalize();
  });
  extract.on('error', (error: Error) => abort(new UserError(`The build context is not a tar archive Docker can read: ${error.message}`)));
  archive.on('error', abort);
  archive.pipe(extract);
  return { archive: pack, dockerfile: copy, labels: parameter, signal: controller.signal, failed };
}

/** Which labels one LABEL line can carry, and which must stay in the build's `labels` parameter. */
export function splitLabels(labels: Record<string, string>) {
  const instruction: Record<string, string> = {};
  const parameter: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    const onOneLine = key !== '' && !/[=\r\n\0]/.test(key) && !/[\r\n\0]/.test(value);
    (onOneLine ? instruction : parameter)[key] = value;
  }
  return { instruction, parameter };
}

/** The Dockerfile with one LABEL instruction appended, quoted for its escape character. */
export function withLabelInstruction(dockerfile: string, labels: Record<string, string>): string {
  const escape = escapeCharacter(dockerfile);
  const quote = (text: string) => `"${[...text].map((c) => (c === '"' || c === '$' || c === escape ? escape + c : c)).join('')}"`;
  const pairs = Object.entries(labels).map(([key, value]) => `${quote(key)}=${quote(value)}`);
  const separator = dockerfile === '' || dockerfile.endsWith('\n') ? '' : '\n';
  return `${dockerfile}${separator}LABEL ${pairs.join(' ')}\n`;
}

/** The escape parser directive ("# escape=`") of a Dockerfile, or the default backslash. */
export function escapeCharacter(dockerfile: string): string {
  for (const line of dockerfile.split('\n')) {
    const directive = /^\s*#\s*([a-zA-Z]+)\s*=\s*(\S*)\s*$/.exec(line);
    if (!directive) break;
    if (directive[1].toLowerCase() === 'escape' && (directive[2] === '`' || directive[2] === '\\')) return directive[2];
  }
  return '\\';
}

function entryName(name: string): string {
  return posix.normalize(name).replace(/^(\.\/|\/)+/, '');
}

function withoutPax(header: tar.Headers): tar.Headers {
  const { name, mode, uid, gid, mtime, type, uname, gname } = header;
  return { name, mode, uid, gid, mtime, type, uname, gname };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
