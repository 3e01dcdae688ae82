import { attachStatements } from '../attest/attach';
import { type HeldImage, missingGateRecords } from '../attest/gate-record';
import type { ImageStatements } from '../attest/image-statements';
import type { Signer, VerifyKey } from '../attest/signer';
import type { DockerClient } from '../docker/client';
import { UserError } from '../errors';
import type { RegistryClient } from '../registry/client';
import type { RegistryAccess, RegistryAuth } from '../registry/credentials';
import { explainPushError, explainRegistryError, isTransientPushError } from '../registry/errors';
import { type LocalImage, type TagStep, withPushedDigests } from '../registry/push-plan';
import { withRetries } from '../retry';
import type { ImageHandoff, PushHandoff } from './handoff-files';
import { buildKeyLabel } from './image-labels';
import type { RegistryImage } from './image-location';
import { type ProjectIdentity, assertNoOtherProject, ownedBy } from './project-images';

type PushedTag = PushHandoff['pushed'][number];

/** What docker-push publishes where, as its options say. */
export interface ImagePush {
  image: ImageHandoff;
  registries: string[];
  access: RegistryAccess;
  force?: boolean;
  /** Attempts per tag for transient failures (3 by default), and the wait before each retry (1 s, doubling, by default). */
  retries?: number;
  retryDelayMs?: (attempt: number) => number;
  /** containerize's target name in this project, for "run it again". */
  containerizeTarget: string;
  /** The project that publishes: a registry tag holding another project's image is refused, never moved. */
  owner: ProjectIdentity;
  /** With a signing key: the statements each pushed or tagged digest gets (attest/image-statements.ts), signed by `signer`. */
  attest?: { signer: Signer; statements: ImageStatements };
}

export interface PushClients {
  docker: DockerClient;
  registry: RegistryClient;
}

interface PushLog {
  info(line: string): void;
  warn(line: string): void;
}

/**
 * The image containerize recorded, as reuse rule 3 compares it: in the engine now, or (containerize
 * found it there and built nothing) in a registry, by digest, which is then the source of every tag.
 */
export async function describeImage(
  docker: DockerClient,
  image: ImageHandoff,
  containerizeTarget: string,
  owner: ProjectIdentity,
): Promise<{ sizeBytes: number; local: LocalImage; source?: RegistryImage }> {
  const source = image.registryImage;
  if (source) {
    const buildKey = image.buildKey === undefined ? undefined : { label: buildKeyLabel, value: image.buildKey };
    return {
      sizeBytes: source.sizeBytes,
      local: { knownDigests: new Set([source.digest]), buildKey, platform: source.platform, owns: ownedBy(owner) },
      source,
    };
  }
  const summary = await docker.inspectImage(image.imageId);
  if (!summary) {
    throw new UserError(
      `The image ${image.imageName} (${image.imageId}) is no longer in the Docker Engine. Run the ${containerizeTarget} target again.`,
    );
  }
  const buildKey = summary.labels[buildKeyLabel];
  return {
    sizeBytes: summary.sizeBytes,
    local: {
      knownDigests: new Set(summary.repoDigests.map((entry) => entry.split('@')[1])),
      buildKey: buildKey === undefined ? undefined : { label: buildKeyLabel, value: buildKey },
      platform: summary.platform,
      owns: ownedBy(owner),
    },
  };
}

/**
 * Pushes every tag to every registry, as reuse rule 3 plans it: a tag that holds the image is kept,
 * one elsewhere is pointed. Every registry is planned first, so a tag holding another project's
 * image stops the push before any tag moves anywhere.
 */
export async function pushImage(
  push: ImagePush,
  clients: PushClients,
  log: PushLog,
): Promise<{ imageSizeBytes: number; pushed: PushedTag[] }> {
  const { sizeBytes, local: inspected, source } = await describeImage(clients.docker, push.image, push.containerizeTarget, push.owner);
  const plans = await planRegistries(push, clients.registry, inspected);
  let local = inspected;
  const pushed: PushedTag[] = [];
  const digests = new Map<string, { repository: string; digest: string; auth: RegistryAuth | undefined }>();
  for (const plan of plans) {
    const { registry, repository, auth } = plan;
    // A digest an earlier registry's push reported is this image's here too: planned again with it.
    const steps = local === inspected ? plan.steps : await planRegistryPush(push, clients.registry, repository, local, auth);
    assertNoOtherProject(push.owner, push.image.imageName, repository, steps);
    for (const step of steps) {
      if (!source) await clients.docker.tagImage(push.image.imageId, repository, step.tag);
      const result = await carryOut(push, clients, { registry, repository, step, auth, source }, log);
      pushed.push(result.entry);
      digests.set(`${repository}@${result.entry.digest}`, { repository, digest: result.entry.digest, auth });
      if (result.pushedImage) local = withPushedDigests(local, [result.entry.digest]);
    }
  }
  if (push.attest) for (const target of digests.values()) await attest(target, push.attest, clients.registry, log);
  return { imageSizeBytes: sizeBytes, pushed };
}

/** The signed statements of one digest in one repository, each attached once per key. */
async function attest(
  target: { repository: string; digest: string; auth: RegistryAuth | undefined },
  { signer, statements }: NonNullable<ImagePush['attest']>,
  registry: RegistryClient,
  log: PushLog,
) {
  const results = await attachStatements(target, statements(target.repository, target.digest), signer, registry);
  const added = results.filter((result) => result.status === 'attached');
  if (!results.some((result) => result.kind === 'gate'))
    log.info(
      `No gate result for this image (smoke-test did not test it in this run): ${target.repository} gets no smoke-test statement now.`,
    );
  const where = `${target.repository}@${target.digest.slice(0, 19)}`;
  if (added.length === 0) {
    log.info(
      `${where} already holds the ${results.map((r) => r.kind).join(', ')} statements signed by key ${signer.keyId.slice(0, 12)}; none added.`,
    );
    return;
  }
  const via = added[0].via === 'tag-schema' ? 'the referrers tag schema' : 'the referrers API';
  log.info(`Signed and attached to ${where} (key ${signer.keyId.slice(0, 12)}, ${via}): ${added.map((r) => r.kind).join(', ')}.`);
}

/**
 * What the gate must test before this push (refusing as pushImage does):
 * - "new": a registry would receive an image none of them holds yet (or the push is forced): test it;
 * - "published": the tags would only be written from an image with this build key a target registry
 *   already holds; without a signing key that registry is the gate's record (docker-push put the
 *   image there after its gate passed);
 * - "nothing": every tag already holds the image.
 * With a signing key (`gateKey`), only a passed gate statement it signed is the record: `unrecorded`
 * says which held images lack one (attest/gate-record.ts), and the gate tests the image for them.
 */
export async function gateNeed(
  push: ImagePush,
  clients: PushClients,
  gateKey?: VerifyKey,
): Promise<{ need: 'new' | 'published' | 'nothing'; unrecorded: string[] }> {
  if (push.force) return { need: 'new', unrecorded: [] };
  const { local, source } = await describeImage(clients.docker, push.image, push.containerizeTarget, push.owner);
  const plans = await planRegistries(push, clients.registry, local);
  const steps = plans.flatMap((plan) => plan.steps);
  const need = steps.every((step) => step.action === 'keep')
    ? 'nothing'
    : source || steps.every((step) => step.action !== 'push')
      ? 'published'
      : 'new';
  if (need === 'new' || !gateKey) return { need, unrecorded: [] };
  const held = await heldImages(push, clients.registry, plans, source);
  const unrecorded = await missingGateRecords(held, gateKey, clients.registry).catch((error: unknown) => {
    throw explainRegistryError(error, { passwordEnv: push.access.passwordEnv });
  });
  return { need, unrecorded };
}

/**
 * The registry images a push that writes no new image keeps tags on, or points or copies tags to,
 * each once; a copy into another registry carries the source's statements along, so the source is read.
 */
async function heldImages(
  push: ImagePush,
  registry: RegistryClient,
  plans: Awaited<ReturnType<typeof planRegistries>>,
  source: RegistryImage | undefined,
): Promise<HeldImage[]> {
  const sourceAuth =
    source && (plans.find((plan) => plan.registry === source.registry)?.auth ?? (await registry.credentials(source.registry, push.access)));
  const held = new Map<string, HeldImage>();
  for (const { repository, auth, steps } of plans) {
    for (const step of steps) {
      const image =
        step.action === 'keep' || step.action === 'point'
          ? { repository, digest: step.digest, auth }
          : source && { repository: source.repository, digest: source.digest, auth: sourceAuth };
      if (image) held.set(`${image.repository}@${image.digest}`, image);
    }
  }
  return [...held.values()];
}

/** Rule 3 in every registry, before anything moves; a tag holding another project's image in any of them is refused. */
export async function planRegistries(push: ImagePush, registry: RegistryClient, local: LocalImage) {
  const plans: Array<{ registry: string; repository: string; auth: RegistryAuth | undefined; steps: TagStep[] }> = [];
  for (const name of push.registries) {
    const auth = await registry.credentials(name, push.access);
    const repository = `${name}/${push.image.imageName}`;
    plans.push({ registry: name, repository, auth, steps: await planRegistryPush(push, registry, repository, local, auth) });
  }
  for (const { repository, steps } of plans) assertNoOtherProject(push.owner, push.image.imageName, repository, steps);
  return plans;
}

function planRegistryPush(
  push: ImagePush,
  registry: RegistryClient,
  repository: string,
  local: LocalImage,
  auth: RegistryAuth | undefined,
) {
  return planTagSteps(registry, repository, { tags: push.image.tags, force: push.force }, local, auth, push.access);
}

/** Rule 3 for one repository, the registry's refusal explained with the options' password variable. */
export function planTagSteps(
  registry: RegistryClient,
  repository: string,
  target: { tags: string[]; force?: boolean },
  local: LocalImage,
  auth: RegistryAuth | undefined,
  access: RegistryAccess,
): Promise<TagStep[]> {
  return registry.planPush(repository, target, local, auth).catch((error: unknown) => {
    throw explainRegistryError(error, { passwordEnv: access.passwordEnv });
  });
}

interface TagTarget {
  registry: string;
  repository: string;
  step: TagStep;
  auth: RegistryAuth | undefined;
  /** The registry image containerize found, when the engine has none: tags are copied from it, not pushed. */
  source: RegistryImage | undefined;
}

async function carryOut(push: ImagePush, clients: PushClients, { registry, repository, step, auth, source }: TagTarget, log: PushLog) {
  const reference = `${repository}:${step.tag}`;
  if (step.action === 'keep') {
    log.info(`${reference} is up to date (${step.digest}${step.sameInputs ? ', built from the same inputs elsewhere' : ''}); not pushing.`);
    return { entry: { registry, reference, tag: step.tag, digest: step.digest, status: 'up-to-date' as const } };
  }
  if (step.action === 'point' && (await clients.registry.pointTag(repository, step.tag, step.digest, auth))) {
    log.info(`Tagged ${reference} in the registry with the image built from the same inputs elsewhere (${step.digest}).`);
    return { entry: { registry, reference, tag: step.tag, digest: step.digest, status: 'pushed' as const } };
  }
  if (source) return { entry: await copyFromRegistry(push, clients.registry, { registry, repository, step, auth, source }, log) };
  log.info(`Pushing ${reference}${auth?.username ? ` as ${auth.username}` : ''}...`);
  const result = await withRetries(() => clients.docker.pushImage(repository, step.tag, auth, (line) => log.info(`  ${line}`)), {
    attempts: push.retries ?? 3,
    isRetryable: (error) => isTransientPushError(error.message),
    onRetry: (error, attempt) => log.warn(`Push of ${reference} failed (${error.message}); retrying (attempt ${attempt + 1}).`),
    delayMs: push.retryDelayMs,
  }).catch((error: Error) => {
    throw explainPushError(error.message, reference, registry, { passwordEnv: push.access.passwordEnv });
  });
  log.info(`Pushed ${reference}@${result.digest}`);
  return { entry: { registry, reference, tag: step.tag, digest: result.digest, status: 'pushed' as const }, pushedImage: true };
}

/** A tag written from the registry image containerize found: the manifest's own bytes, with the blobs another repository lacks copied first. */
async function copyFromRegistry(
  push: ImagePush,
  registry: RegistryClient,
  { registry: name, repository, step, auth, source }: TagTarget & { source: RegistryImage },
  log: PushLog,
): Promise<PushedTag> {
  const reference = `${repository}:${step.tag}`;
  const sourceAuth = source.registry === name ? auth : await registry.credentials(source.registry, push.access);
  const explain = (error: unknown) => {
    throw explainRegistryError(error, { passwordEnv: push.access.passwordEnv });
  };
  if (!(await registry.imageManifest(source.repository, source.digest, sourceAuth).catch(explain))) {
    throw new UserError(
      `${source.repository} no longer holds ${source.digest}, the image the ${push.containerizeTarget} target found there: nothing was written. ` +
        `Run it again (nx run ${push.owner.project}:${push.containerizeTarget}, or publish): it looks again, and builds the image when no registry holds it.`,
    );
  }
  const { digest, blobs } = await registry
    .promote({
      from: { repository: source.repository, reference: source.digest, auth: sourceAuth },
      to: { repository, tag: step.tag, auth },
      versionsCommand: `nx run ${push.owner.project}:versions`,
    })
    .catch(explain);
  const copied = blobs.uploaded || blobs.mounted ? ` (${blobs.uploaded} blobs copied, ${blobs.mounted} mounted)` : '';
  log.info(`Tagged ${reference} in the registry with ${source.repository}@${digest}${copied}; nothing was built or pulled.`);
  return { registry: name, reference, tag: step.tag, digest, status: 'pushed' };
}
