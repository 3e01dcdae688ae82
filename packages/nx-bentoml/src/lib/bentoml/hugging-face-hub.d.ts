// Types of hugging-face-hub.js, a plain CommonJS module so that Node runs it without a build.

/** HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) is set: the hub is never asked. */
export function huggingFaceOffline(env?: Record<string, string | undefined>): boolean;
/** HF_ENDPOINT without its trailing "/", else https://huggingface.co; any user:password@ left out. */
export function huggingFaceEndpoint(env?: Record<string, string | undefined>): string;
/** The token huggingface_hub sends: HF_TOKEN, else the file `hf auth login` wrote. */
export function huggingFaceToken(env?: Record<string, string | undefined>, home?: string): string | undefined;
/** HF_HUB_ETAG_TIMEOUT (seconds, default 10) in milliseconds. */
export function hubTimeoutMs(env?: Record<string, string | undefined>): number;
/** The hub's answer to "which commit is this revision": the commit, a refusal, or why it could not be asked. */
export type HubAnswer = { commit: string } | { status: number; errorCode: string } | { unreachable: string };
export function askHubForCommit(request: {
  endpoint: string;
  repository: string;
  revision: string;
  token?: string;
  timeoutMs: number;
  /** Where HTTP_PROXY, HTTPS_PROXY and NO_PROXY are read; process.env by default. */
  env?: Record<string, string | undefined>;
}): Promise<HubAnswer>;
