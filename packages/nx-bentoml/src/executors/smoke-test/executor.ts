import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { type ImageHandoff, writeHandoff } from '../../lib/chain/handoff-files';
import { type Signer, signerFromEnvironment } from '../../lib/attest/signer';
import { gateNeed } from '../../lib/chain/image-push';
import { type DockerClient, createDockerClient } from '../../lib/docker/client';
import { UserError, isUserError } from '../../lib/errors';
import { type CheckedRequest, checkSmokeRequests } from '../../lib/smoke/service-checks';
import { writeOutputDirectory } from '../../lib/outputs';
import { readSmokeTestFile } from '../../lib/smoke/smoke-test-file';
import { type RegistryClient, createRegistryClient } from '../../lib/registry/client';
import { pushRegistries } from '../../lib/registry/reference';
import { configuredTargetName } from '../shared/configured-targets';
import { resolveOption } from '../shared/executor-context';
import { gatedPush, pushInThisRun } from '../shared/gated-push';
import { pullRegistryImage } from '../../lib/chain/image-location';
import type { RegistryAccess } from '../../lib/registry/credentials';
import { gateOutputDir, readImageHandoff } from '../shared/handoffs';
import { runExecutor } from '../shared/run-executor';
import { projectIdentity } from '../shared/project-images';
import { startContainer, waitForService, withContainer } from './container-scope';
import type { SmokeTestExecutorSchema } from './schema';

export default async function smokeTestExecutor(
  options: SmokeTestExecutorSchema,
  context: ExecutorContext,
  docker: DockerClient = createDockerClient(),
  /** For the gate's look at what the push would do. */
  registry: RegistryClient = createRegistryClient(),
) {
  return runExecutor(async () => {
    const { image, containerizeTarget } = readImageHandoff(options.imagePath, context);
    const gate = gatedPush(context);
    // Credentials for pulling an image containerize found in a registry: the push's, as for its reads.
    const clients = { docker, registry, access: (gate ?? pushInThisRun(context))?.options ?? {} };
    if (!gate) return smokeTest(options, context, clients, image);
    if (gate.options.gate === false) {
      logger.info(`The gate is off (gate: false): ${gate.target} pushes without a smoke test.`);
      return { success: true };
    }
    await docker.ping();
    const registries = pushRegistries(gate.options, image.imageName, gate.target);
    const owner = await projectIdentity(context);
    const push = { image, registries, access: gate.options, force: gate.options.force, containerizeTarget, owner };
    // With a signing key, only a passed gate statement that key signed counts as the gate's record.
    const signer = signerFromEnvironment();
    const { need, unrecorded } = await gateNeed(push, { docker, registry }, signer);
    const skipped = unrecorded.length ? undefined : whyNotTested(need, gate.target, signer);
    if (skipped) {
      logger.info(skipped);
      return { success: true };
    }
    logger.info(
      unrecorded.length
        ? `Testing the image before ${gate.target}, although a registry already holds it: ${unrecorded.join('; ')}. ${gate.target} then attaches the signed gate statement.`
        : `Testing the image before ${gate.target} pushes it (the gate; --gate=false pushes without it).`,
    );
    return smokeTest(options, context, clients, image).catch((error: Error) => {
      if (!isUserError(error)) throw error;
      throw new UserError(
        `${error.message}\nThe gate before ${gate.target} stopped the push: nothing was pushed and no tag moved. ` +
          `Fix the service (nx run ${context.projectName}:${configuredTargetName(context, 'serve')} runs it locally), or pass --gate=false to push without the smoke test.`,
      );
    });
  });
}

/** Why the gate need not test the image the registry holds, or undefined for a new one: its record is that image, or with a key the statement. */
function whyNotTested(need: 'new' | 'published' | 'nothing', target: string, signer: Signer | undefined): string | undefined {
  const signed = signer && `with a passed gate statement signed by key ${signer.keyId.slice(0, 12)}`;
  if (need === 'nothing')
    return `Every tag already holds this image${signed ? `, ${signed}` : ''}: ${target} has nothing to push, so the gate does not test it again.`;
  if (need === 'published')
    return `A registry already holds this image's build key, ${signed ?? 'pushed after its gate passed'}: ${target} only writes tags, so the gate does not test it again.`;
  return undefined;
}

/** Runs the image (pulled by digest when containerize found it in a registry), waits until it is ready and checks the sample requests. */
async function smokeTest(
  options: SmokeTestExecutorSchema,
  context: ExecutorContext,
  { docker, registry, access }: { docker: DockerClient; registry: RegistryClient; access: RegistryAccess },
  image: ImageHandoff,
) {
  const samplePath = options.sampleRequest ? resolveOption(options.sampleRequest, context) : undefined;
  const shownPath = samplePath && relative(context.root, samplePath);
  // Checked before the container starts: a mistake in the file costs no image start.
  const requests = samplePath && existsSync(samplePath) ? readSmokeTestFile(samplePath, shownPath as string) : undefined;
  await docker.ping();
  await pullRegistryImage(image, { docker, registry }, access, (line) => logger.info(line));

  logger.info(`Starting ${image.imageName}:${image.tags[0]}...`);
  const published = { port: options.port ?? 0, publishAddress: options.publishAddress };
  const container = await startContainer(docker, image.imageId, published, context.projectName ?? 'unknown');
  return withContainer(container, async () => {
    const baseUrl = container.url;
    await waitForService(container, baseUrl, (options.readinessTimeoutSeconds ?? 120) * 1000);
    logger.info(`The service is ready on ${baseUrl}.`);
    let checked: CheckedRequest[] = [];
    if (requests) {
      checked = await checkSmokeRequests(baseUrl, requests, shownPath as string, (line) => logger.info(line));
    } else {
      logger.info(`No sample request${shownPath ? ` at ${shownPath}` : ''}; checked readiness only.`);
    }
    // The result docker-push signs as the gate's statement, for this image's build key only.
    await writeOutputDirectory(resolveOption(options.outputPath ?? gateOutputDir, context), async (dir) =>
      writeHandoff('gate', dir, { imageId: image.imageId, buildKey: image.buildKey, passed: true, requests: checked }),
    );
    return { success: true };
  });
}
