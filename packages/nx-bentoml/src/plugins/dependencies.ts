import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { type CreateDependencies, DependencyType, type RawProjectGraphDependency } from '@nx/devkit';
import { parseBentofile } from '../lib/bentoml/bentofile';
import { sharedIncludes } from '../lib/bentoml/shared-includes';
import { bentofileName } from '../lib/bentoml/build-config';
import type { BentomlPluginOptions } from './options';

/**
 * A service whose bentofile includes a shared library ("../../../libs/features/features/**")
 * depends on the project that owns that directory, so a change in the library affects every
 * service that packs it, and no other.
 */
export const createDependencies: CreateDependencies<BentomlPluginOptions> = (_options, context) => {
  const roots = Object.entries(context.projects)
    .map(([name, project]) => ({ name, root: project.root === '.' ? '' : project.root }))
    .sort((a, b) => b.root.length - a.root.length);
  const owner = (path: string) => roots.find(({ root }) => root === '' || path === root || path.startsWith(`${root}/`))?.name;

  const dependencies: RawProjectGraphDependency[] = [];
  for (const [source, files] of Object.entries(context.fileMap.projectFileMap)) {
    for (const { file } of files.filter(({ file }) => posix.basename(file) === bentofileName)) {
      const bentofile = readLoosely(join(context.workspaceRoot, file));
      if (!bentofile) continue;
      for (const include of sharedIncludes(bentofile, posix.dirname(file))) {
        const target = owner(include.source);
        if (target && target !== source && !dependencies.some((d) => d.source === source && d.target === target)) {
          dependencies.push({ source, target, type: DependencyType.static, sourceFile: file });
        }
      }
    }
  }
  return dependencies;
};

/** A malformed bentofile is reported by createNodes; here it simply adds no edge. */
function readLoosely(path: string) {
  try {
    return parseBentofile(readFileSync(path, 'utf8'), path, { strict: false });
  } catch {
    return undefined;
  }
}
