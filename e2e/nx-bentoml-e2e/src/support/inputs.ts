import { minimatch } from 'minimatch';

type Input = string | Record<string, unknown>;

/**
 * Whether the file inputs of a target take in `file` (workspace-relative), as Nx decides it:
 * {projectRoot} globs form one set with their "!" exclusions and {workspaceRoot} globs another;
 * the file counts when one set takes it in. Named inputs are resolved.
 * Inputs on dependencies ("^..."), runtime, env and externalDependencies inputs are not files of
 * this project and are ignored.
 */
export function inputsInclude(inputs: Input[], file: string, projectRoot: string, namedInputs: Record<string, Input[]> = {}): boolean {
  const all = fileGlobs(inputs, namedInputs, new Set());
  const matches = (glob: string) => minimatch(file, glob, { dot: true });
  const takesIn = (token: string, replacement: string) => {
    const globs = all.filter((glob) => glob.replace(/^!/, '').startsWith(token)).map((glob) => glob.replace(token, replacement));
    return (
      globs.filter((g) => !g.startsWith('!')).some(matches) && !globs.filter((g) => g.startsWith('!')).some((g) => matches(g.slice(1)))
    );
  };
  return takesIn('{projectRoot}', projectRoot) || takesIn('{workspaceRoot}/', '');
}

function fileGlobs(inputs: Input[], namedInputs: Record<string, Input[]>, seen: Set<string>): string[] {
  return inputs.flatMap((input) => {
    const value = typeof input === 'string' ? input : typeof input['fileset'] === 'string' ? input['fileset'] : input['input'];
    if (typeof value !== 'string' || value.startsWith('^')) return [];
    if (typeof input !== 'string' && input['dependencies']) return [];
    if (value in namedInputs) {
      if (seen.has(value)) return [];
      return fileGlobs(namedInputs[value], namedInputs, new Set([...seen, value]));
    }
    if (/^!?\{(projectRoot|workspaceRoot)\}/.test(value)) return [value];
    throw new Error(`Input "${value}" is neither a file glob nor a named input of nx.json.`);
  });
}
