import { type GeneratorCallback, type Tree, formatFiles, readNxJson, updateNxJson } from '@nx/devkit';
import { normalizePluginOptions, targetNameOptions } from '../../plugins/options';
import { findPluginEntry, pluginName } from '../plugin-registration';
import type { InitGeneratorSchema } from './schema';

// Build outputs and Python byproducts that must not reach git (dist/ also holds exported Bentos).
const ignoredPaths = ['/dist', '__pycache__/', '.venv/'];

export async function initGenerator(tree: Tree, schema: InitGeneratorSchema): Promise<GeneratorCallback> {
  const { skipFormat, keepExistingVersions: _ignored, ...targetNames } = schema;
  const options = normalizePluginOptions(targetNames);

  if (!findPluginEntry(tree)) {
    const nxJson = readNxJson(tree) ?? {};
    const names = Object.fromEntries(targetNameOptions.map((name) => [name, options[name]]));
    nxJson.plugins = [...(nxJson.plugins ?? []), { plugin: pluginName, options: names }];
    updateNxJson(tree, nxJson);
  }
  addGitignoreEntries(tree, ignoredPaths);

  if (!skipFormat) await formatFiles(tree);
  return () => undefined;
}

function addGitignoreEntries(tree: Tree, entries: string[]) {
  const current = tree.read('.gitignore', 'utf-8') ?? '';
  const bare = (line: string) => line.trim().replace(/^\/|\/$/g, '');
  const present = new Set(current.split(/\r?\n/).map(bare));
  const missing = entries.filter((entry) => !present.has(bare(entry)));
  if (missing.length === 0) return;
  const separator = current && !current.endsWith('\n') ? '\n' : '';
  tree.write('.gitignore', `${current}${separator}\n# nx-bentoml\n${missing.join('\n')}\n`);
}

export default initGenerator;
