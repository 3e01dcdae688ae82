import type { ExecutorContext } from '@nx/devkit';
import { UserError } from '../../lib/errors';
import { explainRegistryError } from '../../lib/registry/errors';
import { registryOption } from '../../lib/registry/reference';
import { chainTargetOptions, configuredTargetName } from './configured-targets';
import type { DockerPushExecutorSchema } from '../docker-push/schema';
import { handedOffImageName } from './handoffs';

/**
 * The registry repository a registry-side target (versions, promote) works on: the registry
 * option, else the first registry of the docker-push target's options; the image name option,
 * else the name containerize gave the image.
 */
export function registryRepository(
  options: { registry?: string; imageName?: string; imagePath: string },
  context: ExecutorContext,
): { registry: string; imageName: string; repository: string } {
  const imageName = options.imageName ?? handedOffImageName(options.imagePath, context);
  const registry = registryOption(registryOf(options.registry, context));
  return { registry, imageName, repository: `${registry}/${imageName}` };
}

function registryOf(registry: string | undefined, context: ExecutorContext): string {
  if (registry) return registry;
  const push = configuredTargetName(context, 'docker-push');
  const pushOptions = chainTargetOptions<DockerPushExecutorSchema>(context, 'docker-push');
  const configured = pushOptions.registry ?? pushOptions.registries?.[0];
  if (typeof configured === 'string' && configured) return configured;
  throw new UserError(
    `No registry to use: pass --registry=<host[/path]>, or set "registry" in the options of the ${push} target in project.json.`,
  );
}

/** A registry's refusal as lib/registry explains it, with this project's publish command; any other error as it is. */
export function explainRefusals(context: ExecutorContext, passwordEnv?: string): (error: unknown) => never {
  const publish = `nx run ${context.projectName}:${configuredTargetName(context, 'publish')} --registry=...`;
  return (error) => {
    throw explainRegistryError(error, { passwordEnv, publish });
  };
}
