import { z } from 'zod';
import { defaultModelFiles } from '../lib/bentoml/service-project';
import { UserError } from '../lib/errors';
import { defaultMetricsFile } from '../lib/project-layout';

const targetName = z.string().regex(/^[\w:-]+$/, 'must be a target name such as "bento-build"');

const pluginOptionsSchema = z.strictObject({
  bentoBuildTargetName: targetName.default('bento-build'),
  containerizeTargetName: targetName.default('containerize'),
  dockerPushTargetName: targetName.default('docker-push'),
  publishTargetName: targetName.default('publish'),
  serveTargetName: targetName.default('serve'),
  smokeTestTargetName: targetName.default('smoke-test'),
  versionsTargetName: targetName.default('versions'),
  promoteTargetName: targetName.default('promote'),
  /** Globs, relative to the project root, of the model files bento-build imports. */
  modelFiles: z.array(z.string().min(1)).min(1).default(defaultModelFiles),
  /** JSON metrics file, relative to the project root, recorded in the image labels. */
  metricsFile: z.string().min(1).default(defaultMetricsFile),
  /** docker-push depends on smoke-test (the gate) in projects with a smoke-test.json; false drops that dependency. */
  gate: z.boolean().default(true),
});

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
] as const;

export type BentomlPluginOptions = z.input<typeof pluginOptionsSchema>;
export type NormalizedPluginOptions = z.output<typeof pluginOptionsSchema>;

export function normalizePluginOptions(options: unknown): NormalizedPluginOptions {
  const result = pluginOptionsSchema.safeParse(options ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) =>
    issue.code === 'unrecognized_keys'
      ? `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
      : `"${issue.path.join('.')}" ${issue.message}`,
  );
  throw new UserError(
    `Invalid options for the nx-bentoml plugin in nx.json: ${problems.join('; ')}. ` +
      `Known options: ${Object.keys(pluginOptionsSchema.shape).join(', ')}.`,
  );
}
