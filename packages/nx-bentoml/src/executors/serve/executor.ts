import { relative } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { type BentomlClient, createBentomlClient } from '../../lib/bentoml/client';
import { prepareBentoml } from '../../lib/bentoml/prepare';
import { UserError } from '../../lib/errors';
import { runExecutor } from '../../lib/run-executor';
import type { ServeExecutorSchema } from './schema';

export default async function serveExecutor(
  options: ServeExecutorSchema,
  context: ExecutorContext,
  createClient: (python: string) => BentomlClient = (python) => createBentomlClient({ python, cwd: context.root }),
) {
  return runExecutor(async () => {
    const { bentoml, contextDir } = await prepareBentoml(options, context, createClient);
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 3000;
    logger.info(`Serving ${relative(context.root, contextDir)} on http://${host}:${port} (Ctrl+C to stop)...`);
    const exitCode = await bentoml.serve({ contextDir, host, port });
    if (exitCode !== 0) {
      throw new UserError(`bentoml serve exited with code ${exitCode}; its output above says why (a port already in use, an import error in the service...).`);
    }
    return { success: true };
  });
}
