import { UserError } from '../errors';
import { defaultPasswordEnv } from './credentials';
import { registryHostOf } from './reference';

/** A registry's answer other than the one asked for: a refusal (401, 403), an absence (404), or a failure (5xx). */
export class RegistryRefusal extends Error {
  constructor(
    readonly status: number,
    /** The repository asked about, "127.0.0.1:5000/team/app". */
    readonly repository: string,
    /** The request: the API's method and URL, or the Engine's push of a reference. */
    readonly request: { method: string; url: string } | { push: string },
    /** The registry's WWW-Authenticate on a 401: `error="insufficient_scope"` tells valid credentials short of a scope. */
    readonly challenge?: string,
  ) {
    super(`The registry answered ${status} to ${'push' in request ? `the push of ${request.push}` : `${request.method} ${request.url}`}`);
  }
}

/** A blob this client will not use: too large to hold in memory, or not the bytes its digest names. */
export class BlobRejected extends Error {
  constructor(
    readonly repository: string,
    readonly digest: string,
    /** "it is 9000000 bytes, over the 4194304 this client reads" */
    readonly reason: string,
  ) {
    super(`${repository} serves the blob ${digest}, but ${reason}`);
  }
}

/**
 * A registry that answers 400 or 415 to an artifact manifest (one with `artifactType` and `subject`,
 * the empty config) or to the referrers tag schema's image index: it stores no OCI artifacts, so no
 * signed statements.
 */
export function artifactsRefused(refusal: RegistryRefusal, alternative: string): UserError {
  const host = registryHostOf(refusal.repository);
  return new UserError(
    `The registry ${host} refused an OCI artifact manifest for ${refusal.repository} (HTTP ${refusal.status}): it cannot store signed statements ` +
      `(OCI 1.1 referrers). Upgrade it to a registry that stores OCI artifacts (distribution 2.8 or later, Harbor, GAR, ECR, GHCR), ` +
      `or ${alternative}.`,
  );
}

/** What else to do when a registry stores no artifacts, by what wrote them. */
export const artifactsAlternative = {
  attach: 'unset NX_BENTOML_SIGNING_KEY to publish there unsigned',
  carry: 'promote to a registry that stores them',
};

/** What the explanation names beside the refusal: the password variable, and the command that publishes. */
export interface ExplainHints {
  passwordEnv?: string;
  /** For a repository that does not exist yet, e.g. "nx run classifier:publish --registry=...". */
  publish?: string;
}

/**
 * The one explanation of each registry refusal, whoever met it: this client over the
 * Distribution API, or the Engine's push (see explainPushError). Says what to do next.
 */
export function explainRefusal(refusal: RegistryRefusal, hints: ExplainHints = {}): UserError {
  const { status, repository, request } = refusal;
  const host = registryHostOf(repository);
  const writes = 'push' in request || !['GET', 'HEAD'].includes(request.method);
  const subject = 'push' in request ? request.push : repository;
  const asked = 'push' in request ? '' : `, ${request.method} ${new URL(request.url).pathname.replace(/^\/v2\//, '')}`;
  const login = `Run "docker login ${host}" (or your registry's credential helper), or set NX_BENTOML_REGISTRY_USERNAME (or --username) and ${hints.passwordEnv ?? defaultPasswordEnv}, then run again.`;
  if (status === 401)
    return new UserError(`The registry ${host} refused the credentials for ${subject} (401 unauthorized${asked}). ${login}`);
  if (status === 403) {
    return new UserError(
      `The registry ${host} denied the ${writes ? 'push' : 'pull'} of ${subject} (403 forbidden${asked}): the credentials lack ${writes ? 'write' : 'read'} access to this repository. ` +
        `Grant the account ${writes ? 'push' : 'pull'} rights, or log in as one that has them. ${login}`,
    );
  }
  if (status === 404 && writes) {
    return new UserError(
      `The registry ${host} has no repository for ${subject} (404${asked}). Create the repository first (for Google Artifact Registry: gcloud artifacts repositories create).`,
    );
  }
  if (status === 404) {
    return new UserError(
      `${repository} does not exist in the registry: nothing was published under this name. Publish first${hints.publish ? ` (${hints.publish})` : ''}, or check the registry and image name.`,
    );
  }
  return new UserError(
    `The registry answered HTTP ${status} to ${asked.slice(2) || `the push of ${subject}`} for ${repository}. Try again, or check the registry's state.`,
  );
}

/** A registry refusal explained; any other error as it is. */
export function explainRegistryError(error: unknown, hints: ExplainHints = {}): unknown {
  if (error instanceof BlobRejected) {
    return new UserError(
      `${error.message}: it is no statement nx-bentoml attached. Remove the referrer that names it from ${error.repository}, or check the registry's storage.`,
    );
  }
  return error instanceof RegistryRefusal ? explainRefusal(error, hints) : error;
}

// The Engine's push reports the registry's answer as text. Status codes only as whole words: digests and sizes hold digit runs such as "401".
const unauthorized = /unauthorized|authentication required|no basic auth credentials|\b401\b/i;
const forbidden = /denied|forbidden|\b403\b/i;
const missingRepository = /not found|name unknown|\b404\b/i;
const transient =
  /connection (refused|reset)|broken pipe|\bEOF\b|i\/o timeout|timed? ?out|TLS handshake|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out|ECONNRESET|\b50[0234]\b/i;

/** Failures worth another try: the network or the registry hiccuped, nothing the user must fix. */
export function isTransientPushError(message: string): boolean {
  return transient.test(message);
}

/** The Engine's push failure (`message`) in the user's terms: a refusal as explainRefusal says it, else what happened. */
export function explainPushError(message: string, reference: string, registry: string, hints: ExplainHints = {}): UserError {
  const repository = reference.slice(0, reference.lastIndexOf(':'));
  const status = unauthorized.test(message) ? 401 : forbidden.test(message) ? 403 : missingRepository.test(message) ? 404 : undefined;
  if (status) return explainRefusal(new RegistryRefusal(status, repository, { push: reference }), hints);
  if (isTransientPushError(message) || /no such host|dial tcp/i.test(message)) {
    return new UserError(
      `Cannot reach the registry ${registry} to push ${reference}: ${message}. Check that it is up and the address is right, then run again.`,
    );
  }
  return new UserError(`Pushing ${reference} failed: ${message}`);
}
