import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { verifyKeyVariable, verifyKeyFile } from '../../lib/attest/signer';
import { type ImageCheck, verifyImage } from '../../lib/attest/verify';
import { readHandoff } from '../../lib/chain/handoff-files';
import { UserError } from '../../lib/errors';
import { writeOutputDirectory } from '../../lib/outputs';
import { type RegistryClient, createRegistryClient } from '../../lib/registry/client';
import { pushRegistries } from '../../lib/registry/reference';
import { chainTargetOptions, configuredTargetName } from '../shared/configured-targets';
import { resolveOption } from '../shared/executor-context';
import { readImageHandoff } from '../shared/handoffs';
import { explainRefusals } from '../shared/registry-target';
import { runExecutor } from '../shared/run-executor';
import type { VerifyExecutorSchema } from './schema';

export const verifyFileName = 'verify.json';

/** Checks the signed statements of the images the tags (or a digest) name in every configured registry. */
export default async function verifyExecutor(
  options: VerifyExecutorSchema,
  context: ExecutorContext,
  registryClient: RegistryClient = createRegistryClient(),
) {
  return runExecutor(async () => {
    const key = verifyKeyFile(options.key ? resolveOption(options.key, context) : process.env[verifyKeyVariable]);
    const image = options.imageName && (options.tags || options.digest) ? undefined : readImageHandoff(options.imagePath, context).image;
    const imageName = options.imageName ?? image!.imageName;
    const registries = pushRegistries(configuredRegistries(options, context), imageName, configuredTargetName(context, 'docker-push'));
    const references = options.digest ? [options.digest] : (options.tags ?? image!.tags);
    const materials = options.materials ? { workspaceRoot: context.root, files: currentInputs(options, context) } : undefined;

    const images: ImageCheck[] = [];
    for (const registry of registries) {
      const auth = await registryClient.credentials(registry, options);
      for (const reference of references) {
        const target = { repository: `${registry}/${imageName}`, reference, auth };
        images.push(await verifyImage(target, key, registryClient, materials).catch(explainRefusals(context, options.passwordEnv)));
      }
    }
    const failures = images.flatMap((checked) => checked.failures);
    const report = { keyId: key.keyId, passed: failures.length === 0, images };
    await writeOutputDirectory(resolveOption(options.outputPath, context), async (dir) =>
      writeFileSync(join(dir, verifyFileName), `${JSON.stringify(report, null, 2)}\n`),
    );
    if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    for (const checked of images.filter((entry) => entry.failures.length === 0)) {
      const kinds = checked.statements.filter((statement) => statement.status === 'verified').map((statement) => statement.kind);
      logger.info(
        `${checked.repository}:${checked.reference} (${checked.digest}): ${kinds.join(', ')} verified with key ${key.keyId.slice(0, 12)}.`,
      );
    }
    if (failures.length > 0) {
      throw new UserError(
        `${failures.join('\n')}\n${failures.length} check${failures.length > 1 ? 's' : ''} failed (key ${key.keyId.slice(0, 12)}); the report is in verify.json. ` +
          `Publish again with the signing key (NX_BENTOML_SIGNING_KEY) to sign what is unsigned, or find out who moved the tag.`,
      );
    }
    return { success: true };
  });
}

/** The registries verify checks: its own options, else docker-push's. */
function configuredRegistries(options: VerifyExecutorSchema, context: ExecutorContext) {
  if (options.registry || options.registries?.length) return options;
  return chainTargetOptions<Pick<VerifyExecutorSchema, 'registry' | 'registries'>>(context, 'docker-push');
}

/** The Bento's input files as bento-build last resolved them (bento.json). */
function currentInputs(options: VerifyExecutorSchema, context: ExecutorContext): string[] {
  const producer = configuredTargetName(context, 'bento-build');
  const bento = readHandoff('bento', { dir: resolveOption(options.bentoPath, context), workspaceRoot: context.root, producer });
  if (!bento.inputs) {
    throw new UserError(
      `bento.json records no inputs (it was written before nx-bentoml recorded them): run the ${producer} target again, then verify --materials.`,
    );
  }
  return Object.keys(bento.inputs.files);
}
