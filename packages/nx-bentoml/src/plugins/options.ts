import { defaultModelFiles } from '../lib/bentoml/service-project';
import { UserError } from '../lib/errors';
import { defaultMetricsFile } from '../lib/project-layout';

// Checked by hand rather than with zod: every Nx command validates these, and loading zod would
// add to the plugin's start on every warm project graph.

/** The options that name targets, as `nx g nx-bentoml:init` writes them into nx.json. */
export const targetNameOptions = [
  'bentoBuildTargetName',
  'containerizeTargetName',
  'dockerPushTargetName',
  'publishTargetName',
  'serveTargetName',
  'smokeTestTargetName',
  'versionsTargetName',
  'promoteTargetName',
  'planTargetName',
  'verifyTargetName',
] as const;

type TargetNameOption = (typeof targetNameOptions)[number];

export type NormalizedPluginOptions = Record<TargetNameOption, string> & {
  /** Globs, relative to the project root, of the model files bento-build imports. */
  modelFiles: string[];
  /** JSON metrics file, relative to the project root, recorded in the image labels. */
  metricsFile: string;
  /** docker-push depends on smoke-test (the gate) in projects with a smoke-test.json; false drops that dependency. */
  gate: boolean;
  /** The base image of every project's Bento (bento-build's baseImage); unset, each service's own. */
  baseImage?: string;
};

export type BentomlPluginOptions = Partial<NormalizedPluginOptions>;

const defaults: NormalizedPluginOptions = {
  bentoBuildTargetName: 'bento-build',
  containerizeTargetName: 'containerize',
  dockerPushTargetName: 'docker-push',
  publishTargetName: 'publish',
  serveTargetName: 'serve',
  smokeTestTargetName: 'smoke-test',
  versionsTargetName: 'versions',
  promoteTargetName: 'promote',
  planTargetName: 'plan',
  verifyTargetName: 'verify',
  modelFiles: defaultModelFiles,
  metricsFile: defaultMetricsFile,
  gate: true,
  baseImage: undefined,
};

/** What is wrong with one option's value, or undefined when it is valid. */
const checks: Record<keyof NormalizedPluginOptions, (value: unknown) => string | undefined> = {
  ...(Object.fromEntries(targetNameOptions.map((name) => [name, targetNameProblem])) as Record<TargetNameOption, typeof targetNameProblem>),
  modelFiles: (value) =>
    Array.isArray(value) && value.length > 0 && value.every((glob) => typeof glob === 'string' && glob)
      ? undefined
      : 'must be a non-empty list of globs',
  metricsFile: (value) => (typeof value === 'string' && value ? undefined : 'must be a file path'),
  gate: (value) => (typeof value === 'boolean' ? undefined : 'must be true or false'),
  baseImage: (value) =>
    typeof value === 'string' && /^\S+$/.test(value) ? undefined : 'must be an image reference such as "python:3.11-slim"',
};

function targetNameProblem(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\w:-]+$/.test(value) ? undefined : 'must be a target name such as "bento-build"';
}

export function normalizePluginOptions(options: unknown): NormalizedPluginOptions {
  const given = (options ?? {}) as Record<string, unknown>;
  if (typeof given !== 'object' || Array.isArray(given)) throw invalidOptions(['the options must be an object']);
  const unknown = Object.keys(given).filter((key) => !Object.hasOwn(defaults, key));
  const problems = [
    ...(unknown.length > 0 ? [`unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}`] : []),
    ...Object.entries(checks).flatMap(([name, check]) => {
      const problem = given[name] === undefined ? undefined : check(given[name]);
      return problem ? [`"${name}" ${problem}`] : [];
    }),
  ];
  if (problems.length > 0) throw invalidOptions(problems);
  return { ...defaults, ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) };
}

function invalidOptions(problems: string[]): UserError {
  return new UserError(
    `Invalid options for the nx-bentoml plugin in nx.json: ${problems.join('; ')}. Known options: ${Object.keys(defaults).join(', ')}.`,
  );
}
