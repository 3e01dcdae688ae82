// Where the Hugging Face hub cache is on this machine, in the order BentoML's HuggingFaceModel
// and huggingface_hub look (one source for the resolver program and the plugin's messages).
// Plain CommonJS without dependencies: the Nx runtime input runs it with Node alone.
const { homedir } = require('node:os');
const { join } = require('node:path');

/**
 * The variables, first set wins; each entry the directory it names. BentoML passes
 * BENTOML_HF_CACHE_DIR as snapshot_download's cache_dir; huggingface_hub's constants.py then
 * takes HF_HUB_CACHE, its legacy HUGGINGFACE_HUB_CACHE, HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub.
 */
const lookupOrder = [
  ['BENTOML_HF_CACHE_DIR', (value) => value],
  ['HF_HUB_CACHE', (value) => value],
  ['HUGGINGFACE_HUB_CACHE', (value) => value],
  ['HF_HOME', (value) => join(value, 'hub')],
  ['XDG_CACHE_HOME', (value) => join(value, 'huggingface', 'hub')],
];

/** "~" as huggingface_hub expands it (os.path.expanduser). */
function expandHome(path, home) {
  return path === '~' || path.startsWith('~/') ? join(home, path.slice(1)) : path;
}

/** The hub cache directory for an environment. */
function huggingFaceHubCache(env = process.env, home = homedir()) {
  for (const [name, directory] of lookupOrder) {
    if (env[name]) return expandHome(directory(env[name]), home);
  }
  return join(home, '.cache', 'huggingface', 'hub');
}

/** The order in words, for messages. */
const huggingFaceHubCacheOrder =
  'BENTOML_HF_CACHE_DIR, else HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else HF_HOME/hub, ' +
  'else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub';

module.exports = { huggingFaceHubCache, huggingFaceHubCacheOrder, expandHome };
