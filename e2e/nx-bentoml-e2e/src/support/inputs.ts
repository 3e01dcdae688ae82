import { minimatch } from 'minimatch';

type Input = string | Record<string, unknown>;

/**
 * Whether the file inputs of a target take in `file` (workspace-relative): it matches one of the
 * globs and none of the "!" exclusions, with {projectRoot} and named inputs resolved as Nx does.
 * Inputs on dependencies ("^..."), runtime, env and externalDependencies inputs are not files of
 * this project and are ignored.
 */
export function inputsInclude(
  inputs: Input[],
  file: string,
  projectRoot: string,
  namedInputs: Record<string, Input[]> = {},
): boolean {
  const globs = fileGlobs(inputs, namedInputs, new Set()).map((glob) =>
    glob.replace(/\{projectRoot\}/g, projectRoot).replace(/\{workspaceRoot\}\/?/g, ''),
  );
  const matches = (glob: string) => minimatch(file, glob, { dot: true });
  const included = globs.filter((g) => !g.startsWith('!')).some(matches);
  const excluded = globs.filter((g) => g.startsWith('!')).some((g) => matches(g.slice(1)));
  return included && !excluded;
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
