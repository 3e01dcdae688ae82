import { builds } from './build';
import type { BuildOptions } from './build';
import type { GeneratedContextFile } from './context-archive';
import { connectEngine } from './engine';
import { type EngineAddress, resolveEngineAddress } from './engine-address';
import { containers } from './containers';
import type { ContainerOptions, RunningContainer } from './containers';
import { images } from './images';
import type { ImageSummary, PushCredentials, PushResult } from './images';
import type { ImagePython } from './python-probe';
import { type RemoteImage, readRemoteImage, tagRemoteManifest } from './registry-api';
import { engineStatus } from './engine';

export { BuildkitUnavailableError, type ImageBuilder } from './build';
export type { ContainerOptions, ImageSummary, PushCredentials, PushResult, RunningContainer };

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
    options: BuildOptions,
    log: (line: string) => void,
  ): Promise<string>;
  tagImage(imageId: string, repository: string, tag: string): Promise<void>;
  /** Pushes repository:tag through the Engine (POST /images/{name}/push); the registry itself is lib/registry's. */
  pushImage(repository: string, tag: string, auth: PushCredentials | undefined, log: (line: string) => void): Promise<PushResult>;
  /** The digest the registry holds for a reference (asked through the engine), or undefined when it has none. */
  registryDigest(reference: string, auth: PushCredentials | undefined): Promise<string | undefined>;
  /** The digest and image labels the registry holds for a reference (asked of the registry itself), or undefined when it cannot tell. */
  remoteImage(reference: string, auth: PushCredentials | undefined): Promise<RemoteImage | undefined>;
  /** Points repository:tag at a manifest the repository already holds, in the registry itself; answers whether it could. */
  tagRemoteImage(repository: string, digest: string, tag: string, auth: PushCredentials | undefined): Promise<boolean>;
  runContainer(image: string, options: ContainerOptions): Promise<RunningContainer>;
  /**
   * The Python of an image the engine holds, asked of a short-lived container without network
   * (removed afterwards); undefined when the engine does not hold the image (nothing is pulled)
   * or the image cannot tell (no python3, another platform).
   */
  imagePython(image: string): Promise<ImagePython | undefined>;
}

/** The client, assembled from one module per Engine resource: engine.ts, images.ts, build.ts, containers.ts. */
export function createDockerClient(address: EngineAddress = resolveEngineAddress()): DockerClient {
  const engine = connectEngine(address);
  return {
    ping: () => engine.call(async () => void (await engine.docker.ping())),
    ...images(engine),
    ...builds(engine),
    ...containers(engine),
    registryDigest: (reference, auth) =>
      engine.call(async () => {
        try {
          const descriptor = (await engine.docker.getImage(reference).distribution({ authconfig: auth } as never)) as unknown as {
            Descriptor?: { digest?: string };
          };
          return descriptor.Descriptor?.digest;
        } catch (error) {
          // The engine answers 401 or 404 ("manifest unknown") for a tag the registry does not hold.
          const status = engineStatus(error);
          if (status === 401 || status === 404 || /manifest unknown|not found/i.test((error as Error).message)) return undefined;
          throw error;
        }
      }),
    // Only an optimisation: a registry that cannot be asked means the image is pushed.
    remoteImage: (reference, auth) => readRemoteImage(reference, auth).catch(() => undefined),
    tagRemoteImage: (repository, digest, tag, auth) => tagRemoteManifest(repository, digest, tag, auth).catch(() => false),
  };
}
