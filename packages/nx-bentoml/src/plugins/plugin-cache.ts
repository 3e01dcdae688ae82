import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type CreateNodesResult, hashArray } from '@nx/devkit';
import { workspaceDataDirectory } from '../lib/workspace-data';
import type { BuildConfigFacts } from './build-configs';
import type { NormalizedPluginOptions } from './options';

/**
 * What the plugin remembers between runs, in one file of Nx's workspace data per set of options:
 * the targets of each build directory by a hash of everything they depend on, and the facts of
 * each build config by its key (build-configs.ts). Only entries used in a run are written back,
 * so the file does not grow forever.
 */
export interface PluginCache {
  targets: Record<string, CreateNodesResult>;
  buildConfigs: Record<string, BuildConfigFacts>;
}

// Cached targets from another version of the plugin may be inferred differently.
export const pluginVersion: string = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')).version;

export function pluginCachePath(workspaceRoot: string, options: NormalizedPluginOptions): string {
  return join(workspaceDataDirectory(workspaceRoot), `nx-bentoml-${hashArray([JSON.stringify(options)])}.hash`);
}

export function emptyPluginCache(): PluginCache {
  return { targets: {}, buildConfigs: {} };
}

export function readPluginCache(path: string): PluginCache {
  try {
    const cache = JSON.parse(readFileSync(path, 'utf8'));
    return { targets: cache.targets ?? {}, buildConfigs: cache.buildConfigs ?? {} };
  } catch {
    return emptyPluginCache();
  }
}

/** Writes `current` unless every entry was reused as read and none was dropped: the file already holds it. */
export function writePluginCache(path: string, previous: PluginCache, current: PluginCache) {
  const same = <T>(before: Record<string, T>, after: Record<string, T>) =>
    Object.keys(before).length === Object.keys(after).length && Object.entries(after).every(([key, value]) => before[key] === value);
  if (same(previous.targets, current.targets) && same(previous.buildConfigs, current.buildConfigs)) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(current));
}
