import { posix } from 'node:path';
import { pythonImports } from './python-source';

/** Reads the files of a build directory; paths are relative to it, POSIX-style. */
export interface BuildDirReader {
  read(path: string): string | null;
  isFile(path: string): boolean;
  isDirectory(path: string): boolean;
}

export interface ModuleImports {
  /** The local modules the entry module loads, itself and package __init__ files included, sorted. */
  localFiles: string[];
  /** The modules imported from outside the build directory (dotted, as written), sorted. */
  external: string[];
}

/**
 * Follows the imports of `entry` (a .py file of the build directory) through the local modules it
 * loads, transitively, as Python would with the build directory on sys.path (BentoML puts it
 * there). A module whose first component is a file or directory of the build directory is local;
 * every other absolute import is external: a distribution or the standard library.
 */
export function collectModuleImports(reader: BuildDirReader, entry: string): ModuleImports {
  const localFiles = new Set<string>();
  const external = new Set<string>();
  const queue = [posix.normalize(entry)];
  const visit = (file: string | undefined) => {
    if (file && !localFiles.has(file)) {
      localFiles.add(file);
      queue.push(file);
    }
  };
  while (queue.length > 0) {
    const file = queue.shift()!;
    localFiles.add(file);
    const source = reader.read(file);
    if (source === null) continue;
    const packageParts = posix.dirname(file) === '.' ? [] : posix.dirname(file).split('/');
    for (const { level, module, names } of pythonImports(source)) {
      let parts: string[];
      if (level > 0) {
        if (level - 1 > packageParts.length) continue;
        parts = [...packageParts.slice(0, packageParts.length - (level - 1)), ...(module ? module.split('.') : [])];
      } else {
        parts = module.split('.');
        if (!isLocal(reader, parts[0])) {
          external.add(module);
          continue;
        }
      }
      for (const loaded of moduleFiles(reader, parts)) visit(loaded);
      // `from pkg import name` loads pkg/name.py when name is a submodule.
      for (const name of names) for (const loaded of moduleFiles(reader, [...parts, name]).slice(-1)) visit(loaded);
    }
  }
  return { localFiles: [...localFiles].sort(), external: [...external].sort() };
}

function isLocal(reader: BuildDirReader, name: string): boolean {
  return reader.isFile(`${name}.py`) || reader.isDirectory(name);
}

/** The files Python runs to import a dotted module: each package's __init__.py, then the module. */
function moduleFiles(reader: BuildDirReader, parts: string[]): string[] {
  const files: string[] = [];
  for (let depth = 1; depth <= parts.length; depth++) {
    const path = parts.slice(0, depth).join('/');
    const init = `${path}/__init__.py`;
    if (reader.isFile(init)) files.push(init);
    else if (depth === parts.length && reader.isFile(`${path}.py`)) files.push(`${path}.py`);
  }
  return files;
}
