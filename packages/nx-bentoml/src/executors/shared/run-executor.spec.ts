import { logger } from '@nx/devkit';
import { UserError } from '../../lib/errors';
import { captureLogger } from '../../testing/logger';
import { runExecutor } from './run-executor';

describe('runExecutor', () => {
  captureLogger();
  const verbose = process.env['NX_VERBOSE_LOGGING'];
  afterEach(() => {
    if (verbose === undefined) delete process.env['NX_VERBOSE_LOGGING'];
    else process.env['NX_VERBOSE_LOGGING'] = verbose;
  });

  it("answers the body's result when it succeeds", async () => {
    expect(await runExecutor(async () => ({ success: true, digest: 'sha256:1' }))).toEqual({ success: true, digest: 'sha256:1' });
  });

  it('prints only the message of a UserError, and fails', async () => {
    delete process.env['NX_VERBOSE_LOGGING'];
    const failing = async () => {
      throw new UserError('Run the bento-build target first.');
    };
    expect(await runExecutor(failing)).toEqual({ success: false });
    expect(logger.error).toHaveBeenCalledWith('Run the bento-build target first.');
  });

  it('points at --verbose for an unexpected error, and shows its stack with it', async () => {
    delete process.env['NX_VERBOSE_LOGGING'];
    const failing = async () => {
      throw new Error('socket hang up');
    };
    await runExecutor(failing);
    expect(logger.error).toHaveBeenCalledWith('socket hang up\nRun again with --verbose for details.');
    process.env['NX_VERBOSE_LOGGING'] = 'true';
    await runExecutor(failing);
    expect(logger.error).toHaveBeenLastCalledWith(expect.stringMatching(/^Error: socket hang up\n\s+at /));
  });
});
