import { type ExecutorContext, logger } from '@nx/devkit';
import { type PlanHandoff, readHandoff, writeHandoff } from '../../lib/chain/handoff-files';
import { imageIdentity } from '../../lib/chain/image-identity';
import { planPublish } from '../../lib/chain/publish-plan';
import { readSourceInfo } from '../../lib/chain/source-info';
import { type DockerClient, createDockerClient } from '../../lib/docker/client';
import { writeOutputDirectory } from '../../lib/outputs';
import { type RegistryClient, createRegistryClient } from '../../lib/registry/client';
import { pushRegistries } from '../../lib/registry/reference';
import { formatBytes } from '../../lib/text-table';
import type { ContainerizeExecutorSchema } from '../containerize/schema';
import type { DockerPushExecutorSchema } from '../docker-push/schema';
import { chainTargetOptions, configuredTargetName } from '../shared/configured-targets';
import { resolveOption } from '../shared/executor-context';
import { projectIdentity } from '../shared/project-images';
import { runExecutor } from '../shared/run-executor';
import type { PlanExecutorSchema } from './schema';

/** Says what publish would do for this project, from its Bento's build key and what the engine and registries hold; changes nothing. */
export default async function planExecutor(
  options: PlanExecutorSchema,
  context: ExecutorContext,
  docker: DockerClient = createDockerClient(),
  registry: RegistryClient = createRegistryClient(),
) {
  return runExecutor(async () => {
    const bento = readHandoff('bento', {
      dir: resolveOption(options.bentoPath, context),
      workspaceRoot: context.root,
      producer: configuredTargetName(context, 'bento-build'),
    });
    const containerizeTarget = configuredTargetName(context, 'containerize');
    const pushTarget = configuredTargetName(context, 'docker-push');
    const push = { ...chainTargetOptions<DockerPushExecutorSchema>(context, 'docker-push'), ...definedOnly(options) };
    const identity = imageIdentity(
      bento,
      chainTargetOptions<ContainerizeExecutorSchema>(context, 'containerize'),
      await readSourceInfo(context.root),
      context.projectName,
      new Date(),
    );
    await docker.ping();
    const plan = await planPublish(
      {
        ...identity,
        bento,
        containerizeTarget,
        owner: await projectIdentity(context),
        registries: pushRegistries(push, identity.imageName, pushTarget),
        access: push,
      },
      { docker, registry },
    );
    await writeOutputDirectory(resolveOption(options.outputPath, context), async (dir) => writeHandoff('plan', dir, plan));
    if (options.json) process.stdout.write(`${JSON.stringify(plan)}\n`);
    else logger.info(describePlan(plan));
    return { success: true };
  });
}

/** One sentence per project: what publish would do and what it would upload. */
export function describePlan(plan: PlanHandoff): string {
  const where = plan.registries.map((registry) => registry.repository).join(', ');
  const written = plan.registries.flatMap((registry) =>
    registry.tags.filter((tag) => tag.action !== 'keep').map((tag) => `${registry.repository}:${tag.tag}`),
  );
  switch (plan.action) {
    case 'build':
      return `${plan.project}: build. No image built from ${plan.bentoTag} in the engine or ${where}; at least ${formatBytes(plan.pushBytes)} to push (the Bento; its models and packages come on top).`;
    case 'push':
      return `${plan.project}: push. The engine holds the image of ${plan.bentoTag}; up to ${formatBytes(plan.pushBytes)} to push to ${written.join(', ')}.`;
    case 'tag':
      return (
        `${plan.project}: tag only. A registry holds the image of ${plan.bentoTag}: no build; writes ${written.join(', ')} in the registries` +
        (plan.pushBytes ? `, copying up to ${formatBytes(plan.pushBytes)} between them.` : ', 0 B to push.')
      );
    case 'up-to-date':
      return `${plan.project}: up to date. Every tag in ${where} holds the image of ${plan.bentoTag}; nothing to push.`;
  }
}

/** The plan's own registry options, where given, over docker-push's. */
function definedOnly({ registry, registries, username, passwordEnv }: PlanExecutorSchema): Partial<DockerPushExecutorSchema> {
  return Object.fromEntries(Object.entries({ registry, registries, username, passwordEnv }).filter(([, value]) => value !== undefined));
}
