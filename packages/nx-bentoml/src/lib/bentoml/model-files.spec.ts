import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findModelFiles } from './model-files';

describe('findModelFiles', () => {
  let dir: string;
  const write = (path: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), 'x');
  };
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'models-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds model files by glob, outside node_modules and .venv', async () => {
    write('model/b.bentomodel');
    write('model/a.bentomodel');
    write('.venv/lib/x.bentomodel');
    write('node_modules/y/z.bentomodel');
    expect(await findModelFiles(dir, ['**/*.bentomodel'])).toEqual([join(dir, 'model/a.bentomodel'), join(dir, 'model/b.bentomodel')]);
  });

  it('asks for dvc pull when a DVC pointer has no model file', async () => {
    write('model/clf.bentomodel.dvc');
    await expect(findModelFiles(dir, ['**/*.bentomodel'])).rejects.toThrow(
      'The model file model/clf.bentomodel is tracked by DVC but not present',
    );
    await expect(findModelFiles(dir, ['**/*.bentomodel'])).rejects.toThrow('Run "dvc pull"');
  });

  it('accepts a pulled DVC-tracked model', async () => {
    write('model/clf.bentomodel.dvc');
    write('model/clf.bentomodel');
    expect(await findModelFiles(dir, ['**/*.bentomodel'])).toEqual([join(dir, 'model/clf.bentomodel')]);
  });
});
