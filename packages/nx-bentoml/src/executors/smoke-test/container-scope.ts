import { constants } from 'node:os';
import { logger } from '@nx/devkit';
import { serviceErrorInOutput } from '../../lib/bentoml/container-failure';
import { smokeTestContainerLabel } from '../../lib/chain/image-labels';
import type { DockerClient, RunningContainer } from '../../lib/docker/client';
import { UserError } from '../../lib/errors';
import { ServiceStoppedError, waitUntilReady } from '../../lib/smoke/service-checks';

const interruptions: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
const bentoPort = 3000;

/**
 * Starts the image, labelled with the project; port 0 leaves the choice of a free port to the Engine,
 * at start. The port is published on the engine's host, at publishAddress (127.0.0.1 by default).
 */
export async function startContainer(
  docker: DockerClient,
  imageId: string,
  { port, publishAddress }: { port: number; publishAddress?: string },
  project: string,
): Promise<RunningContainer> {
  return docker
    .runContainer(imageId, { containerPort: bentoPort, hostPort: port, publishAddress, labels: { [smokeTestContainerLabel]: project } })
    .catch((error: Error) => {
      if (port && /port is already allocated|address already in use/i.test(error.message)) {
        throw new UserError(
          `Port ${port} on ${publishAddress ?? '127.0.0.1'} is already in use. Free it, or pass --port=0 to use a free port.`,
        );
      }
      throw error;
    });
}

/** Waits for /readyz, and stops early when the container has exited (a crash at startup, a missing model). */
export async function waitForService(container: RunningContainer, baseUrl: string, timeoutMs: number) {
  const isAlive = async () => (await container.state()).running;
  await waitUntilReady(`${baseUrl}/readyz`, timeoutMs, { isAlive }).catch(async (error: Error) => {
    if (!(error instanceof ServiceStoppedError)) throw error;
    const { exitCode } = await container.state();
    throw new UserError(`The container exited with code ${exitCode} before the service was ready at ${baseUrl}.`);
  });
}

/**
 * Runs `body` while the container exists and removes the container afterwards, also when the
 * process is interrupted. A failure of `body` gets the container's last output and is never
 * replaced by a failure to remove the container.
 */
export async function withContainer<T>(container: RunningContainer, body: () => Promise<T>): Promise<T> {
  const stopListening = removeOnInterrupt(container);
  let result: T;
  try {
    result = await body();
  } catch (error) {
    const failure = await withContainerOutput(error, container);
    await container
      .remove()
      .catch((removeError: Error) =>
        logger.warn(
          `Could not remove the container ${container.id} (${removeError.message}). Remove it with "docker rm -f ${container.id}".`,
        ),
      );
    throw failure;
  } finally {
    stopListening();
  }
  await container.remove();
  return result;
}

/** `finally` does not run when a signal ends the process, so remove the container first, then exit as the signal would. */
function removeOnInterrupt(container: RunningContainer): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    logger.warn(`Interrupted (${signal}); removing the container ${container.id}.`);
    void container
      .remove()
      .catch(() => logger.warn(`Could not remove the container ${container.id}. Remove it with "docker rm -f ${container.id}".`))
      .finally(() => process.exit(128 + constants.signals[signal]));
  };
  // once: a second Ctrl+C while removing ends the process at once.
  interruptions.forEach((signal) => process.once(signal, onSignal));
  return () => interruptions.forEach((signal) => process.off(signal, onSignal));
}

async function withContainerOutput(error: unknown, container: RunningContainer): Promise<unknown> {
  if (!(error instanceof UserError)) return error;
  // Unreadable logs (the container already gone) leave the failure as it is: it is what the user needs.
  const logs = await container.logs().catch(() => '');
  if (!logs) return error;
  const cause = serviceErrorInOutput(logs);
  return new UserError(`${error.message}\n${cause ? `${cause}\n` : ''}Last container output:\n${logs.split('\n').slice(-25).join('\n')}`);
}
