import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { hasHandoff, readHandoff } from '../../lib/chain/handoff-files';
import { type CredentialSources, registryHost, resolveRegistryAuth } from '../../lib/docker/credentials';
import {
  type BlobCopy,
  RegistryReadError,
  type StoredManifest,
  copyImageContents,
  listTags,
  putManifest,
  readManifest,
} from '../../lib/docker/registry-api';
import { UserError } from '../../lib/errors';
import { resolveOption } from '../shared/executor-context';
import { assertDockerTag, registryOption } from '../../lib/names';
import { writeOutputDirectory } from '../../lib/outputs';
import { runExecutor } from '../shared/run-executor';
import { configuredTargetName } from '../shared/configured-targets';
import { explainRegistryError, registryRepository } from '../registry-target';
import type { PromoteExecutorSchema } from './schema';

export const promoteFileName = 'promote.json';

/**
 * Points a tag at an exact published version through the registry API. Within one registry the
 * manifest's own bytes are written under the new tag, so the digest is the same and no layer
 * moves; to another registry, the blobs it lacks are copied first. Running it again changes nothing.
 */
export default async function promoteExecutor(
  options: PromoteExecutorSchema,
  context: ExecutorContext,
  credentials: CredentialSources = {},
  fetchImpl: typeof fetch = fetch,
) {
  return runExecutor(async () => {
    assertDockerTag(options.to);
    const { registry, imageName, repository } = registryRepository(options, context);
    const targetRegistry = options.toRegistry ? registryOption(options.toRegistry) : registry;
    const target = `${targetRegistry}/${imageName}`;
    const from = options.from ?? publishedDigest(options, context, registry);
    if (from.startsWith('sha256:') && !/^sha256:[0-9a-f]{64}$/.test(from)) {
      throw new UserError(
        `--from=${from} is not a whole digest: the registry API takes a tag or the full sha256:<64 hex digits>. nx run ${context.projectName}:${configuredTargetName(context, 'versions')} --json lists them.`,
      );
    }
    const sources = { username: options.username, passwordEnv: options.passwordEnv, ...credentials };
    const sourceAuth = await resolveRegistryAuth(registry, sources);
    const targetAuth = targetRegistry === registry ? sourceAuth : await resolveRegistryAuth(targetRegistry, sources);

    const explained = (error: unknown, where: string): never => {
      throw error instanceof RegistryReadError ? explainRegistryError(error, where, context, options.passwordEnv) : error;
    };
    const manifest = await readManifest(repository, from, sourceAuth, fetchImpl).catch((error) => explained(error, repository));
    if (!manifest) {
      const tags = await listTags(repository, sourceAuth, fetchImpl).catch(() => []);
      throw new UserError(
        `${repository} holds no version ${from}${tags.length ? ` (its tags: ${tags.join(', ')})` : ''}. ` +
          `Give --from a tag or digest (sha256:…) that it holds; nx run ${context.projectName}:${configuredTargetName(context, 'versions')} lists them.`,
      );
    }

    const current = await readManifest(target, options.to, targetAuth, fetchImpl).catch((error) => explained(error, target));
    let blobs: BlobCopy = { present: manifest.blobs.length, mounted: 0, uploaded: 0 };
    let changed = false;
    if (current?.digest !== manifest.digest) {
      if (targetRegistry !== registry) {
        blobs = await copyImageContents(
          { repository, auth: sourceAuth },
          { repository: target, auth: targetAuth },
          manifest,
          fetchImpl,
        ).catch((error) => explained(error, error instanceof RegistryReadError && answeredBy(error, registry) ? repository : target));
      }
      const digest = await putManifest(target, options.to, manifest, targetAuth, fetchImpl).catch((error) =>
        error instanceof RegistryReadError && unsupportedManifest(error)
          ? refusedManifest(error, target, manifest, context)
          : explained(error, target),
      );
      if (digest !== manifest.digest) {
        throw new UserError(
          `${target} stored the manifest under ${digest}, not ${manifest.digest}: the registry rewrote it. Nothing else was changed.`,
        );
      }
      // Read back: two promotes of one tag at once both write; the one that wrote first must not report success.
      const now = await readManifest(target, options.to, targetAuth, fetchImpl).catch((error) => explained(error, target));
      if (now?.digest !== manifest.digest) {
        throw new UserError(
          `${target}:${options.to} points at ${now?.digest ?? 'nothing'}, not ${manifest.digest}, right after this promote wrote it: ` +
            `another promote or push of ${options.to} wrote after it. Check with nx run ${context.projectName}:${configuredTargetName(context, 'versions')}, ` +
            `then promote again the version ${options.to} should hold.`,
        );
      }
      changed = true;
    }

    const result = { from, to: options.to, digest: manifest.digest, source: repository, target, changed, blobs };
    await writeOutputDirectory(resolveOption(options.outputPath, context), async (dir) =>
      writeFileSync(join(dir, promoteFileName), `${JSON.stringify(result, null, 2)}\n`),
    );
    logger.info(
      changed
        ? `Promoted ${repository}@${manifest.digest} (${from}) to ${target}:${options.to}` +
            (targetRegistry === registry
              ? ': no layer moved.'
              : `: ${blobs.uploaded} blobs copied, ${blobs.mounted} mounted, ${blobs.present} already there.`)
        : `${target}:${options.to} already points at ${manifest.digest} (${from}); nothing to do.`,
    );
    return { success: true, digest: manifest.digest };
  });
}

/** A registry answers 400 (MANIFEST_INVALID) or 415 to a manifest type it does not store. */
function unsupportedManifest(error: RegistryReadError): boolean {
  return error.method === 'PUT' && (error.status === 400 || error.status === 415) && error.url.includes('/manifests/');
}

function refusedManifest(error: RegistryReadError, target: string, manifest: StoredManifest, context: ExecutorContext): never {
  const versions = `nx run ${context.projectName}:${configuredTargetName(context, 'versions')}`;
  throw new UserError(
    manifest.isList
      ? `${target} refused the manifest list (HTTP ${error.status}, ${manifest.contentType}): this registry does not store multi-platform images. ` +
          `Promote one platform's image instead: --from=<its digest> (${versions} lists them, or docker buildx imagetools inspect).`
      : `${target} refused the image manifest (HTTP ${error.status}, ${manifest.contentType}): the registry does not accept this manifest type. ` +
          `Check that it supports Docker v2 or OCI image manifests, or push the image there with docker-push.`,
  );
}

/** Whether the registry that answered with this error is `registry` (the source of a copy, not its target). */
function answeredBy(error: RegistryReadError, registry: string): boolean {
  return new URL(error.url).host === registryHost(registry);
}

/** The digest the project's last docker-push published to this registry: the version of its current inputs. */
function publishedDigest(options: PromoteExecutorSchema, context: ExecutorContext, registry: string): string {
  const dir = resolveOption(options.pushPath, context);
  const push = configuredTargetName(context, 'docker-push');
  const entry = hasHandoff('push', dir)
    ? readHandoff('push', { dir, workspaceRoot: context.root, producer: push }).pushed.find((pushed) => pushed.registry === registry)
    : undefined;
  if (!entry) {
    throw new UserError(
      `No published version of this project in ${registry} to promote: run the ${configuredTargetName(context, 'publish')} target (with --registry=${registry}) first, or give --from=<tag or digest>.`,
    );
  }
  return entry.digest;
}
