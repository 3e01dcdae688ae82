import { posix } from 'node:path';

/** One import statement's target: `import a.b` is { module: 'a.b' }, `from ..x import y` is level 2. */
export interface PythonImport {
  /** Dots of a relative import: 0 for an absolute one. */
  level: number;
  /** The module after the dots ('' for `from . import x`). */
  module: string;
  /** The names of a `from … import` (possibly submodules); empty for `import …`. */
  names: string[];
}

/**
 * The imports of Python source, wherever they are (top level, functions, try blocks), read without
 * running Python: comments and string literals are dropped first, so a docstring that mentions
 * "import x" is no import, and bracketed or backslash-continued statements are joined.
 */
export function scanImports(source: string): PythonImport[] {
  const imports: PythonImport[] = [];
  for (const line of logicalLines(withoutCommentsAndStrings(source))) {
    for (const statement of line.split(';').map((part) => part.trim())) {
      const plain = /^import\s+(.+)$/.exec(statement);
      if (plain) {
        for (const item of plain[1].split(',')) {
          const module = item
            .trim()
            .split(/\s+as\s+/)[0]
            .trim();
          if (/^[A-Za-z_][\w.]*$/.test(module)) imports.push({ level: 0, module, names: [] });
        }
        continue;
      }
      const from = /^from\s+(\.*)\s*([\w.]*)\s+import\s+(.+)$/.exec(statement);
      if (from && (from[1] || from[2])) {
        const names = from[3]
          .replace(/[()]/g, ' ')
          .split(',')
          .map((item) =>
            item
              .trim()
              .split(/\s+as\s+/)[0]
              .trim(),
          )
          .filter((name) => /^[A-Za-z_]\w*$/.test(name));
        imports.push({ level: from[1].length, module: from[2], names });
      }
    }
  }
  return imports;
}

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
    for (const { level, module, names } of scanImports(source)) {
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

function withoutCommentsAndStrings(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      const quote = source.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += quote.length;
      while (i < source.length && !source.startsWith(quote, i)) {
        if (quote.length === 1 && source[i] === '\n') break;
        i += source[i] === '\\' ? 2 : 1;
      }
      i += quote.length;
      out += '""';
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Physical lines joined into statements: inside brackets and after a backslash a newline is a space. */
function logicalLines(source: string): string[] {
  const lines: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\' && source[i + 1] === '\n') {
      current += ' ';
      i++;
    } else if (c === '\n' || c === '\r') {
      if (depth > 0) current += ' ';
      else {
        lines.push(current);
        current = '';
      }
    } else {
      if ('([{'.includes(c)) depth++;
      else if (')]}'.includes(c)) depth = Math.max(0, depth - 1);
      current += c;
    }
  }
  lines.push(current);
  return lines;
}
