import { type ExecutorContext, logger } from '@nx/devkit';
import { readPushManifest } from '../../lib/docker/image-manifest';
import { resolveOption } from '../../lib/executor-context';
import { runExecutor } from '../../lib/run-executor';
import type { PublishExecutorSchema } from './schema';

/** The work happens in the targets publish depends on; this reports what they published. */
export default async function publishExecutor(options: PublishExecutorSchema, context: ExecutorContext) {
  return runExecutor(async () => {
    const manifest = readPushManifest(resolveOption(options.pushPath, context), context.root);
    logger.info(`Published ${manifest.imageName} (image ${manifest.imageId.replace(/^sha256:/, '').slice(0, 12)}):`);
    for (const entry of manifest.pushed) logger.info(`  ${entry.reference}  ${entry.digest}`);
    return { success: true, references: manifest.pushed.map((entry) => `${entry.reference}@${entry.digest}`) };
  });
}
