import { UserError } from '../errors';

// Status codes only as whole words: digests and sizes in a message hold digit runs such as "401".
const unauthorized = /unauthorized|authentication required|no basic auth credentials|\b401\b/i;
const forbidden = /denied|forbidden|\b403\b/i;
const missingRepository = /not found|name unknown|\b404\b/i;
const transient =
  /connection (refused|reset)|broken pipe|\bEOF\b|i\/o timeout|timed? ?out|TLS handshake|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out|ECONNRESET|\b50[0234]\b/i;

/** Failures worth another try: the network or the registry hiccuped, nothing the user must fix. */
export function isTransientPushError(message: string): boolean {
  return transient.test(message);
}

/** Turns a registry's answer into what the user should do about it. */
export function explainPushError(message: string, reference: string, registry: string): UserError {
  if (unauthorized.test(message)) {
    return new UserError(
      `The registry ${registry} refused the credentials for ${reference} (401 unauthorized). Run "docker login ${registry}" ` +
        `(or your registry's credential helper), or set NX_BENTOML_REGISTRY_USERNAME and NX_BENTOML_REGISTRY_PASSWORD.`,
    );
  }
  if (forbidden.test(message)) {
    return new UserError(
      `The registry ${registry} denied the push of ${reference} (403): the account has no write access to this repository. Grant it push rights.`,
    );
  }
  if (missingRepository.test(message)) {
    return new UserError(
      `The registry ${registry} has no repository for ${reference} (404). Create the repository first (for Google Artifact Registry: gcloud artifacts repositories create).`,
    );
  }
  if (isTransientPushError(message) || /no such host|dial tcp/i.test(message)) {
    return new UserError(
      `Cannot reach the registry ${registry} to push ${reference}: ${message}. Check that it is up and the address is right, then run again.`,
    );
  }
  return new UserError(`Pushing ${reference} failed: ${message}`);
}
