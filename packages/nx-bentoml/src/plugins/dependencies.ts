import { type CreateDependencies, DependencyType, type RawProjectGraphDependency } from '@nx/devkit';
import { buildConfigsOf } from './build-configs';
import { type BentomlPluginOptions, normalizePluginOptions } from './options';
import { pluginCachePath } from './plugin-cache';

/**
 * A service whose build config packs a shared library from outside its build directory
 * (`include: ["../../../libs/features/features/**"]` in bentofile.yaml, or in pyproject.toml's
 * [tool.bentoml.build]) depends on the project that owns that directory, so a change in the
 * library affects every service that packs it, and no other.
 */
export const createDependencies: CreateDependencies<BentomlPluginOptions> = (options, context) => {
  const roots = Object.entries(context.projects)
    .map(([name, project]) => ({ name, root: project.root === '.' ? '' : project.root }))
    .sort((a, b) => b.root.length - a.root.length);
  const owner = (path: string) => roots.find(({ root }) => root === '' || path === root || path.startsWith(`${root}/`))?.name;
  const workspaceFiles = function* () {
    for (const files of Object.values(context.fileMap.projectFileMap)) for (const { file } of files) yield file;
    for (const { file } of context.fileMap.nonProjectFiles) yield file;
  };

  const cachePath = pluginCachePath(context.workspaceRoot, normalizePluginOptions(options));
  const dependencies: RawProjectGraphDependency[] = [];
  const linked = new Set<string>();
  for (const { decidingFile, facts } of buildConfigsOf(context.workspaceRoot, cachePath, workspaceFiles)) {
    const source = facts.sharedLibraries.length > 0 ? owner(decidingFile) : undefined;
    for (const library of facts.sharedLibraries) {
      const target = owner(library);
      if (source && target && target !== source && !linked.has(`${source}\0${target}`)) {
        linked.add(`${source}\0${target}`);
        dependencies.push({ source, target, type: DependencyType.static, sourceFile: decidingFile });
      }
    }
  }
  return dependencies;
};
