import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { UserError } from '../errors';
import { escapeCharacter, labelledContext, splitLabels, withLabelInstruction } from './label-instruction';

interface Entry {
  header: tar.Headers;
  body?: Buffer;
}

const mtime = new Date('2026-01-02T03:04:05Z');
const file = (name: string, body: string | Buffer, mode = 0o644): Entry => ({
  header: { name, mode, mtime, type: 'file', uid: 1000, gid: 1000, uname: 'bento', gname: 'bento' },
  body: Buffer.from(body),
});

async function packTar(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const done = readAll(pack);
  for (const { header, body } of entries)
    await new Promise<void>((resolve, reject) => pack.entry({ ...header }, body, (e) => (e ? reject(e) : resolve())));
  pack.finalize();
  return done;
}

async function unpackTar(bytes: Buffer): Promise<Entry[]> {
  const entries: Entry[] = [];
  const extract = tar.extract();
  extract.on('entry', (header: tar.Headers, stream: Readable, next: () => void) => {
    readAll(stream).then((body) => {
      entries.push({ header, body });
      next();
    });
  });
  await new Promise((resolve, reject) => extract.on('finish', resolve).on('error', reject).end(bytes));
  return entries;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const fields = ({ header, body }: Entry) => ({
  name: header.name,
  mode: header.mode,
  uid: header.uid,
  gid: header.gid,
  mtime: header.mtime,
  type: header.type,
  linkname: header.linkname,
  uname: header.uname,
  gname: header.gname,
  body,
});

const dockerfile = '# syntax = docker/dockerfile:1.2.1\nFROM python:3.11-slim\nCOPY . ./\nENTRYPOINT ["bentoml"]\n';
const labels: Record<string, string> = { 'org.opencontainers.image.title': 'classifier', 'dev.nx-bentoml.build-key': 'abc123' };

describe('splitLabels', () => {
  it('keeps in the build parameter what one Dockerfile line cannot carry', () => {
    expect(splitLabels({ a: 'x y', b: 'line 1\nline 2', 'c=d': 'x', e: 'cr\r', f: '' })).toEqual({
      instruction: { a: 'x y', f: '' },
      parameter: { b: 'line 1\nline 2', 'c=d': 'x', e: 'cr\r' },
    });
  });
});

describe('withLabelInstruction', () => {
  it('appends one LABEL line, quoting keys and values so that nothing is substituted', () => {
    const labelled = withLabelInstruction(dockerfile, {
      'a.b': 'plain',
      q: 'say "hi"',
      d: '$HOME ${X}',
      s: 'C:\\dir\\',
      t: '`tick` and spaces ',
    });
    expect(labelled).toBe(
      `${dockerfile}LABEL "a.b"="plain" "q"="say \\"hi\\"" "d"="\\$HOME \\\${X}" "s"="C:\\\\dir\\\\" "t"="\`tick\` and spaces "\n`,
    );
  });

  it('starts the instruction on its own line', () => {
    expect(withLabelInstruction('FROM scratch', { a: 'b' })).toBe('FROM scratch\nLABEL "a"="b"\n');
  });

  it("escapes with the Dockerfile's escape directive", () => {
    const windows = '# escape=`\nFROM scratch\n';
    expect(escapeCharacter(windows)).toBe('`');
    expect(withLabelInstruction(windows, { p: 'C:\\x `y` "$z"' })).toBe(`${windows}LABEL "p"="C:\\x \`\`y\`\` \`"\`$z\`""\n`);
  });

  it('reads directives only at the top of the Dockerfile', () => {
    expect(escapeCharacter('# syntax = docker/dockerfile:1.2.1\n#escape = `\nFROM x\n')).toBe('`');
    expect(escapeCharacter('FROM x\n# escape=`\n')).toBe('\\');
    expect(escapeCharacter('# a comment\n# escape=`\n')).toBe('\\');
  });
});

describe('labelledContext', () => {
  const model = randomBytes(100_000);
  const entries: Entry[] = [
    { header: { name: 'env/', type: 'directory', mode: 0o755, mtime } },
    file('bento.yaml', 'name: classifier\n'),
    file('env/docker/Dockerfile', dockerfile),
    file('env/docker/entrypoint.sh', '#!/bin/sh\nexec "$@"\n', 0o755),
    { header: { name: 'env/docker/link', type: 'symlink', linkname: 'entrypoint.sh', mode: 0o777, mtime } },
    file(`src/${'deep/'.repeat(30)}serve.py`, 'import bentoml\n'),
    file('models/classifier/abc/saved_model.pkl', model),
  ];

  async function run(input: Entry[], given = labels, dockerfilePath = 'env/docker/Dockerfile') {
    const bytes = await packTar(input);
    const context = labelledContext(Readable.from([bytes]), dockerfilePath, given);
    const output = await unpackTar(await readAll(context.archive));
    return { context, original: await unpackTar(bytes), output };
  }

  it('adds a Dockerfile with one LABEL line and a .dockerignore that drops both from the context; the other entries are untouched', async () => {
    const { context, original, output } = await run(entries, { ...labels, 'dev.nx-bentoml.metrics.note': 'two\nlines' });
    expect(context.dockerfile).toBe('env/docker/Dockerfile.nx-bentoml');
    expect(context.labels).toEqual({ 'dev.nx-bentoml.metrics.note': 'two\nlines' });
    expect(output.map(fields)).toEqual([
      ...original.slice(0, 3).map(fields),
      { ...fields(original[2]), name: 'env/docker/Dockerfile.nx-bentoml', body: expect.any(Buffer) },
      ...original.slice(3).map(fields),
      expect.objectContaining({
        name: '.dockerignore',
        type: 'file',
        body: Buffer.from('.dockerignore\nenv/docker/Dockerfile.nx-bentoml\n'),
      }),
    ]);
    expect(output[3].body?.toString()).toBe(
      `${dockerfile}LABEL "org.opencontainers.image.title"="classifier" "dev.nx-bentoml.build-key"="abc123"\n`,
    );
    expect(output.find((e) => e.header.name.endsWith('saved_model.pkl'))?.body?.equals(model)).toBe(true);
  });

  it("finds the Dockerfile under ./ names and adds the copy's name to the context's own .dockerignore", async () => {
    const { context, output } = await run([file('./.dockerignore', '*.pyc'), file('./env/docker/Dockerfile', dockerfile)]);
    expect(context.dockerfile).toBe('env/docker/Dockerfile.nx-bentoml');
    expect(output.map((e) => [e.header.name, e.body?.toString()])).toEqual([
      ['./.dockerignore', '*.pyc\nenv/docker/Dockerfile.nx-bentoml\n'],
      ['./env/docker/Dockerfile', dockerfile],
      ['env/docker/Dockerfile.nx-bentoml', expect.stringMatching(/\nLABEL "org.opencontainers.image.title"="classifier" .*\n$/)],
    ]);
  });

  it('passes the archive through when no label fits a LABEL line', async () => {
    const archive = Readable.from([Buffer.from('anything')]);
    const context = labelledContext(archive, 'env/docker/Dockerfile', { a: 'x\ny' });
    expect(context).toMatchObject({ archive, dockerfile: 'env/docker/Dockerfile', labels: { a: 'x\ny' } });
  });

  it('fails, and aborts the build request, when the context has no such Dockerfile', async () => {
    const context = labelledContext(Readable.from([await packTar([file('bento.yaml', 'x')])]), 'env/docker/Dockerfile', labels);
    await expect(readAll(context.archive)).rejects.toThrow('The build context has no Dockerfile at env/docker/Dockerfile.');
    await expect(context.failed).rejects.toBeInstanceOf(UserError);
    expect(context.signal.aborted).toBe(true);
  });

  it('fails when the context is not a tar archive', async () => {
    const context = labelledContext(Readable.from([randomBytes(2048)]), 'env/docker/Dockerfile', labels);
    context.archive.resume();
    await expect(context.failed).rejects.toThrow(/not a tar archive Docker can read/);
    expect(context.signal.aborted).toBe(true);
  });
});
