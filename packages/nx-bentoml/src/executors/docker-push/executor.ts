import { type ExecutorContext, logger } from '@nx/devkit';
import { writeHandoff } from '../../lib/chain/handoff-files';
import { pushImage } from '../../lib/chain/image-push';
import { type DockerClient, createDockerClient } from '../../lib/docker/client';
import { writeOutputDirectory } from '../../lib/outputs';
import { type RegistryClient, createRegistryClient } from '../../lib/registry/client';
import { pushRegistries } from '../../lib/registry/reference';
import { configuredTargetName } from '../shared/configured-targets';
import { resolveOption } from '../shared/executor-context';
import { readImageHandoff } from '../shared/handoffs';
import { pushAttestation } from '../shared/attestation';
import { projectIdentity } from '../shared/project-images';
import { runExecutor } from '../shared/run-executor';
import type { DockerPushExecutorSchema } from './schema';

/**
 * Pushes the image containerize built to each registry, tag by tag, as reuse rule 3 plans it, and records the digests;
 * with NX_BENTOML_SIGNING_KEY, attaches the signed SBOM, provenance and gate result to each digest.
 */
export default async function dockerPushExecutor(
  options: DockerPushExecutorSchema,
  context: ExecutorContext,
  docker: DockerClient = createDockerClient(),
  registry: RegistryClient = createRegistryClient(),
  /** The wait before each retry; by default 1 s, doubling. */
  retryDelayMs?: (attempt: number) => number,
) {
  return runExecutor(async () => {
    const { image, containerizeTarget } = readImageHandoff(options.imagePath, context);
    const registries = pushRegistries(options, image.imageName, configuredTargetName(context, 'docker-push'));
    await docker.ping();
    const owner = await projectIdentity(context);
    const attest = await pushAttestation(options, context, image, docker);
    const { imageSizeBytes, pushed } = await pushImage(
      {
        image,
        registries,
        access: options,
        force: options.force,
        retries: options.retries,
        retryDelayMs,
        containerizeTarget,
        owner,
        attest,
      },
      { docker, registry },
      logger,
    );
    await writeOutputDirectory(resolveOption(options.outputPath, context), async (dir) =>
      writeHandoff('push', dir, { imageName: image.imageName, imageId: image.imageId, imageSizeBytes, pushed }),
    );
    return { success: true };
  });
}
