import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fakeBuildContext } from '../../testing/fake-bentoml';
import { useTempDir } from '../../testing/temp-dir';
import { assembleImageContext, imageDockerfile } from './image-context';

async function buffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('assembleImageContext', () => {
  const temp = useTempDir('image-context-');
  const write = (files: Record<string, string>) => {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(temp.dir, path)), { recursive: true });
      writeFileSync(join(temp.dir, path), content);
    }
  };
  const files = (dir: string, prefix = ''): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]));

  it('moves the Bento under bento/, each model (store and Hugging Face) into a layer tar added before the Bento, and the hub offline', async () => {
    write({
      ...fakeBuildContext(true),
      'hf-models/models--acme--tiny/snapshots/abc/config.json': '{}',
      'hf-models/models--acme--tiny/refs/main': 'abc',
    });
    const context = assembleImageContext(temp.dir, {
      dockerfile: 'env/docker/Dockerfile',
      labels: { team: 'ml' },
      dropSyntaxDirective: false,
    });
    expect(context.layers.map((layer) => [layer.path, layer.file])).toEqual([
      ['models/classifier_model', 'layers/01-models-classifier_model.tar'],
      ['hf-models/models--acme--tiny', 'layers/02-hf-models-models--acme--tiny.tar'],
    ]);
    // The context holds the Bento and the Dockerfile; the models wait outside it, not copied, for their layers.
    expect(files(context.dir)).toEqual([
      'bento/bento.yaml',
      'bento/env/docker/Dockerfile',
      'bento/env/python/requirements.txt',
      'bento/src/serve.py',
      imageDockerfile,
    ]);
    // Each model file is hashed as its layer streams: the store check reads nothing again.
    let hashed: Array<[string, string]> = [];
    const layer = await buffer(context.layers[0].tar.stream((digests) => (hashed = digests)));
    expect(layer.length).toBe(context.layers[0].tar.sizeBytes);
    expect(hashed).toEqual([
      ['abc/model.yaml', createHash('sha256').update('name: classifier_model\n').digest('hex')],
      ['abc/saved_model.pkl', createHash('sha256').update('weights').digest('hex')],
      ['latest', createHash('sha256').update('abc').digest('hex')],
    ]);
    const lines = readFileSync(join(context.dir, imageDockerfile), 'utf8').split('\n');
    const copy = lines.indexOf('COPY --chown=bentoml:bentoml bento/. ./');
    expect(lines.slice(copy - 3, copy)).toEqual([
      'ADD layers/01-models-classifier_model.tar /',
      'ADD layers/02-hf-models-models--acme--tiny.tar /',
      'ENV HF_HUB_OFFLINE=1',
    ]);
    expect(lines).toContain('LABEL "team"="ml"');
  });

  it('leaves the models in the Bento when its Dockerfile has no COPY of the whole Bento (a custom template)', async () => {
    write({ ...fakeBuildContext(false), 'env/docker/Dockerfile': 'FROM x\nCOPY ./src /app/src\nCOPY ./models /app/models\n' });
    const context = assembleImageContext(temp.dir, { dockerfile: 'env/docker/Dockerfile', labels: {}, dropSyntaxDirective: false });
    expect(context.layers).toEqual([]);
    expect(existsSync(join(context.dir, 'bento/models/classifier_model/abc/saved_model.pkl'))).toBe(true);
    expect(readFileSync(join(context.dir, imageDockerfile), 'utf8')).toBe(
      'FROM x\nCOPY bento/src /app/src\nCOPY bento/models /app/models\n',
    );
  });
});
