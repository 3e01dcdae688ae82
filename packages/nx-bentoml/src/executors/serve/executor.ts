import { dirname, join, relative } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { type BentomlClient, createBentomlClient } from '../../lib/bentoml/client';
import { sharedIncludes } from '../../lib/bentoml/shared-includes';
import { UserError } from '../../lib/errors';
import { runExecutor } from '../shared/run-executor';
import { setUpService } from '../shared/service-setup';
import type { ServeExecutorSchema } from './schema';

export default async function serveExecutor(
  options: ServeExecutorSchema,
  context: ExecutorContext,
  createClient: (python: string) => BentomlClient = (python) => createBentomlClient({ python, cwd: context.root }),
) {
  return runExecutor(async () => {
    const { bentoml, project } = await setUpService(options, context, createClient);
    const { bentofile, contextDir } = project;
    // Shared libraries are importable by their directory name, as in the built Bento.
    const pythonPath = sharedIncludes(bentofile, relative(context.root, contextDir)).map((include) =>
      join(context.root, dirname(include.source)),
    );
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 3000;
    logger.info(`Serving ${relative(context.root, contextDir)} on http://${host}:${port} (Ctrl+C to stop)...`);
    const exitCode = await bentoml.serve({ contextDir, host, port, pythonPath });
    if (exitCode !== 0) {
      throw new UserError(
        `bentoml serve exited with code ${exitCode}; its output above says why (a port already in use, an import error in the service...).`,
      );
    }
    return { success: true };
  });
}
