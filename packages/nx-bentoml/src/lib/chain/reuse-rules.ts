import type { DockerClient, ImageSummary } from '../docker/client';
import { buildKeyLabel, projectLabel } from './image-labels';
import { type ProjectIdentity, otherProject } from './project-images';

/**
 * The three reuse rules: how the chain avoids building or pushing what already exists.
 *
 * 1. A Bento's version comes from its inputs: the files, runtime values (BentoML version, the
 *    store models' versions) and options of bento-build, not the rest of the project's
 *    configuration (bento-key.ts; the inputs read by executors/bento-build/task-inputs.ts, Nx's
 *    task hash when they are of kinds it cannot read). The same inputs give the same Bento tag on
 *    every machine, and bento-build reuses a Bento of that version.
 * 2. An image's build key (label dev.nx-bentoml.build-key, see image-labels.ts) hashes everything
 *    that decides its content: containerize reuses a local image with the same key, built by this
 *    project or by none (before the project label), never another project's (findReusableImage).
 * 3. A registry tag is left alone when it holds this very image (a known manifest digest), or an
 *    image with the same build key and platform built elsewhere (a CI runner whose Bento came from
 *    the remote cache). The other tags are then pointed at that image in the registry instead of
 *    pushed, so one Bento has one digest under every tag (lib/registry/push-plan.ts; the push
 *    itself in image-push.ts).
 */

/** Rule 1: a Bento version from the inputs' key (decimal or hex); base 36 keeps it short and lowercase, as BentoML's own are. */
export function bentoVersionFromHash(hash: string): string {
  const digits = /^\d+$/.test(hash) ? BigInt(hash).toString(36) : hash.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (!digits) throw new Error(`Cannot derive a Bento version from the task hash "${hash}".`);
  return `nx${digits.slice(0, 40)}`;
}

/**
 * Rule 2: the local image with this build key that this project built, else one built before the
 * project label. Another project's image of the same content is not reused: its labels name that
 * project, and this project's tags on it would read as the other's.
 */
export async function findReusableImage(docker: DockerClient, buildKey: string, ours: ProjectIdentity): Promise<ImageSummary | undefined> {
  const own = await docker.findImageByLabels({ [buildKeyLabel]: buildKey, [projectLabel]: ours.project });
  if (own && !otherProject(ours, own.labels)) return own;
  const any = await docker.findImageByLabels({ [buildKeyLabel]: buildKey });
  return any && any.labels[projectLabel] === undefined ? any : undefined;
}
