import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { fakeModelFiles, tarOf } from '../../testing/fake-bentoml';
import { copyWithoutModels, modelDirectoryDigest } from './bento-archive';

describe('the exported Bento without its models', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'bento-archive-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const namesIn = async (file: string) => {
    const names: string[] = [];
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      names.push(header.name);
      stream.on('end', next).resume();
    });
    Readable.from([readFileSync(file)]).pipe(extract);
    await new Promise((resolve) => extract.on('finish', resolve));
    return names;
  };

  it("keeps every file but the models', and gives each model the digest its files have in any store", async () => {
    writeFileSync(join(root, 'exported.tar'), await tarOf({ 'bento.yaml': 'name: classifier\n', 'src/serve.py': 'x', ...fakeModelFiles }));
    const digests = await copyWithoutModels(join(root, 'exported.tar'), join(root, 'bento.tar'));
    expect(await namesIn(join(root, 'bento.tar'))).toEqual(['./bento.yaml', './src/serve.py']);

    for (const [path, content] of Object.entries(fakeModelFiles)) {
      mkdirSync(dirname(join(root, 'store', path)), { recursive: true });
      writeFileSync(join(root, 'store', path), content);
    }
    expect(digests).toEqual({ 'classifier_model:abc': await modelDirectoryDigest(join(root, 'store/models/classifier_model/abc')) });
    writeFileSync(join(root, 'store/models/classifier_model/abc/saved_model.pkl'), 'retrained');
    expect(await modelDirectoryDigest(join(root, 'store/models/classifier_model/abc'))).not.toBe(digests['classifier_model:abc']);
  });
});
