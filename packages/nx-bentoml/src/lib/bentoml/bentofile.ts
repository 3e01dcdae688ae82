import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { UserError } from '../errors';

const stringList = z.array(z.string());

/** "serve:ClassifierService": a Python module path and the service class in it. */
export const serviceReferencePattern = /^[A-Za-z_][\w.]*:[A-Za-z_]\w*$/;

// The keys BentoML 1.4 accepts (BentoBuildConfig forbids extra keys); nested sections we
// do not read stay loose so that new BentoML options do not break the plugin.
const bentofileSchema = z.strictObject({
  service: z.string().regex(serviceReferencePattern, 'must be "<module>:<ServiceClass>", for example "serve:ClassifierService"'),
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

export type Bentofile = z.infer<typeof bentofileSchema>;

// For inferring targets: unknown keys pass, and so does a service without a class, which BentoML
// resolves itself; bento-build insists on the strict form.
const looseBentofileSchema = bentofileSchema
  .loose()
  .extend({ service: z.string().regex(/^[A-Za-z_][\w.]*(:[A-Za-z_]\w*)?$/, 'must be "<module>:<ServiceClass>"') });

/** Bentofile options whose values are paths BentoML resolves against the build directory. */
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
export function contextFilesOf(bentofile: Bentofile): string[] {
  const paths = contextPathOptions
    .filter(([option]) => option !== 'description')
    .flatMap((path) => {
      const value = path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], bentofile);
      return (Array.isArray(value) ? value : [value]).filter((entry): entry is string => typeof entry === 'string' && entry.trim() !== '');
    });
  const description = bentofile.description ? descriptionFile(bentofile.description) : 'README.md';
  return description ? [...paths, description] : paths;
}

/** `serve:ClassifierService` -> { module: 'serve', className: 'ClassifierService', file: 'serve.py' } */
export function parseServiceReference(service: string) {
  const [module, className] = service.split(':');
  return { module, className, file: `${module.split('.').join('/')}.py` };
}

/** Parses and validates bentofile text; every problem is reported as `file:line:col: message`. */
export function parseBentofile(text: string, file: string, { strict = true } = {}): Bentofile {
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
  const result = (strict ? bentofileSchema : looseBentofileSchema).safeParse(document.toJS() ?? {});
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

export function readBentofile(file: string, displayPath = file): Bentofile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${displayPath}: cannot read the bentofile. Create it with "nx g nx-bentoml:bentofile".`);
  }
  return parseBentofile(text, displayPath);
}

function keyOffset(document: ReturnType<typeof parseDocument>, path: PropertyKey[], key: string) {
  const parent = path.length ? document.getIn(path, true) : document.contents;
  const items = (parent as { items?: Array<{ key?: { value?: unknown; range?: [number, number] } }> })?.items ?? [];
  return items.find((item) => item.key?.value === key)?.key?.range?.[0];
}

function firstLine(message: string) {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}
