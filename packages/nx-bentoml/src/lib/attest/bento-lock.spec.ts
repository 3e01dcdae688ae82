import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tarOf } from '../../testing/fake-bentoml';
import { useTempDir } from '../../testing/temp-dir';
import { pinnedDistributions, readBentoLock } from './bento-lock';

describe('the Python lock in bento.tar', () => {
  const temp = useTempDir('nx-bentoml-lock-');
  const lock =
    '--index-url https://pypi.org/simple\nbentoml==1.4.39\nnumpy==2.1.3\nscikit-learn[alldeps]==1.9.1 ; python_version >= "3.9"\n./wheels/local.whl\n';

  it('reads the lock BentoML resolved, with its sha256 and each distribution at its exact version', async () => {
    const archive = join(temp.dir, 'bento.tar');
    writeFileSync(
      archive,
      await tarOf({ 'bento.yaml': 'name: x\n', 'env/python/requirements.txt': 'bentoml\n', 'env/python/requirements.lock.txt': lock }),
    );
    expect(await readBentoLock(archive)).toEqual({
      file: 'env/python/requirements.lock.txt',
      sha256: createHash('sha256').update(lock).digest('hex'),
      distributions: [
        { name: 'bentoml', version: '1.4.39' },
        { name: 'numpy', version: '2.1.3' },
        { name: 'scikit-learn', version: '1.9.1' },
      ],
    });
  });

  it('falls back to requirements.txt when packages were not locked, and to nothing without either', async () => {
    const archive = join(temp.dir, 'bento.tar');
    writeFileSync(archive, await tarOf({ 'env/python/requirements.txt': 'numpy==2.1.3\npandas>=2\n' }));
    expect((await readBentoLock(archive))?.distributions).toEqual([{ name: 'numpy', version: '2.1.3' }]);
    writeFileSync(archive, await tarOf({ 'bento.yaml': 'name: x\n' }));
    expect(await readBentoLock(archive)).toBeUndefined();
  });

  it('pins nothing for ranges, comments and options', () => {
    expect(pinnedDistributions('# numpy==1\n-e ./pkg\npandas>=2\ntorch===2.5.1+cpu\n')).toEqual([{ name: 'torch', version: '2.5.1+cpu' }]);
  });
});
