import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import {
  type CreateNodes,
  type CreateNodesContext,
  type CreateNodesResult,
  type ProjectConfiguration,
  createNodesFromFiles,
  hashArray,
} from '@nx/devkit';
import { parseBentofile } from '../lib/bentoml/bentofile';
import { bentofileName } from '../lib/project-layout';
import { bentomlVersionInput } from './bentoml-version-input';
import { bentoBuildInputs } from './inputs';
import { type BentomlPluginOptions, type NormalizedPluginOptions, normalizePluginOptions } from './options';
import { findOwningProjectRoot } from './project-root';
import { bentoTargets } from './targets';

export const bentofileGlob = `**/${bentofileName}`;

type TargetsCache = Record<string, CreateNodesResult>;

export const createNodes: CreateNodes<BentomlPluginOptions> = [
  bentofileGlob,
  async (bentofiles, rawOptions, context) => {
    const options = normalizePluginOptions(rawOptions);
    const cachePath = join(workspaceDataDirectory(context.workspaceRoot), `nx-bentoml-${hashArray([JSON.stringify(options)])}.hash`);
    const previous = readTargetsCache(cachePath);
    // Only entries used in this run are written back, so the file does not grow forever.
    const current: TargetsCache = {};
    try {
      return await createNodesFromFiles(
        (bentofile, _options, nodeContext) => createNodesForBentofile(bentofile, options, nodeContext, previous, current),
        bentofiles.filter((bentofile) => !isInsideBuiltBento(bentofile, context.workspaceRoot)),
        options,
        context,
      );
    } finally {
      writeTargetsCache(cachePath, current);
    }
  },
];

/** Kept for workspaces that still register plugins by the v2 name. */
export const createNodesV2 = createNodes;

function createNodesForBentofile(
  bentofilePath: string,
  options: NormalizedPluginOptions,
  context: CreateNodesContext,
  previous: TargetsCache,
  current: TargetsCache,
): CreateNodesResult {
  const { root, hasConfig } = findOwningProjectRoot(bentofilePath, context.workspaceRoot);
  const contextDir = dirname(bentofilePath);
  const bentofileText = readFileSync(join(context.workspaceRoot, bentofilePath), 'utf8');
  const bentoignorePath = join(context.workspaceRoot, contextDir, '.bentoignore');
  const bentoignoreText = existsSync(bentoignorePath) ? readFileSync(bentoignorePath, 'utf8') : '';

  const projectFile = hasConfig ? readProjectFile(context.workspaceRoot, root) : {};
  const projectName = projectFile.name ?? basename(root);

  // The targets depend only on these; parsing and validating YAML is what the cache saves.
  const bentomlVersion = bentomlVersionInput(
    root,
    context.workspaceRoot,
    projectFile.targets?.[options.bentoBuildTargetName]?.options?.python,
  );
  const key = hashArray([
    pluginVersion,
    bentofilePath,
    root,
    projectName,
    String(hasConfig),
    bentofileText,
    bentoignoreText,
    bentomlVersion.runtime,
  ]);
  if (previous[key]) return (current[key] = previous[key]);

  // Loose: one unknown key must not break the project graph of the whole workspace; the
  // executors validate strictly when the Bento is built.
  const bentofile = parseBentofile(bentofileText, bentofilePath, { strict: false });
  const inputs = bentoBuildInputs({
    projectRoot: root,
    contextDir: relative(root, contextDir),
    bentofileName: basename(bentofilePath),
    bentofile,
    bentoignore: bentoignoreText.split(/\r?\n/),
    modelFiles: options.modelFiles,
    metricsFile: options.metricsFile,
  });
  const targets = bentoTargets(options, {
    projectName,
    bentofile: relative(root, bentofilePath),
    bentoBuildInputs: [...inputs, bentomlVersion],
  });
  const project: ProjectConfiguration = {
    root,
    targets,
    metadata: {
      targetGroups: { BentoML: Object.keys(targets) },
    },
  };
  if (!hasConfig) project.name = projectName;
  return (current[key] = { projects: { [root]: project } });
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
  targets?: Record<string, { options?: { python?: string } } | undefined>;
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

// Mirrors Nx's own location for plugin caches; read through the environment so that
// no internal Nx module is imported.
function workspaceDataDirectory(workspaceRoot: string) {
  const configured = process.env['NX_WORKSPACE_DATA_DIRECTORY'] ?? process.env['NX_PROJECT_GRAPH_CACHE_DIRECTORY'];
  return configured ? resolve(workspaceRoot, configured) : join(workspaceRoot, '.nx', 'workspace-data');
}

// Cached targets from another version of the plugin may be inferred differently.
const pluginVersion: string = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')).version;

function readTargetsCache(path: string): TargetsCache {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}

function writeTargetsCache(path: string, cache: TargetsCache) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(cache));
}
