import Docker from 'dockerode';
import { UserError } from '../errors';
import { buildFailure, buildTranscript } from './build-failure';
import type { RegistryAuth } from './credentials';
import { type EngineAddress, resolveEngineAddress } from './engine-address';
import { openBuildkitSession } from './buildkit-session';
import { buildkitLog, decodeBuildkitStatus } from './buildkit-status';
import { type GeneratedContextFile, contextArchive } from './context-archive';
import { demultiplexLogs } from './container-logs';
import { type ProgressEvent, followProgress } from './progress';
import { publishedHostPort } from './published-port';
import { type ImagePython, parsePythonProbe, pythonProbeScript } from './python-probe';
import { type RemoteImage, readRemoteImage, tagRemoteManifest } from './registry-api';

export interface ImageSummary {
  id: string;
  labels: Record<string, string>;
  repoTags: string[];
  /** "registry/name@sha256:..." for each repository the image was pushed to or pulled from. */
  repoDigests: string[];
  sizeBytes: number;
  /** "linux/amd64": an image built on another engine may have another. */
  platform: string;
}

/** BuildKit (the Engine API's build version 2) or the classic builder (version 1). */
export type ImageBuilder = 'buildkit' | 'classic';

/** The engine refused a BuildKit build: it has no BuildKit, or it is turned off. */
export class BuildkitUnavailableError extends Error {
  override name = 'BuildkitUnavailableError';
}

export interface PushResult {
  digest: string;
  size?: number;
}

export interface RunningContainer {
  id: string;
  /** The port on 127.0.0.1 that reaches the container port. */
  hostPort: number;
  state(): Promise<{ running: boolean; exitCode: number }>;
  logs(): Promise<string>;
  remove(): Promise<void>;
}

export interface ContainerOptions {
  containerPort: number;
  /** 0 lets the Engine choose a free port when it starts the container. */
  hostPort: number;
  labels: Record<string, string>;
}

/** Everything nx-bentoml asks of the Docker Engine, through its HTTP API (no docker CLI). */
export interface DockerClient {
  ping(): Promise<void>;
  findImageByLabel(label: string, value: string): Promise<ImageSummary | undefined>;
  inspectImage(reference: string): Promise<ImageSummary | undefined>;
  /**
   * Builds the image of a context directory and the files generated after it (sent as one tar
   * stream in name order, with fixed times) with BuildKit or the classic builder, and returns the
   * image id; throws BuildkitUnavailableError when the engine does not build with BuildKit, and a
   * generated file's own error when it fails (the context is then never whole, so nothing is built).
   */
  buildImage(
    context: { dir: string; generated?: GeneratedContextFile[] },
    options: {
      dockerfile: string;
      tags: string[];
      labels: Record<string, string>;
      builder: ImageBuilder;
      /** BuildKit secrets by id (`RUN --mount=type=secret,id=...`), handed over a BuildKit session, never in the request. */
      secrets?: ReadonlyMap<string, Buffer>;
    },
    log: (line: string) => void,
  ): Promise<string>;
  tagImage(imageId: string, repository: string, tag: string): Promise<void>;
  pushImage(repository: string, tag: string, auth: RegistryAuth | undefined, log: (line: string) => void): Promise<PushResult>;
  /** The digest the registry holds for a reference (asked through the engine), or undefined when it has none. */
  registryDigest(reference: string, auth: RegistryAuth | undefined): Promise<string | undefined>;
  /** The digest and image labels the registry holds for a reference (asked of the registry itself), or undefined when it cannot tell. */
  remoteImage(reference: string, auth: RegistryAuth | undefined): Promise<RemoteImage | undefined>;
  /** Points repository:tag at a manifest the repository already holds, in the registry itself; answers whether it could. */
  tagRemoteImage(repository: string, digest: string, tag: string, auth: RegistryAuth | undefined): Promise<boolean>;
  runContainer(image: string, options: ContainerOptions): Promise<RunningContainer>;
  /**
   * The Python of an image the engine holds, asked of a short-lived container without network
   * (removed afterwards); undefined when the engine does not hold the image (nothing is pulled)
   * or the image cannot tell (no python3, another platform).
   */
  imagePython(image: string): Promise<ImagePython | undefined>;
}

export function createDockerClient(address: EngineAddress = resolveEngineAddress()): DockerClient {
  const { description, connection } = address;
  const docker = new Docker(connection);
  const call = async <T>(action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      throw engineError(error, description);
    }
  };

  const summary = (image: Docker.ImageInspectInfo): ImageSummary => ({
    id: image.Id,
    labels: image.Config?.Labels ?? {},
    repoTags: image.RepoTags ?? [],
    repoDigests: image.RepoDigests ?? [],
    sizeBytes: image.Size,
    platform: `${image.Os}/${image.Architecture}`,
  });

  return {
    ping: () => call(async () => void (await docker.ping())),

    findImageByLabel: (label, value) =>
      call(async () => {
        const [image] = await docker.listImages({ filters: { label: [`${label}=${value}`] } });
        return image ? summary(await docker.getImage(image.Id).inspect()) : undefined;
      }),

    inspectImage: (reference) =>
      call(async () => {
        try {
          return summary(await docker.getImage(reference).inspect());
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode === 404) return undefined;
          throw error;
        }
      }),

    buildImage: (context, options, log) =>
      call(async () => {
        const buildkit = options.builder === 'buildkit';
        const query = {
          dockerfile: options.dockerfile,
          t: options.tags,
          labels: options.labels,
          rm: true,
          forcerm: true,
          version: buildkit ? '2' : '1',
        };
        // dockerode's buildImage opens a session of its own for version 2, with no secrets: the request is made here.
        const session = buildkit ? await openBuildkitSession(docker, options.secrets ?? new Map()).catch(unavailable) : undefined;
        const archive = contextArchive(context.dir, context.generated);
        // A generated file that fails (a model changed since it was packed) ends the upload; its error says why, the engine's does not.
        let archiveError: Error | undefined;
        archive.on('error', (error) => (archiveError ??= error));
        try {
          let stream: NodeJS.ReadableStream;
          try {
            stream = await dialBuild(docker, archive, session ? { ...query, session: session.id } : query);
          } catch (error) {
            archive.destroy();
            if (archiveError) throw archiveError;
            throw buildkit ? unavailable(error) : error;
          }
          let imageId: string | undefined;
          const transcript = buildTranscript(log);
          const buildkitLines = buildkitLog((line) => transcript.push(`${line}\n`));
          await followProgress(docker, stream, (event: ProgressEvent) => {
            if (event.stream) transcript.push(event.stream);
            if (event.id === 'moby.buildkit.trace' && typeof event.aux === 'string') buildkitLines.push(decodeBuildkitStatus(event.aux));
            else if (event.aux && typeof event.aux === 'object' && event.aux.ID) imageId = event.aux.ID;
          }).catch((error: Error) => {
            buildkitLines.end();
            transcript.end();
            throw archiveError ?? buildFailure(error.message, transcript.lines);
          });
          buildkitLines.end();
          transcript.end();
          if (archiveError) throw archiveError;
          if (!imageId) throw new UserError('The Docker Engine finished the build without reporting an image id.');
          return imageId;
        } finally {
          // An upload the engine stopped reading (a reset connection) leaves the archive paused, a model file open.
          archive.destroy();
          session?.close();
        }
      }),

    tagImage: (imageId, repository, tag) => call(async () => void (await docker.getImage(imageId).tag({ repo: repository, tag }))),

    pushImage: (repository, tag, auth, log) =>
      call(async () => {
        const stream = await docker.getImage(`${repository}:${tag}`).push({ tag, authconfig: auth } as Docker.ImagePushOptions);
        let result: PushResult | undefined;
        const seen = new Set<string>();
        await followProgress(docker, stream, (event: ProgressEvent) => {
          if (typeof event.aux === 'object' && event.aux.Digest) result = { digest: event.aux.Digest, size: event.aux.Size };
          // One line per layer outcome, not per progress tick or queue state.
          const line = event.id && event.status ? `${event.id}: ${event.status}` : event.status;
          if (line && !/^(Preparing|Waiting|Pushing)$/.test(event.status ?? '') && !seen.has(line)) {
            seen.add(line);
            log(line);
          }
        });
        if (!result) throw new UserError(`The push of ${repository}:${tag} ended without a digest from the registry.`);
        return result;
      }),

    registryDigest: (reference, auth) =>
      call(async () => {
        try {
          const descriptor = (await docker.getImage(reference).distribution({ authconfig: auth } as never)) as unknown as {
            Descriptor?: { digest?: string };
          };
          return descriptor.Descriptor?.digest;
        } catch (error) {
          // The engine answers 401 or 404 ("manifest unknown") for a tag the registry does not hold.
          const status = (error as { statusCode?: number }).statusCode;
          if (status === 401 || status === 404 || /manifest unknown|not found/i.test((error as Error).message)) return undefined;
          throw error;
        }
      }),

    // Only an optimisation: a registry that cannot be asked means the image is pushed.
    remoteImage: (reference, auth) => readRemoteImage(reference, auth).catch(() => undefined),
    tagRemoteImage: (repository, digest, tag, auth) => tagRemoteManifest(repository, digest, tag, auth).catch(() => false),

    runContainer: (image, { containerPort, hostPort, labels }) =>
      call(async () => {
        const port = `${containerPort}/tcp`;
        const container = await docker.createContainer({
          Image: image,
          Labels: labels,
          ExposedPorts: { [port]: {} },
          // HostPort "" makes the Engine pick a free port as it starts the container: no window for another process to take it.
          HostConfig: { PortBindings: { [port]: [{ HostIp: '127.0.0.1', HostPort: hostPort ? String(hostPort) : '' }] } },
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
          return {
            id: container.id,
            hostPort: publishedHostPort(started, port),
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

    imagePython: (image) =>
      call(async () => {
        try {
          await docker.getImage(image).inspect();
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode === 404) return undefined;
          throw error;
        }
        // The image's own entrypoint is replaced: nothing but the probe runs, and without network.
        const container = await docker.createContainer({
          Image: image,
          Entrypoint: ['python3', '-c', pythonProbeScript],
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

function engineError(error: unknown, description: string): Error {
  if (error instanceof UserError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED') {
    return new UserError(
      `Cannot reach the Docker Engine at ${description}: is it running? Start Docker (Docker Desktop, or "dockerd"), or set DOCKER_HOST.`,
    );
  }
  if (code === 'EACCES') {
    return new UserError(
      `Permission denied on the Docker socket ${description}. Add your user to the "docker" group (then log in again), or set DOCKER_HOST.`,
    );
  }
  const statusCode = (error as { statusCode?: number }).statusCode;
  return statusCode ? new UserError(`The Docker Engine answered ${statusCode}: ${engineMessage(error)}`) : (error as Error);
}

/** The engine's own message for a refused request (docker-modem keeps its JSON body), else the error's. */
function engineMessage(error: unknown): string {
  return (error as { json?: { message?: string } }).json?.message ?? (error as Error).message;
}

/** POST /build with the context as the request body, as dockerode's buildImage does without its session. */
function dialBuild(docker: Docker, archive: NodeJS.ReadableStream, query: Record<string, unknown>): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) =>
    docker.modem.dial(
      { path: '/build?', method: 'POST', file: archive, options: query, isStream: true, statusCodes: { 200: true, 500: 'server error' } },
      (error, stream) => (error ? reject(error) : resolve(stream as NodeJS.ReadableStream)),
    ),
  );
}

/** An engine refusing BuildKit's session or build says so in its message (an old one has no /session at all); anything else is passed on. */
function unavailable(error: unknown): never {
  const message = engineMessage(error);
  if (/buildkit|builder version|session/i.test(message ?? '')) throw new BuildkitUnavailableError(message);
  if ((error as { statusCode?: number }).statusCode === 404) throw new BuildkitUnavailableError(`no BuildKit session endpoint: ${message}`);
  throw error;
}
