import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import type * as Yaml from 'yaml';
import type * as Zod from 'zod';
import { UserError } from '../errors';
import { parseToml } from '../toml';

/**
 * A service string as BentoML's loader reads it: a module ("serve", "pkg.api") or a file
 * ("service.py", "./api/service.py"), then optionally ":" and the service's name in it
 * ("serve:ClassifierService"; "Svc.dependency" reaches a dependency). Without a name BentoML takes
 * the module's only top-level service.
 */
export const serviceReferencePattern = /^(?:\.\/)?[\w.-]+(?:\/[\w.-]+)*(?::[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)?$/;
const serviceMessage = 'must be "<module or file.py>[:<ServiceClass>]", for example "serve:ClassifierService" or "service.py"';

// The keys BentoML 1.4 accepts (BentoBuildConfig forbids extra keys); nested sections we
// do not read stay loose so that new BentoML options do not break the plugin. Built on first use,
// as yaml is loaded: the project graph parses no build config when its cache holds the targets.
function buildConfigSchema(z: typeof Zod.z) {
  const stringList = z.array(z.string());
  return z.strictObject({
    // Empty or absent, BentoML finds the service itself (service.py in the build directory).
    service: z
      .string()
      .refine((service) => service === '' || serviceReferencePattern.test(service), serviceMessage)
      .default(''),
    name: z.string().optional(),
    description: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    include: stringList.optional(),
    exclude: stringList.optional(),
    python: z
      .looseObject({
        packages: stringList.optional(),
        requirements_txt: z.string().optional(),
        lock_packages: z.boolean().optional(),
      })
      .optional(),
    docker: z
      .looseObject({
        python_version: z.union([z.string(), z.number()]).transform(String).optional(),
        base_image: z.string().optional(),
        distro: z.string().optional(),
      })
      .optional(),
    conda: z.looseObject({}).optional(),
    models: z.array(z.union([z.string(), z.looseObject({ tag: z.string() })])).optional(),
    envs: z.array(z.looseObject({ name: z.string() })).optional(),
    args: z.record(z.string(), z.unknown()).optional(),
  });
}

export type BuildConfig = Zod.infer<ReturnType<typeof buildConfigSchema>>;

let schemas: { strict: Zod.ZodType<BuildConfig>; loose: Zod.ZodType<BuildConfig> } | undefined;

/**
 * The build config schema, strict or loose. For inferring targets unknown keys pass (a newer
 * BentoML's options must not break the project graph); bento-build validates strictly.
 */
function buildConfigSchemaOf(strict: boolean): Zod.ZodType<BuildConfig> {
  if (!schemas) {
    const strictSchema = buildConfigSchema((require('zod') as typeof Zod).z);
    schemas = { strict: strictSchema, loose: strictSchema.loose() };
  }
  return strict ? schemas.strict : schemas.loose;
}

/** BuildConfig options whose values are paths BentoML resolves against the build directory. */
export const contextPathOptions: ReadonlyArray<readonly string[]> = [
  ['python', 'requirements_txt'],
  ['python', 'wheels'],
  ['docker', 'setup_script'],
  ['docker', 'dockerfile_template'],
  ['conda', 'environment_yml'],
  ['description'],
];

/** `description: "file:./README.md"` names a file; any other description is the text itself. */
export function descriptionFile(description: string): string | undefined {
  return /^file:\s*(.+)$/.exec(description.trim())?.[1].trim();
}

/**
 * The files the bentofile's path options name, as written (relative to the build directory).
 * Without a description, BentoML packs the build directory's README.md as the description.
 */
export function contextFilesOf(bentofile: BuildConfig): string[] {
  const paths = contextPathOptions
    .filter(([option]) => option !== 'description')
    .flatMap((path) => {
      const value = path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], bentofile);
      return (Array.isArray(value) ? value : [value]).filter((entry): entry is string => typeof entry === 'string' && entry.trim() !== '');
    });
  const description = bentofile.description ? descriptionFile(bentofile.description) : 'README.md';
  return description ? [...paths, description] : paths;
}

/** Where BentoML looks for the service when the build config names none. */
export const defaultServiceModule = 'service.py';

export interface ServiceReference {
  /** The module's candidate files, relative to the build directory, in the order Python finds them. */
  files: string[];
  /** The first of them: the file to create when none exists. */
  file: string;
  /** The name the service is bound to in the module, when the string gives one. */
  className?: string;
}

/**
 * "pkg.api:Svc" -> pkg/api.py or pkg/api/__init__.py, Svc; "service.py:Svc" -> service.py, Svc;
 * "" -> service.py, as BentoML's loader resolves them against the build directory.
 */
export function parseServiceReference(service: string): ServiceReference {
  const [importPath, attributes = ''] = (service.trim() || defaultServiceModule).split(':');
  const className = attributes.split('.')[0] || undefined;
  if (importPath.endsWith('.py') || importPath.includes('/')) {
    const file = posix.normalize(importPath);
    return { files: [file], file, className };
  }
  const path = importPath.split('.').join('/');
  return { files: [`${path}.py`, `${path}/__init__.py`], file: `${path}.py`, className };
}

/** Parses and validates bentofile text; every problem is reported as `file:line:col: message`. */
export function parseBentofile(text: string, file: string, { strict = true } = {}): BuildConfig {
  // Loaded on first use: the project graph parses no bentofile when its cache holds the targets.
  const { LineCounter, parseDocument } = require('yaml') as typeof Yaml;
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const where = (offset: number | undefined) => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return `${file}:${line}:${col}`;
  };
  if (document.errors.length > 0) {
    const error = document.errors[0];
    throw new UserError(`${where(error.pos[0])}: invalid YAML: ${firstLine(error.message)}. Fix the syntax and run again.`);
  }
  const result = buildConfigSchemaOf(strict).safeParse(document.toJS() ?? {});
  if (result.success) return result.data;

  const issue = result.error.issues[0];
  const path = issue.path;
  const node = document.getIn(path, true) as { range?: [number, number] } | undefined;
  const key = path.join('.') || '(top level)';
  const detail =
    issue.code === 'unrecognized_keys'
      ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; BentoML accepts only its documented bentofile options`
      : path.length === 1 && issue.code === 'invalid_type' && issue.input === undefined
        ? `"${key}" is required`
        : `"${key}" ${issue.message}`;
  const offset = issue.code === 'unrecognized_keys' ? keyOffset(document, path, issue.keys[0]) : node?.range?.[0];
  throw new UserError(`${where(offset)}: ${detail}.`);
}

/** Where each key of a zod issue's path sits in TOML text: the line of its `key =`, else its table's header. */
function tomlKeyLine(text: string, table: string, path: PropertyKey[]): number {
  const lines = text.split(/\r?\n/);
  const header = (name: string) => lines.findIndex((line) => line.trim().replace(/\s+/g, '') === `[${name}]`);
  const keyLine = (from: number, key: string) => {
    for (let index = from + 1; index < lines.length && !/^\s*\[/.test(lines[index]); index++) {
      if (new RegExp(`^\\s*"?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*=`).test(lines[index])) return index;
    }
    return -1;
  };
  const keys = path.map(String);
  for (let depth = keys.length - 1; depth >= 0; depth--) {
    const parent = [table, ...keys.slice(0, depth)].join('.');
    const start = header(parent);
    if (start < 0) continue;
    const line = keyLine(start, keys[depth]);
    return (line >= 0 ? line : start) + 1;
  }
  return Math.max(header(table), 0) + 1;
}

/**
 * The build config of a pyproject.toml, as BentoML reads it: [tool.bentoml.build] holds the
 * bentofile's options, [project].name is the default name and [project].dependencies join
 * python.packages. Problems are reported as `file:line:col: message`.
 */
export function parsePyprojectBuildConfig(text: string, file: string, { strict = true } = {}): BuildConfig {
  const data = parseToml(text, file) as {
    tool?: { bentoml?: { build?: unknown } };
    project?: { name?: unknown; dependencies?: unknown };
  };
  const table = 'tool.bentoml.build';
  const result = buildConfigSchemaOf(strict).safeParse(data.tool?.bentoml?.build ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    const detail =
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} in [${[table, ...issue.path].join('.')}]; BentoML accepts only its documented build options`
        : `"${issue.path.join('.')}" ${issue.message}`;
    throw new UserError(`${file}:${tomlKeyLine(text, table, path)}:1: ${detail}.`);
  }
  const config = result.data;
  const project = data.project ?? {};
  const dependencies = Array.isArray(project.dependencies) ? project.dependencies.filter((entry) => typeof entry === 'string') : [];
  return {
    ...config,
    name: config.name ?? (typeof project.name === 'string' ? project.name : undefined),
    ...(dependencies.length ? { python: { ...config.python, packages: [...(config.python?.packages ?? []), ...dependencies] } } : {}),
  };
}

export function readBentofile(file: string, displayPath = file): BuildConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${displayPath}: cannot read the bentofile. Create it with "nx g nx-bentoml:bentofile".`);
  }
  return parseBentofile(text, displayPath);
}

function keyOffset(document: Yaml.Document, path: PropertyKey[], key: string) {
  const parent = path.length ? document.getIn(path, true) : document.contents;
  const items = (parent as { items?: Array<{ key?: { value?: unknown; range?: [number, number] } }> })?.items ?? [];
  return items.find((item) => item.key?.value === key)?.key?.range?.[0];
}

function firstLine(message: string) {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}
