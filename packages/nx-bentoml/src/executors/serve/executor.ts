import { dirname, join, relative } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { readBentofile } from '../../lib/bentoml/bentofile';
import { checkService } from '../../lib/bentoml/check-service';
import { type BentomlClient, createBentomlClient } from '../../lib/bentoml/client';
import { findModelFiles } from '../../lib/bentoml/model-files';
import { UserError } from '../../lib/errors';
import { projectRootOf, resolveOption } from '../../lib/executor-context';
import { resolvePython } from '../../lib/python';
import { runExecutor } from '../../lib/run-executor';
import type { ServeExecutorSchema } from './schema';

export default async function serveExecutor(
  options: ServeExecutorSchema,
  context: ExecutorContext,
  createClient: (python: string) => BentomlClient = (python) => createBentomlClient({ python, cwd: context.root }),
) {
  return runExecutor(async () => {
    const projectRoot = projectRootOf(context);
    const bentofilePath = resolveOption(options.bentofile, context);
    const contextDir = dirname(bentofilePath);
    checkService(readBentofile(bentofilePath, relative(context.root, bentofilePath)), contextDir, context.root);
    const bentoml = createClient(resolvePython(options.python, projectRoot, context.root));
    await bentoml.version();
    for (const modelFile of await findModelFiles(join(context.root, projectRoot), options.modelFiles ?? ['**/*.bentomodel'])) {
      await bentoml.importModel(modelFile);
    }
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 3000;
    logger.info(`Serving ${relative(context.root, contextDir)} on http://${host}:${port} (Ctrl+C to stop)...`);
    const exitCode = await bentoml.serve({ contextDir, host, port });
    // 130/143: stopped by Ctrl+C or by Nx ending a continuous task; that is a normal end.
    if (exitCode !== 0 && exitCode !== 130 && exitCode !== 143) {
      throw new UserError(`bentoml serve exited with code ${exitCode}; its output above says why (a port already in use, an import error in the service...).`);
    }
    return { success: true };
  });
}
