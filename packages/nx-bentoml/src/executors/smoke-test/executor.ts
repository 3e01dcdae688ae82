import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { type DockerClient, createDockerClient } from '../../lib/docker/client';
import { readImageManifest } from '../../lib/docker/image-manifest';
import { UserError } from '../../lib/errors';
import { resolveOption } from '../../lib/executor-context';
import { findFreePort } from '../../lib/http/free-port';
import { checkSampleRequest, readSampleRequest, waitUntilReady } from '../../lib/http/service-checks';
import { runExecutor } from '../../lib/run-executor';
import type { SmokeTestExecutorSchema } from './schema';

const bentoPort = 3000;

export default async function smokeTestExecutor(options: SmokeTestExecutorSchema, context: ExecutorContext, docker: DockerClient = createDockerClient()) {
  return runExecutor(async () => {
    const image = readImageManifest(resolveOption(options.imagePath, context), context.root);
    const samplePath = options.sampleRequest ? resolveOption(options.sampleRequest, context) : undefined;
    const sample = samplePath && existsSync(samplePath) ? readSampleRequest(samplePath, relative(context.root, samplePath)) : undefined;
    await docker.ping();

    const port = options.port || (await findFreePort());
    const baseUrl = `http://127.0.0.1:${port}`;
    logger.info(`Starting ${image.imageName}:${image.tags[0]} on ${baseUrl}...`);
    const container = await docker.runContainer(image.imageId, { containerPort: bentoPort, hostPort: port }).catch((error: Error) => {
      if (/port is already allocated|address already in use/i.test(error.message)) {
        throw new UserError(`Port ${port} on 127.0.0.1 is already in use. Free it, or pass --port=0 to use a free port.`);
      }
      throw error;
    });
    try {
      await waitUntilReady(`${baseUrl}/readyz`, (options.readinessTimeoutSeconds ?? 120) * 1000);
      logger.info('The service is ready.');
      if (sample) {
        const answer = await checkSampleRequest(baseUrl, sample);
        logger.info(`POST ${sample.endpoint} answered ${JSON.stringify(answer)}, as expected.`);
      } else {
        logger.info(`No sample request${samplePath ? ` at ${relative(context.root, samplePath)}` : ''}; checked readiness only.`);
      }
      return { success: true };
    } catch (error) {
      const logs = await container.logs().catch(() => '');
      if (error instanceof UserError && logs) throw new UserError(`${error.message}\nLast container output:\n${logs.split('\n').slice(-25).join('\n')}`);
      throw error;
    } finally {
      await container.remove();
    }
  });
}
