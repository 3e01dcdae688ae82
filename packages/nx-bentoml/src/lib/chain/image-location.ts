import type { ImageSummary } from '../docker/client';
import type { RegistryAccess } from '../registry/credentials';
import type { TagStep } from '../registry/push-plan';
import type { ImageHandoff } from './handoff-files';
import { type PushClients, planTagSteps } from './image-push';
import { buildKeyLabel } from './image-labels';
import { type ProjectIdentity, assertNoOtherProject, ownedBy } from './project-images';
import { findReusableImage } from './reuse-rules';

/** The image an image.json names where it is only in a registry (containerize built and pulled nothing). */
export type RegistryImage = NonNullable<ImageHandoff['registryImage']>;

/** Where an image with a build key already is: the engine (reuse rule 2), a target registry (rule 2 across machines), or nowhere yet. */
export type ImageLocation =
  | { where: 'engine'; image: ImageSummary }
  /** config: the image's config digest, the id the engine gives it once pulled. */
  | { where: 'registry'; image: RegistryImage; config: string }
  | { where: 'nowhere' };

/** The image a project's publish wants: its build key, its name and tags, and the registries it goes to. */
export interface WantedImage {
  buildKey: string;
  owner: ProjectIdentity;
  imageName: string;
  tags: string[];
  registries: string[];
  access: RegistryAccess;
}

/**
 * Finds an image with the build key: in the engine, as this project's (rule 2); else under one of
 * the tags in one of the registries, built elsewhere for this engine's platform (a CI runner whose
 * Bento came from the remote cache). A tag holding another project's image is refused here, before
 * anything is built.
 */
export async function locateImage(wanted: WantedImage, clients: PushClients): Promise<ImageLocation> {
  const local = await findReusableImage(clients.docker, wanted.buildKey, wanted.owner);
  if (local) return { where: 'engine', image: local };
  if (!wanted.registries.length) return { where: 'nowhere' };
  const platform = await clients.docker.platform();
  for (const registry of wanted.registries) {
    const repository = `${registry}/${wanted.imageName}`;
    const auth = await clients.registry.credentials(registry, wanted.access);
    const local = {
      knownDigests: new Set<string>(),
      buildKey: { label: buildKeyLabel, value: wanted.buildKey },
      platform,
      owns: ownedBy(wanted.owner),
    };
    const steps = await planTagSteps(clients.registry, repository, { tags: wanted.tags }, local, auth, wanted.access);
    assertNoOtherProject(wanted.owner, wanted.imageName, repository, steps);
    const digest = sameInputsDigest(steps);
    const manifest = digest && (await clients.registry.imageManifest(repository, digest, auth));
    if (manifest) {
      return {
        where: 'registry',
        image: { registry, repository, digest: manifest.digest, platform, sizeBytes: manifest.blobBytes },
        config: manifest.config,
      };
    }
  }
  return { where: 'nowhere' };
}

/** The digest of an image with the build key that one of the tags holds (rule 3 keeps that tag, or points the others at it). */
function sameInputsDigest(steps: TagStep[]): string | undefined {
  for (const step of steps) if (step.action === 'keep' || step.action === 'point') return step.digest;
  return undefined;
}

/** Brings the registry image an image.json names into the engine, by digest (smoke-test runs it), unless the engine holds it already. */
export async function pullRegistryImage(
  image: ImageHandoff,
  clients: PushClients,
  access: RegistryAccess,
  log: (line: string) => void,
): Promise<void> {
  const source = image.registryImage;
  if (!source || (await clients.docker.inspectImage(image.imageId))) return;
  const auth = await clients.registry.credentials(source.registry, access);
  log(`Pulling ${source.repository}@${source.digest}, built from the same inputs elsewhere...`);
  await clients.docker.pullImage(`${source.repository}@${source.digest}`, auth, log);
}
