import type { BentoHandoff, ImageHandoff, PlanHandoff } from './handoff-files';
import type { WantedImage } from './image-location';
import { locateImage } from './image-location';
import { type PushClients, describeImage, planRegistries } from './image-push';

type PlannedTag = PlanHandoff['registries'][number]['tags'][number];

/**
 * What publishing one project would do, found as containerize and docker-push would find it
 * (reuse rules 2 and 3: the engine, then the registries), with nothing built, pulled or pushed.
 */
export async function planPublish(
  wanted: WantedImage & { bento: BentoHandoff; containerizeTarget: string },
  clients: PushClients,
): Promise<PlanHandoff> {
  const { bento, imageName, tags, buildKey } = wanted;
  const plan = { project: wanted.owner.project, imageName, bentoTag: bento.tag, buildKey };
  const location = await locateImage(wanted, clients);
  if (location.where === 'nowhere') {
    // A new image: every tag is pushed. Its size is known once built; the Bento is the part every build adds.
    const registries = wanted.registries.map((registry) => ({
      registry,
      repository: `${registry}/${imageName}`,
      tags: tags.map((tag): PlannedTag => ({ tag, action: 'push' })),
    }));
    return { ...plan, action: 'build', pushBytes: bento.sizeBytes, registries };
  }
  const image: ImageHandoff =
    location.where === 'engine'
      ? { imageId: location.image.id, imageName, tags, bentoTag: bento.tag, built: false, buildKey }
      : { imageId: location.config, imageName, tags, bentoTag: bento.tag, built: false, buildKey, registryImage: location.image };
  const push = {
    image,
    registries: wanted.registries,
    access: wanted.access,
    containerizeTarget: wanted.containerizeTarget,
    owner: wanted.owner,
  };
  const { sizeBytes, local, source } = await describeImage(clients.docker, image, wanted.containerizeTarget, wanted.owner);
  const planned = (await planRegistries(push, clients.registry, local)).map(({ registry, repository, steps }) => ({
    registry,
    repository,
    tags: steps.map((step): PlannedTag => {
      if (step.action === 'keep' || step.action === 'point') return { tag: step.tag, action: step.action };
      // In the repository that holds it, a tag is written from the manifest alone; another gets it copied, or pushed from the engine.
      if (source) return { tag: step.tag, action: repository === source.repository ? 'point' : 'copy' };
      return { tag: step.tag, action: 'push' };
    }),
  }));
  const actions = planned.flatMap((registry) => registry.tags.map((tag) => tag.action));
  // Each registry that lacks the image receives it once, whatever its number of tags.
  const receiving = planned.filter((registry) => registry.tags.some((tag) => tag.action === 'push' || tag.action === 'copy')).length;
  const action = actions.every((step) => step === 'keep') ? 'up-to-date' : actions.includes('push') ? 'push' : 'tag';
  return { ...plan, action, pushBytes: receiving * sizeBytes, registries: planned };
}
