import { runCommand } from '../process/run-command';
import { useTempDir } from '../../testing/temp-dir';
import { createBentomlClient, offlineHuggingFaceEntry } from './client';

jest.mock('../process/run-command', () => ({ runCommand: jest.fn() }));
const run = jest.mocked(runCommand);

describe('createBentomlClient().build', () => {
  // The store lock file goes into the BentoML home: a temporary one, not the user's.
  const home = useTempDir('bentoml-home-');
  beforeEach(() => run.mockReset());

  it('builds without "--output tag", whose quiet mode hides why a package lock failed, and reads the tag BentoML prints', async () => {
    run.mockResolvedValue({
      exitCode: 0,
      stdout: 'Successfully built Bento(tag="classifier:v1").',
      stderr: 'INFO: Locking PyPI package versions.',
    });
    const bentoml = createBentomlClient({ python: 'python', cwd: '/ws', env: { BENTOML_HOME: home.dir } });
    expect(await bentoml.build({ contextDir: '/ws/apps/x/src', bentofile: '/ws/apps/x/src/bentofile.yaml', version: 'v1' })).toBe(
      'classifier:v1',
    );
    // BentoML's CLI through an entry that reads Hugging Face commits from the local cache offline.
    expect(run.mock.calls[0][1]).toEqual([
      '-c',
      offlineHuggingFaceEntry,
      'build',
      '/ws/apps/x/src',
      '--bentofile',
      '/ws/apps/x/src/bentofile.yaml',
      '--version',
      'v1',
    ]);
  });

  it('runs BentoML out of quiet mode, whose silence would hide the built tag', async () => {
    process.env['BENTOML_QUIET'] = 'true';
    try {
      run.mockResolvedValue({ exitCode: 0, stdout: 'Successfully built Bento(tag="classifier:v1").', stderr: '' });
      const bentoml = createBentomlClient({ python: 'python', cwd: '/ws', env: { BENTOML_HOME: home.dir } });
      await bentoml.build({ contextDir: '/ws/apps/x/src', bentofile: '/ws/apps/x/src/bentofile.yaml', version: 'v1' });
      expect(run.mock.calls[0][2]?.env?.['BENTOML_QUIET']).toBeUndefined();
    } finally {
      delete process.env['BENTOML_QUIET'];
    }
  });

  it('names the bentofile relative to the workspace when its packages cannot be resolved', async () => {
    run.mockResolvedValue({ exitCode: 1, stdout: '', stderr: 'Error: [bentos] `build` failed: Failed to lock PyPI packages.' });
    const bentoml = createBentomlClient({ python: 'python', cwd: '/ws', env: { BENTOML_HOME: home.dir } });
    await expect(
      bentoml.build({ contextDir: '/ws/apps/x/src', bentofile: '/ws/apps/x/src/bentofile.yaml', version: 'v1' }),
    ).rejects.toThrow('BentoML could not resolve the Python packages of apps/x/src/bentofile.yaml');
  });
});
