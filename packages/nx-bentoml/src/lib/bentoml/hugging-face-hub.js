// How this machine reaches the Hugging Face hub, read from the environment as huggingface_hub
// reads it (constants.py, utils/_auth.py), and the one request that turns a revision into its
// commit: the one BentoML's HuggingFaceModel makes at build time (HfApi.model_info).
// Plain CommonJS: the Nx runtime input runs it with Node alone.
const { readFileSync } = require('node:fs');
const { homedir } = require('node:os');
const { join } = require('node:path');
const { outboundFetch } = require('../http/outbound-fetch.js');
const { expandHome } = require('./hugging-face-cache.js');

const defaultEndpoint = 'https://huggingface.co';
// huggingface_hub's DEFAULT_ETAG_TIMEOUT, the time it gives its own metadata requests.
const defaultTimeoutSeconds = 10;

/** huggingface_hub's _is_true. */
const isTrue = (value) => ['1', 'ON', 'YES', 'TRUE'].includes((value || '').toUpperCase());

/** HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE): the hub is never asked, the local cache is all there is. */
function huggingFaceOffline(env = process.env) {
  return isTrue(env.HF_HUB_OFFLINE || env.TRANSFORMERS_OFFLINE);
}

/** HF_ENDPOINT without its trailing "/", else the public hub; any user:password@ left out, so it can be printed. */
function huggingFaceEndpoint(env = process.env) {
  const endpoint = (env.HF_ENDPOINT || defaultEndpoint).replace(/\/+$/, '');
  try {
    const url = new URL(endpoint);
    if (!url.username && !url.password) return endpoint;
    url.username = '';
    url.password = '';
    return url.href.replace(/\/+$/, '');
  } catch {
    return endpoint;
  }
}

/**
 * The token huggingface_hub sends: HF_TOKEN (or HUGGING_FACE_HUB_TOKEN), else the file `hf auth
 * login` wrote (HF_TOKEN_PATH, else HF_HOME/token); none with HF_HUB_DISABLE_IMPLICIT_TOKEN.
 */
function huggingFaceToken(env = process.env, home = homedir()) {
  if (isTrue(env.HF_HUB_DISABLE_IMPLICIT_TOKEN)) return undefined;
  const clean = (token) => (token || '').replace(/[\r\n]/g, '').trim() || undefined;
  const fromEnvironment = clean(env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN);
  if (fromEnvironment) return fromEnvironment;
  const hfHome = env.HF_HOME || join(env.XDG_CACHE_HOME || join(home, '.cache'), 'huggingface');
  try {
    return clean(readFileSync(expandHome(env.HF_TOKEN_PATH || join(expandHome(hfHome, home), 'token'), home), 'utf8'));
  } catch {
    return undefined;
  }
}

/** HF_HUB_ETAG_TIMEOUT in milliseconds, as huggingface_hub bounds its metadata requests. */
function hubTimeoutMs(env = process.env) {
  const seconds = Number.parseInt(env.HF_HUB_ETAG_TIMEOUT || '', 10);
  return (seconds > 0 ? seconds : defaultTimeoutSeconds) * 1000;
}

/**
 * One request: GET {endpoint}/api/models/{repository}/revision/{revision}, with the token as a
 * bearer when there is one, answered within the timeout, through the proxy `env` names (as
 * huggingface_hub goes). Resolves to { commit }, or { status, errorCode } when the hub refuses
 * (4xx), or { unreachable: why }. Nothing returned holds the token or the proxy's credentials.
 */
async function askHubForCommit({ endpoint, repository, revision, token, timeoutMs, env = process.env }) {
  let response;
  try {
    response = await outboundFetch(env)(`${endpoint}/api/models/${repository}/revision/${encodeURIComponent(revision)}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { unreachable: failureReason(error, timeoutMs) };
  }
  if (response.status >= 400 && response.status < 500 && response.status !== 429) {
    await response.body?.cancel();
    return { status: response.status, errorCode: response.headers.get('x-error-code') || '-' };
  }
  if (!response.ok) {
    await response.body?.cancel();
    return { unreachable: `HTTP ${response.status}` };
  }
  let sha;
  try {
    sha = (await response.json()).sha;
  } catch (error) {
    return { unreachable: error && error.name === 'TimeoutError' ? failureReason(error, timeoutMs) : 'an answer that is not JSON' };
  }
  return typeof sha === 'string' && /^[0-9a-f]{40}$/.test(sha) ? { commit: sha } : { unreachable: 'an answer without a commit sha' };
}

/** Why a request failed, in a few words on one line: the system's error code, or the timeout. */
function failureReason(error, timeoutMs) {
  if (error && error.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  if (error && error.name === 'ProxyFailure') return error.reason;
  const cause = error && error.cause;
  const why = (cause && (cause.code || cause.message)) || (error && error.message) || String(error);
  return why.replace(/\s+/g, ' ').trim();
}

module.exports = { huggingFaceOffline, huggingFaceEndpoint, huggingFaceToken, hubTimeoutMs, askHubForCommit };
