import type { ExecutorContext } from '@nx/devkit';
import { hasHandoff, readHandoff } from '../lib/chain/handoff-files';
import type { RegistryReadError } from '../lib/docker/registry-api';
import { UserError } from '../lib/errors';
import { resolveOption } from './shared/executor-context';
import { registryOption } from '../lib/names';
import { configuredTargetName } from './shared/configured-targets';

/**
 * The registry repository a registry-side target (versions, promote) works on: the registry
 * option, else the first registry of the docker-push target's options; the image name option,
 * else the name containerize gave the image.
 */
export function registryRepository(
  options: { registry?: string; imageName?: string; imagePath: string },
  context: ExecutorContext,
): { registry: string; imageName: string; repository: string } {
  const imageName = options.imageName ?? imageNameOf(options.imagePath, context);
  const registry = registryOption(registryOf(options.registry, context));
  return { registry, imageName, repository: `${registry}/${imageName}` };
}

function imageNameOf(imagePath: string, context: ExecutorContext): string {
  const dir = resolveOption(imagePath, context);
  const containerize = configuredTargetName(context, 'containerize');
  if (!hasHandoff('image', dir)) {
    throw new UserError(
      `No image name to look up: pass --imageName=<name>, or run the ${containerize} target once so that it records the image's name.`,
    );
  }
  return readHandoff('image', { dir, workspaceRoot: context.root, producer: containerize }).imageName;
}

function registryOf(registry: string | undefined, context: ExecutorContext): string {
  if (registry) return registry;
  const push = configuredTargetName(context, 'docker-push');
  const pushOptions = context.projectsConfigurations?.projects[context.projectName!]?.targets?.[push]?.options ?? {};
  const configured = pushOptions.registry ?? pushOptions.registries?.[0];
  if (typeof configured === 'string' && configured) return configured;
  throw new UserError(
    `No registry to use: pass --registry=<host[/path]>, or set "registry" in the options of the ${push} target in project.json.`,
  );
}

/** A registry's refusal in the user's terms: what was asked, and what to do. */
export function explainRegistryError(
  error: RegistryReadError,
  repository: string,
  context: ExecutorContext,
  passwordEnv = 'NX_BENTOML_REGISTRY_PASSWORD',
): UserError {
  const what = `${error.method} ${new URL(error.url).pathname.replace(/^\/v2\//, '')}`;
  if (error.status === 404) {
    return new UserError(
      `${repository} does not exist in the registry: nothing was published under this name. Publish first (nx run ${context.projectName}:${configuredTargetName(context, 'publish')} --registry=...), or check the registry and image name.`,
    );
  }
  if (error.status === 401 || error.status === 403) {
    const access = error.method === 'GET' || error.method === 'HEAD' ? 'read' : 'write';
    return new UserError(
      `The registry refused ${what} (HTTP ${error.status}): the credentials for ${repository} are missing or lack ${access} access. ` +
        `Log in with docker login, or set NX_BENTOML_REGISTRY_USERNAME (or --username) and ${passwordEnv}, then run again.`,
    );
  }
  return new UserError(
    `The registry answered HTTP ${error.status} to ${what} for ${repository}. Try again, or check the registry's state.`,
  );
}
