import { posix } from 'node:path';
import type { ExecutorContext, ProjectGraphProjectNode, TargetConfiguration } from '@nx/devkit';
import type { InputSelection, InputValue } from '../../lib/chain/bento-key';

type Input = NonNullable<TargetConfiguration['inputs']>[number];
type FileSet = InputSelection['fileSets'][number];

/**
 * What the running task's inputs select, read from the ExecutorContext as Nx reads them: named
 * inputs expanded (nx.json's and the project's, "default" being {projectRoot}/**\/* unless
 * redefined), "^name" and "^{projectRoot}/…" through every project the task's project depends
 * on, { input, projects } in the projects named, and `!` negations applied per project.
 *
 * Nx 24 hands an executor its task hash but no per-input hashes (it strips `hashDetails` from the
 * task graph it sends the task's process; Nx 23 still sent them), and the task hash covers the
 * whole project configuration: so the inputs are read here and resolved by lib/chain/bento-key.ts.
 *
 * Undefined when the target has no inputs, or one of a kind not read here (dependency outputs,
 * externalDependencies, workingDirectory, json): the caller then keeps Nx's task hash, which
 * covers at least as much.
 */
export function taskInputSelection(context: ExecutorContext): InputSelection | undefined {
  const project = context.projectName!;
  const inputs = context.projectsConfigurations?.projects[project]?.targets?.[context.targetName!]?.inputs as Input[] | undefined;
  if (!inputs || inputs.length === 0) return undefined;
  try {
    return new SelectionBuilder(context).add(project, inputs).selection();
  } catch (error) {
    if (error instanceof UnreadInput) return undefined;
    throw error;
  }
}

class UnreadInput extends Error {}

const dependencies = (input: object) => 'dependencies' in input && input.dependencies === true;

class SelectionBuilder {
  private readonly fileSets = new Map<string, FileSet>();
  private readonly values: InputValue[] = [];
  private readonly seenValues = new Set<string>();

  constructor(private readonly context: ExecutorContext) {}

  selection(): InputSelection {
    return { fileSets: [...this.fileSets.values()].filter((set) => set.globs.length > 0), values: this.values };
  }

  /**
   * A target's inputs, or a named input's definition, read in the project `project`. `visited`
   * holds the projects one "^" input already reached; each "^" input of the target starts anew.
   */
  add(project: string, inputs: Input[], visited?: Set<string>): this {
    for (const input of inputs) {
      if (typeof input === 'string') {
        if (input.startsWith('^')) this.addToDependencies(project, input.slice(1), visited ?? new Set([project]));
        else if (this.namedInputs(project)[input]) this.add(project, this.namedInputs(project)[input] as Input[], visited);
        else this.addFileSet(project, input);
      } else if ('fileset' in input) {
        this.add(project, [dependencies(input) ? `^${input.fileset}` : input.fileset], visited);
      } else if ('input' in input) {
        const named = dependencies(input) ? `^${input.input}` : input.input;
        if ('projects' in input && input.projects) for (const other of [input.projects].flat()) this.add(other, [named]);
        else this.add(project, [named], visited);
      } else if ('runtime' in input) {
        this.addValue({ runtime: input.runtime });
      } else if ('env' in input) {
        this.addValue({ env: input.env });
      } else {
        throw new UnreadInput();
      }
    }
    return this;
  }

  /**
   * "^input" in `project`: the input as each project it depends on defines it, then their own
   * dependencies' in turn, each project once; an external package counts by its version.
   */
  private addToDependencies(project: string, input: string, visited: Set<string>) {
    for (const { target } of this.context.projectGraph?.dependencies?.[project] ?? []) {
      if (visited.has(target)) continue;
      visited.add(target);
      const external = this.context.projectGraph?.externalNodes?.[target];
      if (external) {
        this.addValue({ external: target, version: external.data.hash ?? external.data.version });
      } else if (this.context.projectsConfigurations?.projects[target] ?? this.node(target)) {
        this.add(target, [input, `^${input}`], visited);
      }
    }
  }

  private addFileSet(project: string, pattern: string) {
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    let scope: string;
    let path: string;
    if (glob.startsWith('{workspaceRoot}/')) [scope, path] = ['{workspaceRoot}', glob.slice('{workspaceRoot}/'.length)];
    else if (glob.startsWith('{projectRoot}/'))
      [scope, path] = [project, posix.join(this.root(project), glob.slice('{projectRoot}/'.length))];
    else throw new UnreadInput();
    const set = this.fileSets.get(scope) ?? { globs: [], negations: [] };
    this.fileSets.set(scope, set);
    (negated ? set.negations : set.globs).push(path);
  }

  private addValue(value: InputValue) {
    const id = JSON.stringify(value);
    if (this.seenValues.has(id)) return;
    this.seenValues.add(id);
    this.values.push(value);
  }

  private namedInputs(project: string): Record<string, unknown[]> {
    return {
      default: ['{projectRoot}/**/*'],
      ...this.context.nxJsonConfiguration?.namedInputs,
      ...(this.context.projectsConfigurations?.projects[project]?.namedInputs ?? this.node(project)?.data.namedInputs),
    };
  }

  private root(project: string): string {
    const root = this.context.projectsConfigurations?.projects[project]?.root ?? this.node(project)?.data.root;
    if (root === undefined) throw new UnreadInput();
    return root === '.' ? '' : root;
  }

  private node(project: string): ProjectGraphProjectNode | undefined {
    return this.context.projectGraph?.nodes?.[project];
  }
}
