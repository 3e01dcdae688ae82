import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import {
  type CreateNodes,
  type CreateNodesContext,
  type CreateNodesResult,
  type ProjectConfiguration,
  createNodesFromFiles,
  hashArray,
} from '@nx/devkit';
import { type BuildConfigSource, buildDirMarkers, detectBuildConfig, parseBuildConfig } from '../lib/bentoml/build-config';
import { parseServiceReference } from '../lib/bentoml/bentofile';
import { externalModelsInput } from '../lib/bentoml/external-models';
import { filesOfImageInCode } from '../lib/bentoml/service-image';
import { modelsNamedBy } from '../lib/bentoml/service-models';
import { workspaceDataDirectory } from '../lib/workspace-data';
import { bentomlVersionInput } from './bentoml-version-input';
import { bentoBuildInputs } from './inputs';
import { type BentomlPluginOptions, type NormalizedPluginOptions, normalizePluginOptions } from './options';
import { findOwningProjectRoot } from './project-root';
import { bentoTargets, smokeTestFile } from './targets';

/** Every file that can make its directory a BentoML build directory. */
export const buildConfigGlob = `**/{${buildDirMarkers.join(',')}}`;

/**
 * What createNodes remembers between runs: the targets of each build directory by a hash of
 * everything they depend on, and the candidate files of the service module each build config
 * names (the module's text is part of the key; parsing the config to find it is what the cache saves).
 */
interface TargetsCache {
  targets: Record<string, CreateNodesResult>;
  serviceModules: Record<string, string[]>;
}

export const createNodes: CreateNodes<BentomlPluginOptions> = [
  buildConfigGlob,
  async (markerFiles, rawOptions, context) => {
    const options = normalizePluginOptions(rawOptions);
    const cachePath = join(workspaceDataDirectory(context.workspaceRoot), `nx-bentoml-${hashArray([JSON.stringify(options)])}.hash`);
    const previous = readTargetsCache(cachePath);
    // Only entries used in this run are written back, so the file does not grow forever.
    const current: TargetsCache = { targets: {}, serviceModules: {} };
    const buildDirs = findBuildDirs(markerFiles, context.workspaceRoot);
    try {
      return await createNodesFromFiles(
        (file, _options, nodeContext) => createNodesForBuildDir(file, buildDirs.get(file)!, options, nodeContext, previous, current),
        [...buildDirs.keys()],
        options,
        context,
      );
    } finally {
      if (!sameEntries(previous, current)) writeTargetsCache(cachePath, current);
    }
  },
];

/** Kept for workspaces that still register plugins by the v2 name. */
export const createNodesV2 = createNodes;

/**
 * The directories BentoML would build, each keyed by the file that decides it (its build file,
 * or service.py): one per directory, in BentoML's lookup order. A service.py below a build
 * directory (a src/ layout under pyproject.toml) belongs to that directory's project.
 */
function findBuildDirs(markerFiles: readonly string[], workspaceRoot: string): Map<string, BuildConfigSource> {
  const byDir = new Map<string, Set<string>>();
  for (const file of markerFiles) {
    if (isInsideBuiltBento(file, workspaceRoot)) continue;
    const dir = dirname(file);
    byDir.set(dir, (byDir.get(dir) ?? new Set()).add(basename(file)));
  }
  const found = [...byDir].flatMap(([dir, present]) => {
    const source = detectBuildConfig(present, (name) => readFileSync(join(workspaceRoot, dir, name), 'utf8'));
    return source ? [{ dir, source }] : [];
  });
  const withBuildFile = found.filter(({ source }) => source.file).map(({ dir }) => dir);
  const insideAnother = (dir: string) => withBuildFile.some((other) => other !== dir && (other === '.' || dir.startsWith(`${other}/`)));
  return new Map(
    found
      .filter(({ dir, source }) => source.file || !insideAnother(dir))
      .map(({ dir, source }) => [join(dir, source.file ?? 'service.py'), source] as const),
  );
}

function createNodesForBuildDir(
  decidingFile: string,
  source: BuildConfigSource,
  options: NormalizedPluginOptions,
  context: CreateNodesContext,
  previous: TargetsCache,
  current: TargetsCache,
): CreateNodesResult {
  const { root, hasConfig } = findOwningProjectRoot(decidingFile, context.workspaceRoot);
  const contextDir = dirname(decidingFile);
  const readInContext = (name: string) => {
    const path = join(context.workspaceRoot, contextDir, name);
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  };
  const configText = source.file ? readInContext(source.file) : '';
  const bentoignoreText = readInContext('.bentoignore');

  const projectFile = hasConfig ? readProjectFile(context.workspaceRoot, root) : {};
  const hasSmokeTest = existsSync(join(context.workspaceRoot, root, smokeTestFile));
  const projectName = projectFile.name ?? basename(root);
  // The project's own model files, when its bento-build names them: what Nx hashes must be what bento-build imports.
  const modelFiles = projectModelFiles(projectFile, options);
  const projectOptions = { ...options, modelFiles };

  // The targets depend only on these; parsing and validating the config is what the cache saves.
  const bentomlVersion = bentomlVersionInput(
    root,
    context.workspaceRoot,
    projectFile.targets?.[options.bentoBuildTargetName]?.options?.python,
  );
  const configKey = hashArray([
    pluginVersion,
    decidingFile,
    source.form,
    root,
    projectName,
    String(hasConfig),
    configText,
    bentoignoreText,
    String(hasSmokeTest),
    JSON.stringify(modelFiles),
  ]);
  const serviceModuleText = (candidates: string[]) => {
    const module = candidates.find((file) => existsSync(join(context.workspaceRoot, contextDir, file)));
    return module ? `${module}\n${readInContext(module)}` : '';
  };
  const knownCandidates = previous.serviceModules[configKey];
  if (knownCandidates) {
    const key = hashArray([configKey, serviceModuleText(knownCandidates), bentomlVersion.runtime]);
    if (previous.targets[key]) {
      current.serviceModules[configKey] = knownCandidates;
      return (current.targets[key] = previous.targets[key]);
    }
  }

  // Loose: one unknown key must not break the project graph of the whole workspace; the
  // executors validate strictly when the Bento is built.
  const config = parseBuildConfig(source.form, configText, join(contextDir, source.file ?? ''), { strict: false });
  const candidates = parseServiceReference(config.service).files;
  const serviceText = serviceModuleText(candidates);
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
    projectName,
    buildDir: relative(root, contextDir),
    configFile: source.file,
    hasSmokeTest,
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
  current.serviceModules[configKey] = candidates;
  return (current.targets[hashArray([configKey, serviceText, bentomlVersion.runtime])] = { projects: { [root]: project } });
}

function optional<T>(value: T | undefined): T[] {
  return value === undefined ? [] : [value];
}

/**
 * A built Bento keeps a copy of its bentofile in src/ next to bento.yaml; a BentoML home inside the
 * workspace (BENTOML_HOME=./.bentoml) must not turn every built Bento into a project.
 */
function isInsideBuiltBento(bentofilePath: string, workspaceRoot: string): boolean {
  return existsSync(join(workspaceRoot, dirname(dirname(bentofilePath)), 'bento.yaml'));
}

interface ProjectFile {
  /** Only used in help examples; else the directory name. */
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

// Cached targets from another version of the plugin may be inferred differently.
const pluginVersion: string = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')).version;

function readTargetsCache(path: string): TargetsCache {
  try {
    const cache = JSON.parse(readFileSync(path, 'utf8'));
    return { targets: cache.targets ?? {}, serviceModules: cache.serviceModules ?? {} };
  } catch {
    return { targets: {}, serviceModules: {} };
  }
}

/** True when every entry was reused as read and none was dropped: the file already holds `current`. */
function sameEntries(previous: TargetsCache, current: TargetsCache): boolean {
  const same = <T>(before: Record<string, T>, after: Record<string, T>) =>
    Object.keys(before).length === Object.keys(after).length && Object.entries(after).every(([key, value]) => before[key] === value);
  return same(previous.targets, current.targets) && same(previous.serviceModules, current.serviceModules);
}

function writeTargetsCache(path: string, cache: TargetsCache) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(cache));
}
