// Prints what the models a service takes from outside the workspace resolve to on this machine,
// one line per reference (external-models.ts builds the arguments and reads the lines back).
// Run by Nx as a runtime input and by bento-build, with Node's own modules: it reads BentoML's
// store and the Hugging Face cache as files (importing BentoML would cost seconds per project on
// every hash), and asks the Hugging Face hub one request per model whose revision is not a commit.
//
// Usage: node external-models-resolver.js <project dir> <model files pattern> <skipped names, comma-separated> <ref>...
//   store:<name>:<version>  ->  "<ref> project-files" | "<ref> <name>:<version> <digest>" | "<ref> absent"
//   hf:<repository>@<rev>   ->  "<ref> <commit> <endpoint>"
//                             | offline (HF_HUB_OFFLINE): "<ref> absent" when the local cache lacks it
//                             | online: "<ref> refused <endpoint> <status> <error code> token|no-token"
//                                     | "<ref> unreachable <endpoint> <why>"
// The endpoint is in the line because the Bento records it; the token never is.
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, readdirSync } = require('node:fs');
const { homedir } = require('node:os');
const { join } = require('node:path');
const { huggingFaceHubCache } = require('./hugging-face-cache.js');
const { askHubForCommit, huggingFaceEndpoint, huggingFaceOffline, huggingFaceToken, hubTimeoutMs } = require('./hugging-face-hub.js');

const [projectDir, pattern, skipped, ...refs] = process.argv.slice(2);
const skip = new Set(skipped.split(',').filter(Boolean));
const modelFile = new RegExp(`^(?:${pattern})$`);

/** Whether a file under `dir` (relative path `prefix`) matches the model files pattern. */
function holdsModelFile(dir, prefix) {
  let entries = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    // An unreadable or missing directory holds no model file.
  }
  return entries.some((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return !skip.has(entry.name) && holdsModelFile(join(dir, entry.name), path);
    return modelFile.test(path);
  });
}

function readTrimmed(path) {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

const store = join(process.env.BENTOML_HOME || join(homedir(), 'bentoml'), 'models');
const hubCache = huggingFaceHubCache(process.env);
// Store models count only when the project keeps no model file: its files are its models.
const fromProjectFiles = refs.some((ref) => ref.startsWith('store:')) && holdsModelFile(projectDir, '');

const hubCommit = /^[0-9a-f]{40}$/;
const endpoint = huggingFaceEndpoint(process.env);
const offline = huggingFaceOffline(process.env);

/** A store model's line: the version "latest" names and a digest of its model.yaml. */
function storeLine(what) {
  if (fromProjectFiles) return 'project-files';
  const [name, tag] = what.split(':');
  const version = tag === 'latest' ? readTrimmed(join(store, name, 'latest')) : tag;
  const modelYaml = version && readTrimmed(join(store, name, version, 'model.yaml'));
  const digest = modelYaml && createHash('sha256').update(modelYaml).digest('hex').slice(0, 16);
  return modelYaml ? `${name}:${version} ${digest}` : 'absent';
}

/** Offline, the commit the local cache holds for the revision, as huggingface_hub finds it there. */
function cachedLine(repository, revision) {
  const repoDir = join(hubCache, `models--${repository.split('/').join('--')}`);
  const commit = hubCommit.test(revision) ? revision : readTrimmed(join(repoDir, 'refs', revision));
  return commit && existsSync(join(repoDir, 'snapshots', commit)) ? `${commit} ${endpoint}` : 'absent';
}

/** Online, the hub's commit for the revision; a commit needs no request (BentoML fetches its files when the image is built). */
async function hubLine(repository, revision) {
  if (hubCommit.test(revision)) return `${revision} ${endpoint}`;
  const token = huggingFaceToken(process.env);
  const answer = await askHubForCommit({ endpoint, repository, revision, token, timeoutMs: hubTimeoutMs(process.env) });
  if ('commit' in answer) return `${answer.commit} ${endpoint}`;
  if ('status' in answer) return `refused ${endpoint} ${answer.status} ${answer.errorCode} ${token ? 'token' : 'no-token'}`;
  return `unreachable ${endpoint} ${answer.unreachable}`;
}

async function main() {
  // Every hub request at once: a service's models cost one timeout at most.
  const lines = refs.map((ref) => {
    const kind = ref.slice(0, ref.indexOf(':'));
    const what = ref.slice(ref.indexOf(':') + 1);
    if (kind === 'store') return storeLine(what);
    const [repository, revision] = what.split('@');
    return offline ? cachedLine(repository, revision) : hubLine(repository, revision);
  });
  const answers = await Promise.all(lines);
  refs.forEach((ref, index) => console.log(ref, answers[index]));
}

main();
