// Types of outbound-fetch.js, a plain CommonJS module so that Node runs it without a build.

type Environment = Record<string, string | undefined>;

/** A proxy variable that is set: its name as found ("https_proxy" or "HTTPS_PROXY") and its value. */
export interface ProxyVariable {
  name: string;
  value: string;
}

/** The proxies the environment names (HTTPS_PROXY falling back to HTTP_PROXY, as undici does), or undefined when requests go direct. */
export function proxySettings(env?: Environment): { http?: ProxyVariable; https: ProxyVariable; noProxy: string } | undefined;

/** A request the proxy would not carry: the message names the proxy (never its credentials) and what to do. */
export class ProxyFailure extends Error {
  /** One line: which proxy, and what it did. */
  readonly reason: string;
}

/** Node's fetch when no proxy variable is set, else a fetch through the proxies (NO_PROXY honoured); the proxy's failures reject with ProxyFailure. */
export function outboundFetch(env?: Environment): typeof fetch;
