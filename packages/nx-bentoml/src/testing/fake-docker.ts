import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerOptions, DockerClient, ImageSummary } from '../lib/docker/client';
import { type EngineAddress, portPublishing, thisMachine, urlHost } from '../lib/docker/engine-address';
import type { ImagePython } from '../lib/docker/python-probe';
import { type RegistryContents, registryContents } from './fake-registry';

export interface FakeEngineBehaviour {
  /** The port a container started with hostPort 0 is published on, as the Engine would pick one. */
  publishedPort?: number;
  /** Started containers report that they exited with this code; without it they keep running. */
  containerExitCode?: number;
  /** The Python each local image has, by reference; an image not listed is not in the engine (or has no python3). */
  imagePythons?: Record<string, ImagePython>;
  /** Where the engine is: an engine of this machine by default. */
  engine?: EngineAddress;
  /** The registry its pushes land in (fakeRegistry reads it); a new, empty one by default. */
  registry?: RegistryContents;
}

const localEngine: EngineAddress = { description: '/var/run/docker.sock', host: thisMachine };

/** An in-memory Docker Engine: images by id, tags, started containers; its pushes land in `registry` (see fake-registry.ts). */
export function fakeDocker(overrides: Partial<DockerClient> = {}, behaviour: FakeEngineBehaviour = {}) {
  const calls: string[] = [];
  const containers: Array<{ image: string } & ContainerOptions> = [];
  const images = new Map<string, ImageSummary>();
  const registry = behaviour.registry ?? registryContents();
  let builds = 0;
  /** What each build was given: the builder, the Dockerfile's text, the context's files, the labels parameter, the secrets. */
  const contexts: Array<{
    builder: string;
    dockerfile: string;
    files: string[];
    labels: Record<string, string>;
    secrets?: ReadonlyMap<string, Buffer>;
  }> = [];
  const client: DockerClient = {
    ping: async () => undefined,
    platform: async () => 'linux/amd64',
    findImageByLabels: async (labels) =>
      [...images.values()].find((image) => Object.entries(labels).every(([label, value]) => image.labels[label] === value)),
    inspectImage: async (reference) =>
      images.get(reference) ??
      [...images.values()].find((image) => image.repoTags.includes(reference)) ??
      (behaviour.imagePythons?.[reference] ? baseImage(reference) : undefined),
    buildImage: async ({ dir, generated = [] }, { dockerfile, tags, labels, builder, secrets }, log) => {
      // As the Engine does: the whole context is read first, and a generated file that fails fails the build.
      for (const file of generated) {
        let length = 0;
        for await (const chunk of file.open()) length += (chunk as Buffer).length;
        if (length !== file.sizeBytes) throw new Error(`${file.name}: ${length} bytes sent, ${file.sizeBytes} announced`);
      }
      const id = `sha256:${String(++builds).padStart(64, '0')}`;
      calls.push(`build ${tags.join(',')}`);
      const text = readFileSync(join(dir, dockerfile), 'utf8');
      contexts.push({ builder, dockerfile: text, files: [...filesUnder(dir), ...generated.map((file) => file.name)], labels, secrets });
      // As the Engine does: the LABEL instruction's labels and the labels parameter both end up on the image.
      labels = { ...labelInstruction(text), ...labels };
      log('Step 1/1 : FROM base');
      images.set(id, { id, labels, repoTags: tags, repoDigests: [], sizeBytes: 1000, platform: 'linux/amd64' });
      return id;
    },
    tagImage: async (imageId, repository, tag) => {
      calls.push(`tag ${repository}:${tag}`);
      images.get(imageId)?.repoTags.push(`${repository}:${tag}`);
    },
    pushImage: async (repository, tag, auth, log) => {
      calls.push(`push ${repository}:${tag}${auth ? ` as ${auth.username}` : ''}`);
      log('Pushed');
      // As in a real registry, the manifest digest depends on the image, not on the tag or registry.
      const image = [...images.values()].find((candidate) => candidate.repoTags.includes(`${repository}:${tag}`));
      const digest = `sha256:${createHash('sha256')
        .update(image?.id ?? `${repository}:${tag}`)
        .digest('hex')}`;
      registry.tags.set(`${repository}:${tag}`, digest);
      registry.labels.set(digest, image?.labels ?? {});
      if (image) registry.configs.set(digest, image.id);
      if (image && !image.repoDigests.includes(`${repository}@${digest}`)) image.repoDigests.push(`${repository}@${digest}`);
      return { digest, size: 1234 };
    },
    pullImage: async (reference) => {
      calls.push(`pull ${reference}`);
      const digest = reference.split('@')[1];
      const id = registry.configs.get(digest) ?? digest;
      const labels = registry.labels.get(digest) ?? {};
      images.set(id, {
        id,
        labels,
        repoTags: [],
        repoDigests: [reference],
        sizeBytes: 1000,
        platform: registry.platforms.get(digest) ?? 'linux/amd64',
      });
    },
    runContainer: async (image, options) => {
      // The real choice of address, and its refusal on a remote engine, before anything runs.
      const { reachAddress } = portPublishing(behaviour.engine ?? localEngine, options.publishAddress);
      calls.push(`run ${image} on ${options.hostPort}`);
      containers.push({ image, ...options });
      const exited = behaviour.containerExitCode !== undefined;
      const hostPort = options.hostPort || (behaviour.publishedPort ?? 49153);
      return {
        id: 'c1',
        hostPort,
        url: `http://${urlHost(reachAddress)}:${hostPort}`,
        state: async () => ({ running: !exited, exitCode: behaviour.containerExitCode ?? 0 }),
        logs: async () => 'container log line',
        remove: async () => void calls.push('remove c1'),
      };
    },
    imagePython: async (image) => {
      // Asked by name or by the id inspectImage gave: the call names the image either way.
      const reference = Object.keys(behaviour.imagePythons ?? {}).find((name) => name === image || baseImage(name).id === image);
      calls.push(`python of ${reference ?? image}`);
      return reference ? behaviour.imagePythons?.[reference] : undefined;
    },
    ...overrides,
  };
  return { client, calls, containers, images, registry, contexts };
}

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) =>
      statSync(join(dir, entry)).isDirectory() ? filesUnder(join(dir, entry), `${prefix}${entry}/`) : [`${prefix}${entry}`],
    );
}

/** A base image the fake engine holds (one with a Python in imagePythons), its id made from its name. */
function baseImage(reference: string): ImageSummary {
  const id = `sha256:${createHash('sha256').update(reference).digest('hex')}`;
  return { id, labels: {}, repoTags: [reference], repoDigests: [], sizeBytes: 1000, platform: 'linux/amd64' };
}

/** The labels of a Dockerfile's LABEL lines, as withLabelInstruction quotes them. */
function labelInstruction(dockerfile: string): Record<string, string> {
  const unquote = (text: string) => text.replace(/\\(.)/g, '$1');
  const labels: Record<string, string> = {};
  for (const line of dockerfile.split('\n').filter((text) => text.startsWith('LABEL '))) {
    for (const [, key, value] of line.matchAll(/"((?:[^"\\]|\\.)*)"="((?:[^"\\]|\\.)*)"/g)) labels[unquote(key)] = unquote(value);
  }
  return labels;
}
