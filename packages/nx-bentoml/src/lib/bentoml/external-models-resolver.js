// Prints what the models a service takes from outside the workspace resolve to on this machine,
// one line per reference (external-models.ts builds the arguments and reads the lines back).
// Run by Nx as a runtime input and by bento-build; reads files only (importing BentoML would
// cost seconds per project on every hash), with Node's own modules.
//
// Usage: node external-models-resolver.js <project dir> <model files pattern> <skipped names, comma-separated> <ref>...
//   store:<name>:<version>  ->  "<ref> project-files" | "<ref> <name>:<version> <digest>" | "<ref> absent"
//   hf:<repository>@<rev>   ->  "<ref> <commit>" | "<ref> absent"
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, readdirSync } = require('node:fs');
const { homedir } = require('node:os');
const { join } = require('node:path');
const { huggingFaceHubCache } = require('./hugging-face-cache.js');

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
const hub = huggingFaceHubCache(process.env);
// Store models count only when the project keeps no model file: its files are its models.
const fromProjectFiles = refs.some((ref) => ref.startsWith('store:')) && holdsModelFile(projectDir, '');

for (const ref of refs) {
  const kind = ref.slice(0, ref.indexOf(':'));
  const what = ref.slice(ref.indexOf(':') + 1);
  if (kind === 'store') {
    if (fromProjectFiles) {
      console.log(ref, 'project-files');
      continue;
    }
    const [name, tag] = what.split(':');
    const version = tag === 'latest' ? readTrimmed(join(store, name, 'latest')) : tag;
    const modelYaml = version && readTrimmed(join(store, name, version, 'model.yaml'));
    const digest = modelYaml && createHash('sha256').update(modelYaml).digest('hex').slice(0, 16);
    console.log(ref, modelYaml ? `${name}:${version} ${digest}` : 'absent');
  } else {
    const [repository, revision] = what.split('@');
    const repoDir = join(hub, `models--${repository.split('/').join('--')}`);
    const commit = /^[0-9a-f]{40}/.test(revision) ? revision : readTrimmed(join(repoDir, 'refs', revision));
    console.log(ref, commit && existsSync(join(repoDir, 'snapshots', commit)) ? commit : 'absent');
  }
}
