import { type ExecutorContext, logger } from '@nx/devkit';
import { readPushManifest } from '../../lib/docker/image-manifest';
import { resolveOption } from '../../lib/executor-context';
import { runExecutor } from '../../lib/run-executor';
import type { PublishExecutorSchema } from './schema';
import { summaryTable } from './summary';

/** The work happens in the targets publish depends on; this reports what they published. */
export default async function publishExecutor(options: PublishExecutorSchema, context: ExecutorContext) {
  return runExecutor(async () => {
    const manifest = readPushManifest(resolveOption(options.pushPath, context), context.root);
    const pushed = manifest.pushed.filter((entry) => entry.status === 'pushed').length;
    logger.info(
      `Published ${manifest.imageName}: ${pushed} pushed, ${manifest.pushed.length - pushed} up to date.\n${summaryTable(manifest)}`,
    );
    return { success: true, references: manifest.pushed.map((entry) => `${entry.reference}@${entry.digest}`) };
  });
}
