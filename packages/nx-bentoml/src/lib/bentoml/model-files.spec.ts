import { join } from 'node:path';
import { useTempDir } from '../../testing/temp-dir';
import { findModelFiles } from './model-files';

describe('findModelFiles', () => {
  const temp = useTempDir('models-');
  const { write } = temp;

  it('finds model files by glob, outside node_modules and .venv', async () => {
    write('model/b.bentomodel');
    write('model/a.bentomodel');
    write('.venv/lib/x.bentomodel');
    write('node_modules/y/z.bentomodel');
    expect(await findModelFiles(temp.dir, ['**/*.bentomodel'])).toEqual([
      join(temp.dir, 'model/a.bentomodel'),
      join(temp.dir, 'model/b.bentomodel'),
    ]);
  });

  it('asks for dvc pull when a DVC pointer has no model file', async () => {
    write('model/clf.bentomodel.dvc');
    await expect(findModelFiles(temp.dir, ['**/*.bentomodel'])).rejects.toThrow(
      'The model file model/clf.bentomodel is tracked by DVC but not present',
    );
    await expect(findModelFiles(temp.dir, ['**/*.bentomodel'])).rejects.toThrow('Run "dvc pull"');
  });

  it('accepts a pulled DVC-tracked model', async () => {
    write('model/clf.bentomodel.dvc');
    write('model/clf.bentomodel');
    expect(await findModelFiles(temp.dir, ['**/*.bentomodel'])).toEqual([join(temp.dir, 'model/clf.bentomodel')]);
  });
});
