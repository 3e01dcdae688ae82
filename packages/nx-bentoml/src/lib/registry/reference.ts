import { UserError } from '../errors';

/** What the registry option accepts: a host with an optional port and path; no scheme, no image name. */
const registryOptionPattern = /^[a-zA-Z0-9.-]+(?::\d+)?(?:\/[a-z0-9._/-]+)?$/;

/** A registry option as the chain uses it: without trailing slashes, and valid. */
export function registryOption(registry: string): string {
  const trimmed = registry.replace(/\/+$/, '');
  assertRegistry(trimmed);
  return trimmed;
}

export function assertRegistry(registry: string): void {
  if (!registryOptionPattern.test(registry)) {
    throw new UserError(
      `Invalid registry "${registry}": give a host with an optional port and path, for example "127.0.0.1:5000" or ` +
        `"europe-west6-docker.pkg.dev/my-project/my-repo" (no scheme, no image name).`,
    );
  }
}

/** docker-push's `registries` and `registry` options together, normalised, without duplicates; at least one is required. */
export function pushRegistries(options: { registry?: string; registries?: string[] }, imageName: string, pushTarget: string): string[] {
  const registries = [...new Set([...(options.registries ?? []), ...(options.registry ? [options.registry] : [])].map(registryOption))];
  if (registries.length === 0) {
    throw new UserError(
      `No registry to push ${imageName} to. Pass --registry=<host[/path]>, or set "registry" (or "registries") in the options of the ${pushTarget} target in project.json.`,
    );
  }
  return registries;
}

/** "europe-west6-docker.pkg.dev/project/repo" -> "europe-west6-docker.pkg.dev" */
export function registryHostOf(reference: string): string {
  return reference.replace(/^[a-z]+:\/\//, '').split('/')[0];
}

/** "127.0.0.1:5000/team/app:v1" -> base "http://127.0.0.1:5000", repository "team/app", tag "v1". */
export function parseReference(reference: string) {
  const host = registryHostOf(reference);
  const path = reference.slice(reference.indexOf(host) + host.length + 1);
  const colon = path.lastIndexOf(':');
  // The Engine, too, talks plain HTTP to a loopback registry and TLS to any other.
  const scheme = /^(localhost|127\.[\d.]+|\[::1\])(:\d+)?$/.test(host) ? 'http' : 'https';
  const apiHost = /^(index\.)?docker\.io$/.test(host) ? 'registry-1.docker.io' : host;
  return { base: `${scheme}://${apiHost}`, repository: path.slice(0, colon), tag: path.slice(colon + 1) };
}

/** Where the Distribution API serves one repository. */
export interface RepositoryApi {
  /** "127.0.0.1:5000/team/app", as the user names it. */
  reference: string;
  /** "http://127.0.0.1:5000" */
  base: string;
  /** "http://127.0.0.1:5000/v2/team/app" */
  url: string;
  /** "team/app" */
  name: string;
}

export function repositoryApi(repositoryReference: string): RepositoryApi {
  const { base, repository } = parseReference(`${repositoryReference}:latest`);
  return { reference: repositoryReference, base, url: `${base}/v2/${repository}`, name: repository };
}

/** A tag, or a whole digest: the registry API resolves no digest prefix. */
export function isWholeReference(reference: string): boolean {
  return !reference.startsWith('sha256:') || /^sha256:[0-9a-f]{64}$/.test(reference);
}
