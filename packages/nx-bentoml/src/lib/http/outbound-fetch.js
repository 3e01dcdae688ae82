// How nx-bentoml's own requests (the registries' Distribution API, the Hugging Face hub) leave
// this machine: through the proxy HTTP_PROXY / HTTPS_PROXY names, NO_PROXY's hosts excepted, as
// curl, pip, uv and huggingface_hub go; with neither set, Node's own fetch, exactly as before.
// Node's fetch reads these variables only from Node 22.21 with NODE_USE_ENV_PROXY=1, so undici's
// EnvHttpProxyAgent (the same fetch, with a dispatcher) does it on every Node the plugin supports.
// Plain CommonJS: the Hugging Face model resolver runs it with Node alone.

/** A proxy variable's value and its name; the lowercase form first, as curl and undici read them. */
function proxyVariable(env, name) {
  const lower = name.toLowerCase();
  if (env[lower]) return { name: lower, value: env[lower] };
  if (env[name]) return { name, value: env[name] };
  return undefined;
}

/** The proxies the environment names, or undefined when requests go direct. */
function proxySettings(env = process.env) {
  const http = proxyVariable(env, 'HTTP_PROXY');
  const https = proxyVariable(env, 'HTTPS_PROXY');
  if (!http && !https) return undefined;
  const noProxy = env.no_proxy ?? env.NO_PROXY ?? '';
  // undici sends https through HTTP_PROXY when HTTPS_PROXY is unset; the message names the one used.
  return { http, https: https ?? http, noProxy };
}

/** A proxy URL without its user:password, so that it can be printed; "proxy:3128" is http://proxy:3128, as curl reads it. */
function withScheme(value) {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
}
function printableProxy(value) {
  try {
    const url = new URL(withScheme(value));
    return `${url.protocol}//${url.host}`;
  } catch {
    return undefined;
  }
}

/** A request the proxy would not carry; the message says which proxy (never its credentials) and what to do. */
class ProxyFailure extends Error {
  constructor(reason, target, variable) {
    super(
      `The request to ${target} goes through ${reason}. Check ${variable} (the proxy's address, http://user:password@host:port ` +
        `when it asks for credentials), or list the host in NO_PROXY to reach it directly, then run again.`,
    );
    this.name = 'ProxyFailure';
    /** One line for the model resolver: which proxy, and what it did. */
    this.reason = reason;
  }
}

// The connection-level failures that, for a proxied request, can only be the proxy's: it is the one host connected to.
const connectFailures = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);

/** The proxy's part in a failed request, or undefined when the failure is the target's (or the request went direct). */
function proxyFailure(error, target, proxy) {
  const cause = error && error.cause;
  const message = (cause && cause.message) || '';
  const status = /Proxy Authentication Required \((\d{3})\)|Proxy response \((\d{3})\)/.exec(message);
  const named = `the proxy ${printableProxy(proxy.value)} (${proxy.name})`;
  if (status) {
    const code = status[1] || status[2];
    const what = code === '407' ? '407 Proxy Authentication Required: it wants credentials, or refused the ones given' : code;
    return new ProxyFailure(`${named}, which answered HTTP ${what}`, target, proxy.name);
  }
  const proxyUrl = new URL(withScheme(proxy.value));
  const host = proxyUrl.hostname.replace(/^\[|\]$/g, '');
  const atProxy =
    cause &&
    (cause.hostname === host ||
      (cause.address === host && String(cause.port) === (proxyUrl.port || (proxyUrl.protocol === 'https:' ? '443' : '80'))));
  if (cause && connectFailures.has(cause.code) && atProxy)
    return new ProxyFailure(`${named}, which cannot be reached (${cause.code})`, target, proxy.name);
  return undefined;
}

/**
 * The fetch for nx-bentoml's own requests under `env`: Node's fetch when no proxy is named, else
 * undici's through EnvHttpProxyAgent. Plain http:// targets are forwarded (absolute-form, as curl
 * does; many proxies allow CONNECT to port 443 only), https:// ones tunnelled with CONNECT. A
 * failure that is the proxy's rejects with ProxyFailure.
 */
function outboundFetch(env = process.env) {
  const settings = proxySettings(env);
  if (!settings) return fetch;
  let proxied;
  return async (input, init) => {
    const target = new URL(input.url ?? input);
    // Undefined for an http:// target when only HTTPS_PROXY is set: it goes direct.
    const proxy = target.protocol === 'https:' ? settings.https : settings.http;
    if (proxy && !printableProxy(proxy.value)) {
      throw new ProxyFailure(`the proxy ${proxy.name} names, which is not a URL`, target.origin, proxy.name);
    }
    if (!proxied) {
      const { EnvHttpProxyAgent, fetch: undiciFetch } = require('undici');
      // Every value given, so that undici reads nothing from process.env itself.
      const dispatcher = new EnvHttpProxyAgent({
        httpProxy: settings.http ? withScheme(settings.http.value) : '',
        httpsProxy: withScheme(settings.https.value),
        noProxy: settings.noProxy,
        proxyTunnel: false,
      });
      proxied = (request, options) => undiciFetch(request, { ...options, dispatcher });
    }
    try {
      return await proxied(input, init);
    } catch (error) {
      throw (proxy && proxyFailure(error, target.origin, proxy)) ?? error;
    }
  };
}

module.exports = { outboundFetch, proxySettings, ProxyFailure };
