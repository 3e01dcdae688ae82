import { logger } from '@nx/devkit';
import { isUserError } from '../../lib/errors';

/**
 * Runs an executor body and turns failures into one readable message and `success: false`.
 * Stack traces are shown only with --verbose (NX_VERBOSE_LOGGING), for errors that are ours.
 */
export async function runExecutor<T extends object>(body: () => Promise<T>): Promise<T | { success: false }> {
  try {
    return await body();
  } catch (error) {
    const verbose = process.env['NX_VERBOSE_LOGGING'] === 'true';
    if (isUserError(error) && !verbose) {
      logger.error(error.message);
    } else if (error instanceof Error) {
      logger.error(verbose ? (error.stack ?? error.message) : `${error.message}\nRun again with --verbose for details.`);
    } else {
      logger.error(String(error));
    }
    return { success: false };
  }
}
