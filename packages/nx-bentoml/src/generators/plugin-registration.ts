import { type Tree, readNxJson } from '@nx/devkit';
import { type NormalizedPluginOptions, normalizePluginOptions } from '../plugins/options';

export const pluginName = 'nx-bentoml';

type PluginEntry = NonNullable<NonNullable<ReturnType<typeof readNxJson>>['plugins']>[number];

export function findPluginEntry(tree: Tree): PluginEntry | undefined {
  return readNxJson(tree)?.plugins?.find((entry) => (typeof entry === 'string' ? entry : entry.plugin) === pluginName);
}

/** The plugin's options as registered in nx.json (defaults when it is not registered yet). */
export function readRegisteredOptions(tree: Tree): NormalizedPluginOptions {
  const entry = findPluginEntry(tree);
  return normalizePluginOptions(typeof entry === 'object' ? entry.options : undefined);
}
