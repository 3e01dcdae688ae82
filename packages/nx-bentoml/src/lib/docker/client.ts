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

export { BuildkitUnavailableError, type ImageBuilder } from './build';
export type { ContainerOptions, ImageSummary, PushCredentials, PushResult, RunningContainer };

/** Everything nx-bentoml asks of the Docker Engine, through its HTTP API (no docker CLI). */
export interface DockerClient {
  ping(): Promise<void>;
  /** "linux/amd64": the platform the engine builds for, as image configs name it. */
  platform(): Promise<string>;
  /** An image carrying every one of these labels with these values, if the engine holds one. */
  findImageByLabels(labels: Record<string, string>): Promise<ImageSummary | undefined>;
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
  /** Pulls an image (repository@digest) from a registry through the Engine (POST /images/create); credentials as for a push. */
  pullImage(reference: string, auth: PushCredentials | undefined, log: (line: string) => void): Promise<void>;
  /** Pushes repository:tag through the Engine (POST /images/{name}/push); the registry itself is lib/registry's. */
  pushImage(repository: string, tag: string, auth: PushCredentials | undefined, log: (line: string) => void): Promise<PushResult>;
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
    platform: () =>
      engine.call(async () => {
        const version = await engine.docker.version();
        return `${version.Os}/${version.Arch}`;
      }),
    ...images(engine),
    ...builds(engine),
    ...containers(engine),
  };
}
