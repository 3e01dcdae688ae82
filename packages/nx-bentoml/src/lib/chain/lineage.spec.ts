import { useTempDir } from '../../testing/temp-dir';
import { flatten, readLineage } from './lineage';

describe('readLineage', () => {
  const temp = useTempDir('lineage-');
  const { write } = temp;
  const files = { metrics: 'evaluation/metrics.json', models: ['model/clf.bentomodel'] };

  it('hashes and flattens params.yaml and reads the metrics', () => {
    write('params.yaml', 'train:\n  c: 1.0\n  seed: 42\nprepare:\n  split: 0.2\n');
    write('evaluation/metrics.json', '{"accuracy": 0.967, "per_class": {"setosa": 1}}');
    const lineage = readLineage(temp.dir, files);
    expect(lineage.params?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(lineage.params?.values).toEqual({ 'train.c': '1', 'train.seed': '42', 'prepare.split': '0.2' });
    expect(lineage.metrics).toEqual({ accuracy: '0.967', 'per_class.setosa': '1' });
    expect(lineage.dvc).toBeUndefined();
  });

  it('takes the DVC hash from the pointer file', () => {
    write('model/clf.bentomodel.dvc', 'outs:\n- md5: 5d41402abc4b2a76b9719d911017c592\n  size: 10\n  path: clf.bentomodel\n');
    expect(readLineage(temp.dir, files).dvc).toEqual({ 'model/clf.bentomodel': '5d41402abc4b2a76b9719d911017c592' });
  });

  it('takes the DVC hash from the out of a dvc.lock stage, as the guide trains it', () => {
    write(
      'dvc.lock',
      'schema: "2.0"\nstages:\n  train:\n    cmd: python train.py\n    outs:\n    - path: model/clf.bentomodel\n      md5: 0cc175b9c0f1b6a831c399e269772661\n',
    );
    expect(readLineage(temp.dir, files).dvc).toEqual({ 'model/clf.bentomodel': '0cc175b9c0f1b6a831c399e269772661' });
  });

  it('names the broken file', () => {
    write('evaluation/metrics.json', '{not json');
    expect(() => readLineage(temp.dir, files)).toThrow(/^Cannot read evaluation\/metrics\.json for the image's lineage labels/);
  });

  it('bounds the number and length of values', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'x'.repeat(500)]));
    const flat = flatten(many);
    expect(Object.keys(flat)).toHaveLength(40);
    expect(flat['k0']).toHaveLength(120);
  });
});
