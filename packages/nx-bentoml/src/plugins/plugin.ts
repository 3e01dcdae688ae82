import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import {
  type CreateNodes,
  type CreateNodesContext,
  type CreateNodesResult,
  type ProjectConfiguration,
  createNodesFromFiles,
  hashArray,
} from '@nx/devkit';
import type { BuildConfigSource } from '../lib/bentoml/build-config';
import { externalModelsInput } from '../lib/bentoml/external-models';
import { filesOfImageInCode } from '../lib/bentoml/service-image';
import { modelsNamedBy } from '../lib/bentoml/service-models';
import { bentomlVersionInput } from './bentoml-version-input';
import {
  type FoundBuildConfig,
  buildConfigGlob,
  findBuildDirs,
  readBuildConfigFacts,
  readIfPresent,
  rememberBuildConfigs,
} from './build-configs';
import { bentoBuildInputs, smokeTestInputs } from './inputs';
import { type BentomlPluginOptions, type NormalizedPluginOptions, normalizePluginOptions } from './options';
import { type PluginCache, emptyPluginCache, pluginCachePath, readPluginCache, writePluginCache } from './plugin-cache';
import { findOwningProjectRoot } from './project-root';
import { bentoTargets, smokeTestFile } from './targets';

export const createNodes: CreateNodes<BentomlPluginOptions> = [
  buildConfigGlob,
  async (markerFiles, rawOptions, context) => {
    const options = normalizePluginOptions(rawOptions);
    const cachePath = pluginCachePath(context.workspaceRoot, options);
    const previous = readPluginCache(cachePath);
    const current = emptyPluginCache();
    const buildDirs = findBuildDirs(markerFiles, context.workspaceRoot);
    const found: FoundBuildConfig[] = [];
    try {
      return await createNodesFromFiles(
        (file, _options, nodeContext) => createNodesForBuildDir(file, buildDirs.get(file)!, options, nodeContext, previous, current, found),
        [...buildDirs.keys()],
        options,
        context,
      );
    } finally {
      rememberBuildConfigs(context.workspaceRoot, cachePath, found);
      writePluginCache(cachePath, previous, current);
    }
  },
];

/** Kept for workspaces that still register plugins by the v2 name. */
export const createNodesV2 = createNodes;

function createNodesForBuildDir(
  decidingFile: string,
  source: BuildConfigSource,
  options: NormalizedPluginOptions,
  context: CreateNodesContext,
  previous: PluginCache,
  current: PluginCache,
  found: FoundBuildConfig[],
): CreateNodesResult {
  const { root, hasConfig } = findOwningProjectRoot(decidingFile, context.workspaceRoot);
  const contextDir = dirname(decidingFile);
  const readInContext = (name: string) => readIfPresent(join(context.workspaceRoot, contextDir, name));
  const buildConfig = readBuildConfigFacts(decidingFile, source, context.workspaceRoot, previous.buildConfigs, current.buildConfigs);
  found.push({ decidingFile, facts: buildConfig.facts });
  const bentoignoreText = readInContext('.bentoignore');

  const projectFile = hasConfig ? readProjectFile(context.workspaceRoot, root) : {};
  const smokeTestPath = join(context.workspaceRoot, root, smokeTestFile);
  const smokeTestText = existsSync(smokeTestPath) ? readFileSync(smokeTestPath, 'utf8') : undefined;
  const hasSmokeTest = smokeTestText !== undefined;
  const projectName = projectFile.name ?? basename(root);
  // The project's own model files, when its bento-build names them: what Nx hashes must be what bento-build imports.
  const modelFiles = projectModelFiles(projectFile, options);
  const projectOptions = { ...options, modelFiles };

  // The targets depend only on these; inferring them again is what the cache saves.
  const bentomlVersion = bentomlVersionInput(
    root,
    context.workspaceRoot,
    projectFile.targets?.[options.bentoBuildTargetName]?.options?.python,
  );
  const serviceModule = buildConfig.facts.serviceModules.find((file) => existsSync(join(context.workspaceRoot, contextDir, file)));
  const serviceText = serviceModule ? readInContext(serviceModule) : '';
  const key = hashArray([
    buildConfig.key,
    root,
    projectName,
    String(hasConfig),
    bentoignoreText,
    smokeTestText ?? '',
    JSON.stringify(modelFiles),
    serviceModule ? `${serviceModule}\n${serviceText}` : '',
    bentomlVersion.runtime,
  ]);
  if (previous.targets[key]) return (current.targets[key] = previous.targets[key]);

  const config = buildConfig.config();
  const inputs = bentoBuildInputs({
    projectRoot: root,
    contextDir: relative(root, contextDir),
    configFile: source.file,
    bentofile: config,
    imageInCode: filesOfImageInCode(serviceText),
    bentoignore: bentoignoreText.split(/\r?\n/),
    modelFiles,
    metricsFile: options.metricsFile,
  });
  const targets = bentoTargets(projectOptions, {
    buildDir: relative(root, contextDir),
    configFile: source.file,
    hasSmokeTest,
    smokeTestInputs: smokeTestInputs(root, smokeTestFile, smokeTestText),
    bentoBuildInputs: [
      ...inputs,
      bentomlVersion,
      ...optional(externalModelsInput(context.workspaceRoot, root, modelFiles, modelsNamedBy(serviceText, config))),
    ],
  });
  const project: ProjectConfiguration = {
    root,
    targets,
    metadata: {
      targetGroups: { BentoML: Object.keys(targets) },
    },
  };
  if (!hasConfig) project.name = projectName;
  return (current.targets[key] = { projects: { [root]: project } });
}

function optional<T>(value: T | undefined): T[] {
  return value === undefined ? [] : [value];
}

interface ProjectFile {
  /** The project's name; else the directory name. */
  name?: string;
  targets?: Record<string, { options?: { python?: string; modelFiles?: unknown } } | undefined>;
}

/** bento-build's modelFiles in the project's own file (a list of globs), else the plugin's. */
function projectModelFiles(projectFile: ProjectFile, options: NormalizedPluginOptions): string[] {
  const own = projectFile.targets?.[options.bentoBuildTargetName]?.options?.modelFiles;
  return Array.isArray(own) && own.length > 0 && own.every((glob) => typeof glob === 'string' && glob) ? own : options.modelFiles;
}

/** What the plugin reads of the project's own project.json or package.json ("nx" key). */
function readProjectFile(workspaceRoot: string, root: string): ProjectFile {
  for (const file of ['project.json', 'package.json']) {
    try {
      const json = JSON.parse(readFileSync(join(workspaceRoot, root, file), 'utf8'));
      const name = typeof json.name === 'string' && json.name ? json.name : undefined;
      return { name, targets: file === 'project.json' ? json.targets : json.nx?.targets };
    } catch {
      // A missing or unreadable file: try the next, else nothing is known.
    }
  }
  return {};
}
