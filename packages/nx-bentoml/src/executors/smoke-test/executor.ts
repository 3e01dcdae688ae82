import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { type DockerClient, type RunningContainer, createDockerClient } from '../../lib/docker/client';
import { type ImageHandoff, readHandoff } from '../../lib/chain/handoff-files';
import type { CredentialSources } from '../../lib/docker/credentials';
import { smokeTestContainerLabel } from '../../lib/chain/image-labels';
import { UserError, isUserError } from '../../lib/errors';
import { resolveOption } from '../shared/executor-context';
import { ServiceStoppedError, checkSmokeRequests, waitUntilReady } from '../../lib/http/service-checks';
import { readSmokeTestFile } from '../../lib/http/smoke-test-file';
import { runExecutor } from '../shared/run-executor';
import { withContainer } from './container-scope';
import { configuredTargetName } from '../shared/configured-targets';
import type { DockerPushExecutorSchema } from '../docker-push/schema';
import { wouldPush } from '../push-plan';
import { gatedPush } from '../shared/gated-push';
import type { SmokeTestExecutorSchema } from './schema';

const bentoPort = 3000;

export default async function smokeTestExecutor(
  options: SmokeTestExecutorSchema,
  context: ExecutorContext,
  docker: DockerClient = createDockerClient(),
  /** Registry credentials for the gate's look at what the push would do. */
  credentials: CredentialSources = {},
) {
  return runExecutor(async () => {
    const containerizeTarget = configuredTargetName(context, 'containerize');
    const image = readHandoff('image', {
      dir: resolveOption(options.imagePath, context),
      workspaceRoot: context.root,
      producer: containerizeTarget,
    });
    const gate = gatedPush(context);
    if (gate) {
      const skipped = await gateNotNeeded(gate, docker, image, containerizeTarget, credentials);
      if (skipped) {
        logger.info(skipped);
        return { success: true };
      }
      logger.info(`Testing the image before ${gate.target} pushes it (the gate; --gate=false pushes without it).`);
      return smokeTest(options, context, docker, image).catch((error: Error) => {
        if (!isUserError(error)) throw error;
        throw new UserError(
          `${error.message}\nThe gate before ${gate.target} stopped the push: nothing was pushed and no tag moved. ` +
            `Fix the service (nx run ${context.projectName}:${configuredTargetName(context, 'serve')} runs it locally), or pass --gate=false to push without the smoke test.`,
        );
      });
    }
    return smokeTest(options, context, docker, image);
  });
}

/** Why the gate need not run: it is turned off, or every tag in every registry already holds this image. */
async function gateNotNeeded(
  gate: { target: string; options: DockerPushExecutorSchema },
  docker: DockerClient,
  image: ImageHandoff,
  containerizeTarget: string,
  credentials: CredentialSources,
): Promise<string | undefined> {
  if (gate.options.gate === false) return `The gate is off (gate: false): ${gate.target} pushes without a smoke test.`;
  await docker.ping();
  if (await wouldPush(docker, image, gate, containerizeTarget, credentials)) return undefined;
  return `Every tag already holds this image: ${gate.target} has nothing to push, so the gate does not test it again.`;
}

/** Runs the image, waits until it is ready and checks the sample requests. */
async function smokeTest(options: SmokeTestExecutorSchema, context: ExecutorContext, docker: DockerClient, image: ImageHandoff) {
  const samplePath = options.sampleRequest ? resolveOption(options.sampleRequest, context) : undefined;
  const shownPath = samplePath && relative(context.root, samplePath);
  // Checked before the container starts: a mistake in the file costs no image start.
  const requests = samplePath && existsSync(samplePath) ? readSmokeTestFile(samplePath, shownPath as string) : undefined;
  await docker.ping();

  logger.info(`Starting ${image.imageName}:${image.tags[0]}...`);
  const container = await startContainer(docker, image.imageId, options.port ?? 0, context.projectName ?? 'unknown');
  return withContainer(container, async () => {
    const baseUrl = `http://127.0.0.1:${container.hostPort}`;
    await waitForService(container, baseUrl, (options.readinessTimeoutSeconds ?? 120) * 1000);
    logger.info(`The service is ready on ${baseUrl}.`);
    if (requests) {
      await checkSmokeRequests(baseUrl, requests, shownPath as string, (line) => logger.info(line));
    } else {
      logger.info(`No sample request${shownPath ? ` at ${shownPath}` : ''}; checked readiness only.`);
    }
    return { success: true };
  });
}

/** Port 0 leaves the choice of a free port to the Engine, at start. */
async function startContainer(docker: DockerClient, imageId: string, port: number, project: string): Promise<RunningContainer> {
  return docker
    .runContainer(imageId, { containerPort: bentoPort, hostPort: port, labels: { [smokeTestContainerLabel]: project } })
    .catch((error: Error) => {
      if (port && /port is already allocated|address already in use/i.test(error.message)) {
        throw new UserError(`Port ${port} on 127.0.0.1 is already in use. Free it, or pass --port=0 to use a free port.`);
      }
      throw error;
    });
}

/** Waits for /readyz, and stops early when the container has exited (a crash at startup, a missing model). */
async function waitForService(container: RunningContainer, baseUrl: string, timeoutMs: number) {
  const isAlive = async () => (await container.state()).running;
  await waitUntilReady(`${baseUrl}/readyz`, timeoutMs, { isAlive }).catch(async (error: Error) => {
    if (!(error instanceof ServiceStoppedError)) throw error;
    const { exitCode } = await container.state();
    throw new UserError(`The container exited with code ${exitCode} before the service was ready at ${baseUrl}.`);
  });
}
