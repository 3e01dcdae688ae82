import { UserError } from '../errors';
import { demultiplexLogs } from './container-logs';
import { type Engine, engineStatus } from './engine';
import { portPublishing, urlHost } from './engine-address';
import { publishedHostPort } from './published-port';
import { type ImagePython, parsePythonProbe, pythonProbeScript } from './python-probe';

export interface RunningContainer {
  id: string;
  /** The port on the engine's host that reaches the container port. */
  hostPort: number;
  /** Where this machine reaches the container port: http://127.0.0.1:<hostPort> on an engine of this machine. */
  url: string;
  state(): Promise<{ running: boolean; exitCode: number }>;
  logs(): Promise<string>;
  remove(): Promise<void>;
}

export interface ContainerOptions {
  containerPort: number;
  /** 0 lets the Engine choose a free port when it starts the container. */
  hostPort: number;
  labels: Record<string, string>;
  /**
   * The address on the engine's host the port is bound to: 127.0.0.1 by default on an engine of this
   * machine; an engine on another machine needs one this machine reaches (see portPublishing).
   */
  publishAddress?: string;
}

/** Containers: the service run for a smoke test, and the short-lived probe of a base image's Python. */
export function containers({ docker, address, call }: Engine) {
  return {
    runContainer: (image: string, { containerPort, hostPort, labels, publishAddress }: ContainerOptions) =>
      call(async (): Promise<RunningContainer> => {
        // Refused before anything runs: a remote engine without an address the user chose.
        const { bindAddress, reachAddress } = portPublishing(address, publishAddress);
        const port = `${containerPort}/tcp`;
        const container = await docker.createContainer({
          Image: image,
          Labels: labels,
          ExposedPorts: { [port]: {} },
          // HostPort "" makes the Engine pick a free port as it starts the container: no window for another process to take it.
          HostConfig: { PortBindings: { [port]: [{ HostIp: bindAddress, HostPort: hostPort ? String(hostPort) : '' }] } },
        });
        const remove = () => call(async () => void (await container.remove({ force: true }).catch(ignoreMissing)));
        const logs = async () => demultiplexLogs(await container.logs({ stdout: true, stderr: true, follow: false }));
        try {
          await container.start();
          const started = await container.inspect();
          // An exited container has no published ports left: say why it stopped instead.
          if (!started.State.Running) {
            throw new UserError(
              `The container exited with code ${started.State.ExitCode} as soon as it started. Its output:\n${(await logs()).split('\n').slice(-25).join('\n')}`,
            );
          }
          const published = publishedHostPort(started, port);
          return {
            id: container.id,
            hostPort: published,
            url: `http://${urlHost(reachAddress)}:${published}`,
            remove,
            logs,
            state: () =>
              call(async () => {
                const { State } = await container.inspect();
                return { running: State.Running, exitCode: State.ExitCode };
              }),
          };
        } catch (error) {
          // The start failure is what the user needs to see; a failed removal must not replace it.
          await remove().catch(() => undefined);
          throw error;
        }
      }),

    imagePython: (image: string) =>
      call(async (): Promise<ImagePython | undefined> => {
        try {
          await docker.getImage(image).inspect();
        } catch (error) {
          if (engineStatus(error) === 404) return undefined;
          throw error;
        }
        // The image's own entrypoint is replaced: nothing but the probe runs, and without network.
        const container = await docker.createContainer({
          Image: image,
          Entrypoint: ['python3', '-c', pythonProbeScript()],
          Cmd: [],
          Labels: { 'dev.nx-bentoml.python-probe': 'true' },
          NetworkDisabled: true,
          HostConfig: { NetworkMode: 'none' },
        });
        try {
          // Starting fails when the image has no python3: the image cannot tell, which is no error here.
          await container.start();
          const exit = (await withTimeout(container.wait(), probeTimeoutMs)) as { StatusCode?: number } | undefined;
          if (exit?.StatusCode !== 0) return undefined;
          return parsePythonProbe(demultiplexLogs(await container.logs({ stdout: true, stderr: false, follow: false })));
        } catch {
          return undefined;
        } finally {
          // The probe's answer (or its absence) is what the caller needs; a failed removal must not replace it.
          await container.remove({ force: true }).catch(() => undefined);
        }
      }),
  };
}

const probeTimeoutMs = 30_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function ignoreMissing(error: { statusCode?: number }) {
  if (error.statusCode !== 404) throw error;
}
