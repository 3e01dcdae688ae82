import { type ExecutorContext, logger } from '@nx/devkit';
import { readPushHandoff } from '../shared/handoffs';
import { runExecutor } from '../shared/run-executor';
import type { PublishExecutorSchema } from './schema';
import { summaryTable } from './summary';

/** The work happens in the targets publish depends on; this reports what they published. */
export default async function publishExecutor(options: PublishExecutorSchema, context: ExecutorContext) {
  return runExecutor(async () => {
    const manifest = readPushHandoff(options.pushPath, context);
    const pushed = manifest.pushed.filter((entry) => entry.status === 'pushed').length;
    logger.info(
      `Published ${manifest.imageName}: ${pushed} pushed, ${manifest.pushed.length - pushed} up to date.\n${summaryTable(manifest)}`,
    );
    return { success: true, references: manifest.pushed.map((entry) => `${entry.reference}@${entry.digest}`) };
  });
}
