import { readFileSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors';
import type { CommandResult } from '../process/run-command';
import { readBentofile } from './build-config-schema';
import { type SharedInclude, sharedIncludes } from './shared-includes';

/**
 * Reads what the BentoML CLI printed when it failed and keeps what a user can act on: its
 * "Error:" line, or the last line of a Python traceback, never the traceback's frames.
 */
export function failureDetail(output: string): string {
  const text = output.trim();
  const errorLine = /^Error: .*$/m.exec(text)?.[0];
  if (errorLine) return text.slice(text.indexOf(errorLine)).split('\n').slice(0, 6).join('\n');
  const exception = lastExceptionLine(text);
  if (exception) return exception;
  return text
    .split('\n')
    .filter((line) => line.trim())
    .slice(-12)
    .join('\n');
}

const tracebackHeader = 'Traceback (most recent call last):';

/** "_lzma.LZMAError: Input format not supported by decoder": the line that ends a traceback. */
function lastExceptionLine(text: string): string | undefined {
  if (!text.includes(tracebackHeader)) return undefined;
  return text
    .slice(text.lastIndexOf(tracebackHeader) + tracebackHeader.length)
    .split('\n')
    .filter((line) => /^[A-Za-z_][\w.]*(: .*)?$/.test(line))
    .pop();
}

/**
 * A model archive that cannot be read: xz or tar decoding fails with a traceback, or ends
 * early, which Click reports as "Aborted!".
 */
export function isUnreadableArchive(output: string): boolean {
  return /LZMAError|EOFError|ReadError|BadGzipFile|zlib\.error|Compressed file ended|^Aborted!$/m.test(output);
}

/** The model the service asks for when `bentoml build` cannot find it in the store. */
export function missingModel(output: string): string | undefined {
  return /Model (\S+) could not be found locally/.exec(output)?.[1];
}

/**
 * When `bentoml build` fails to lock the Python packages: uv's own lines that say which
 * requirement cannot be met ("error: No solution found…", "cause: Because x was not found…").
 */
export function unresolvablePackages(output: string): string[] | undefined {
  if (!/Failed to lock PyPI packages/.test(output)) return undefined;
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^(error|cause|hint): /.test(line));
}

/**
 * Where a build ran, so that messages name the user's files as the workspace knows them. When
 * `bentofile` is not `sourceBentofile`, `contextDir` is a staged copy of the source bentofile's
 * directory with each shared library at its top (build-context.ts).
 */
export interface BuildPaths {
  workspaceRoot: string;
  /** The build context BentoML was given. */
  contextDir: string;
  /** The bentofile BentoML read. */
  bentofile: string;
  /** The project's own bentofile. */
  sourceBentofile: string;
  /** The service's module, workspace-relative, when known: messages name it. */
  serviceModule?: string;
}

/** A place in the user's code: `path:line` (workspace-relative), the code there, the error. */
interface Location {
  file: string;
  line: number;
  code?: string;
  /** Under a SyntaxError's code, where Python puts it. */
  caret?: string;
  error: string;
  hint?: string;
}

/**
 * A failure of the user's Python code while BentoML loads the service (a SyntaxError, an
 * exception raised at import, an ImportError), located in the user's file. Undefined when the
 * output names no such place.
 */
export function serviceLoadFailure(output: string, paths: BuildPaths): Location | undefined {
  const files = new UserFiles(paths);
  const located = tracebackLocation(output, files) ?? importLocation(output, files);
  return located && { ...located, error: withUserPaths(located.error, files) };
}

/**
 * The deepest frame of the last traceback that is in the user's files. A SyntaxError's own
 * block (`File "…", line N` without ", in …", then the code and a caret) follows the frames,
 * so it is the deepest when there is one.
 */
function tracebackLocation(output: string, files: UserFiles): Location | undefined {
  const error = lastExceptionLine(output);
  if (!error) return undefined;
  const lines = output.slice(output.lastIndexOf(tracebackHeader)).split('\n');
  for (let index = lines.length - 1; index >= 0; index--) {
    const frame = /^ {2}File "(.+)", line (\d+)(, in .+)?$/.exec(lines[index]);
    const file = frame && files.user(frame[1]);
    if (!frame || !file) continue;
    const [code, caret] = [lines[index + 1], lines[index + 2]];
    const hasCode = code !== undefined && /^ {4}\S/.test(code) && !/^\s*File "/.test(code);
    const hasCaret = hasCode && !frame[3] && caret !== undefined && /^\s+[\^~]+\s*$/.test(caret);
    return {
      file,
      line: Number(frame[2]),
      code: hasCode ? code.trimEnd() : files.sourceLine(file, Number(frame[2])),
      caret: hasCaret ? caret.trimEnd() : undefined,
      error,
    };
  }
  return undefined;
}

/**
 * BentoML reports an ImportError of the service as an "Error:" without the traceback:
 * `Failed to import module "serve": No module named 'x'`. The import statement is looked up in
 * the build context's Python files, the service module first.
 */
function importLocation(output: string, files: UserFiles): Location | undefined {
  const failure =
    /Failed to import module "([\w.]+)": (No module named '([\w.]+)'|cannot import name '(\w+)' from\s'([\w.]+)'.*?)'?\.?$/m.exec(output);
  if (!failure) return undefined;
  const [, module, message, missing, name, from] = failure;
  const pattern = missing ? importStatement(missing) : new RegExp(`^\\s*from\\s+${escapeDots(from)}\\s+import\\s+.*\\b${name}\\b`);
  const found = files.find(module, pattern);
  if (!found) return undefined;
  return missing
    ? {
        ...found,
        error: `ModuleNotFoundError: ${message}`,
        hint:
          'Building imports the service, so the module must be importable where the Bento is built: install it in the Python that runs BentoML, ' +
          'or include it in the build context. A package only the image has can be imported inside `with bentoml.importing():`.',
      }
    : { ...found, error: `ImportError: ${message}` };
}

/** `import a.b`, `import x, a.b as c`, `from a.b import …`, `from a import b`. */
function importStatement(module: string): RegExp {
  const forms = [`from\\s+${escapeDots(module)}\\s+import\\b`, `import\\s+(?:.*[\\s,])?${escapeDots(module)}(?![\\w.])`];
  const dot = module.lastIndexOf('.');
  if (dot > 0) forms.push(`from\\s+${escapeDots(module.slice(0, dot))}\\s+import\\s+.*\\b${module.slice(dot + 1)}\\b`);
  return new RegExp(`^\\s*(?:${forms.join('|')})`);
}

const escapeDots = (name: string) => name.replace(/\./g, '\\.');

// Directories that hold no code of the user's.
const notTheUsers = new Set(['node_modules', '__pycache__', '.venv', 'venv', 'site-packages', 'dist-packages']);

/** The user's files as BentoML saw them (maybe in a staged copy) and as the workspace knows them. */
class UserFiles {
  private shared?: SharedInclude[];

  constructor(private readonly paths: BuildPaths) {}

  /**
   * A file BentoML named, relative to the workspace root: one of a staged context as the project
   * file or shared library it was copied from. Undefined for files not the user's: outside the
   * workspace, installed packages (also those of a .venv in the workspace), "<frozen os>".
   */
  user(file: string): string | undefined {
    if (!isAbsolute(file)) return undefined;
    const { workspaceRoot, contextDir, bentofile, sourceBentofile } = this.paths;
    let source = resolve(file);
    const inContext = relative(resolve(contextDir), source);
    if (resolve(bentofile) !== resolve(sourceBentofile) && inContext && !inContext.startsWith('..') && !isAbsolute(inContext)) {
      const [top, ...rest] = inContext.split(sep);
      const library = this.sharedIncludes().find((include) => include.name === top);
      source = library ? join(workspaceRoot, library.source, ...rest) : join(dirname(sourceBentofile), inContext);
    }
    const inWorkspace = relative(workspaceRoot, source);
    if (!inWorkspace || inWorkspace.startsWith('..') || isAbsolute(inWorkspace)) return undefined;
    const segments = inWorkspace.split(sep);
    return segments.some((segment) => notTheUsers.has(segment)) ? undefined : segments.join('/');
  }

  /** Line `line` of a workspace file, indented as Python prints code in a traceback. */
  sourceLine(file: string, line: number): string | undefined {
    try {
      const text = readFileSync(join(this.paths.workspaceRoot, file), 'utf8').split(/\r?\n/)[line - 1];
      return text?.trim() ? `    ${text.trim()}` : undefined;
    } catch {
      return undefined;
    }
  }

  /** The first line matching `pattern` in the build context's Python files, the module `first` before the others. */
  find(first: string, pattern: RegExp): { file: string; line: number; code: string } | undefined {
    const contextDir = resolve(this.paths.contextDir);
    const firstPath = first.split('.').join(sep);
    const candidates = [join(contextDir, `${firstPath}.py`), join(contextDir, firstPath, '__init__.py')];
    for (const path of [...candidates, ...pythonFiles(contextDir).filter((path) => !candidates.includes(path))]) {
      let lines: string[];
      try {
        lines = readFileSync(path, 'utf8').split(/\r?\n/);
      } catch {
        continue;
      }
      const index = lines.findIndex((text) => pattern.test(text));
      const file = this.user(path);
      if (index >= 0 && file) return { file, line: index + 1, code: `    ${lines[index].trim()}` };
    }
    return undefined;
  }

  private sharedIncludes(): SharedInclude[] {
    if (!this.shared) {
      const { workspaceRoot, sourceBentofile } = this.paths;
      try {
        this.shared = sharedIncludes(
          readBentofile(sourceBentofile),
          relative(workspaceRoot, dirname(sourceBentofile)).split(sep).join('/'),
        );
      } catch {
        this.shared = [];
      }
    }
    return this.shared;
  }
}

/** The .py files under a directory, in a stable order, without hidden and installed directories. */
function pythonFiles(directory: string, depth = 0): string[] {
  if (depth > 8) return [];
  let entries;
  try {
    entries = readdirSync(directory, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    if (entry.name.startsWith('.') || notTheUsers.has(entry.name)) return [];
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return pythonFiles(path, depth + 1);
    return entry.isFile() && entry.name.endsWith('.py') ? [path] : [];
  });
}

/** The absolute paths in an error line (ImportError names the module's file) as the workspace knows them. */
function withUserPaths(line: string, files: UserFiles): string {
  return line.replace(/\/[^\s'"()]+\.py\b/g, (file) => files.user(file) ?? file);
}

/** BentoML reports failures as "Error: [group] `cmd` failed: message" or as a traceback; keep the useful part. */
export function commandError(args: string[], result: CommandResult, hint?: string): UserError {
  const detail = failureDetail(`${result.stderr}\n${result.stdout}`);
  return new UserError(`bentoml ${args.join(' ')} failed (exit ${result.exitCode}):\n${detail}${hint ? `\n${hint}` : ''}`);
}

/**
 * A model the service asks for that neither the project's files nor this machine's BentoML store
 * holds. `serviceModule` is the service's module as the workspace knows it (serve.py, service.py, …).
 */
export function missingModelError(model: string, serviceModule: string | undefined, subject = serviceModule ?? 'The service'): UserError {
  return new UserError(
    `${subject} asks for the model ${model}, which is not in the BentoML store: none of the project's model files holds it. ` +
      `Fix the model name in ${serviceModule ?? 'the service module'}, or provide the model: export it into the project as a .bentomodel file ` +
      '(bentoml.models.export_model), tracked by git or by DVC ("dvc add"), or put it in this machine\'s BentoML store ' +
      '("bentoml models import <file>", or "bentoml models pull" from BentoCloud), then run again.',
  );
}

export function unreadableModelError(file: string, result: CommandResult): UserError {
  // Click turns the EOFError of an archive that ends early into a bare "Aborted!".
  const detail = failureDetail(result.stderr);
  const reason = detail === 'Aborted!' ? 'the archive ends early' : detail;
  return new UserError(
    `${file} is not a model archive BentoML can read (${reason}): it is truncated or damaged. ` +
      `Restore it (git checkout, or "dvc pull" for a DVC-tracked model) or export it again with bentoml.models.export_model, then run again.`,
  );
}

/**
 * The build failures users cause most, said in their terms; anything else as BentoML reported it.
 * With `paths`, a failure of the service's own code names its file and line in the workspace.
 */
export function buildError(result: CommandResult, bentofile: string, paths?: BuildPaths): UserError {
  const output = `${result.stderr}\n${result.stdout}`;
  const model = missingModel(output);
  if (model) return missingModelError(model, paths?.serviceModule, 'The service');
  const packages = unresolvablePackages(output);
  if (packages) {
    return new UserError(
      `BentoML could not resolve the Python packages of ${bentofile} (python.packages, requirements_txt):\n` +
        `${packages.length ? packages.join('\n') : failureDetail(output)}\n` +
        `Fix the package names or versions (each must exist on your package index) and run again.`,
    );
  }
  const location = paths && serviceLoadFailure(output, paths);
  if (location) {
    const { file, line, code, caret, error, hint } = location;
    return new UserError(
      [`BentoML could not load the service of ${bentofile}:`, `${file}:${line}`, code, caret, error, hint].filter(Boolean).join('\n'),
    );
  }
  return commandError(['build'], result);
}
