import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkIncludes } from './check-includes';

describe('checkIncludes', () => {
  let dir: string;
  const write = (path: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), 'x');
  };
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'includes-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts patterns that select files, at any depth or anchored, and directories', async () => {
    write('serve.py');
    write('lib/helpers.py');
    write('data/labels.csv');
    await expect(checkIncludes({ service: 's:S', include: ['serve.py', '*.py', 'lib/helpers.py', 'data/', '!nothing*', '# comment'] }, dir, dir)).resolves.toBeUndefined();
  });

  it('names a pattern that matches nothing', async () => {
    write('serve.py');
    await expect(checkIncludes({ service: 's:S', include: ['serve.py', 'sevre.py'] }, dir, dir)).rejects.toThrow(
      'The bentofile\'s include pattern "sevre.py" matches no file in ".". Fix or remove it',
    );
  });
});
