import { useTempDir } from '../../testing/temp-dir';
import { checkIncludes } from './check-includes';

describe('checkIncludes', () => {
  const temp = useTempDir('includes-');
  const { write } = temp;

  it('accepts patterns that select files, at any depth or anchored, and directories', async () => {
    write('serve.py');
    write('lib/helpers.py');
    write('data/labels.csv');
    await expect(
      checkIncludes(
        { service: 's:S', include: ['serve.py', '*.py', 'lib/helpers.py', 'data/', '!nothing*', '# comment'] },
        temp.dir,
        temp.dir,
      ),
    ).resolves.toBeUndefined();
  });

  it('names a pattern that matches nothing', async () => {
    write('serve.py');
    await expect(checkIncludes({ service: 's:S', include: ['serve.py', 'sevre.py'] }, temp.dir, temp.dir)).rejects.toThrow(
      'The bentofile\'s include pattern "sevre.py" matches no file in ".". Fix or remove it',
    );
  });

  it('looks a shared include up where it leads, a directory included', async () => {
    write('libs/features/features/__init__.py');
    write('apps/x/src/serve.py');
    const contextDir = `${temp.dir}/apps/x/src`;
    await expect(
      checkIncludes(
        { service: 's:S', include: ['../../../libs/features/features/**/*.py', '../../../libs/features/features'] },
        contextDir,
        temp.dir,
      ),
    ).resolves.toBeUndefined();
    await expect(
      checkIncludes({ service: 's:S', include: ['../../../libs/features/features/**/*.pyy'] }, contextDir, temp.dir),
    ).rejects.toThrow('The bentofile\'s include pattern "../../../libs/features/features/**/*.pyy" matches no file in "apps/x/src".');
  });
});
