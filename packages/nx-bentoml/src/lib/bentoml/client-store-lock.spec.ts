import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../process/run-command';
import { useTempDir } from '../../testing/temp-dir';
import { createBentomlClient } from './client';

jest.mock('../process/run-command', () => ({ runCommand: jest.fn() }));
const run = jest.mocked(runCommand);

describe('createBentomlClient and the BentoML store lock', () => {
  const home = useTempDir('client-lock-');
  beforeEach(() => run.mockReset());

  it('runs store commands holding the lock in the BENTOML_HOME it passes to BentoML, and releases it', async () => {
    const lockFile = join(home.dir, '.nx-bentoml.lock');
    const heldDuringCommand: boolean[] = [];
    run.mockImplementation(async () => {
      heldDuringCommand.push(existsSync(lockFile));
      return { exitCode: 0, stdout: 'Model(tag="iris:abc") imported', stderr: '' };
    });
    const bentoml = createBentomlClient({ python: 'python', cwd: '/ws', env: { BENTOML_HOME: home.dir } });
    expect(await bentoml.importModel('/ws/iris.bentomodel')).toEqual({ tag: 'iris:abc', state: 'imported' });
    expect(heldDuringCommand).toEqual([true]);
    expect(existsSync(lockFile)).toBe(false);
  });
});
