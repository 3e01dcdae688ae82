/**
 * The three reuse rules: how the chain avoids building or pushing what already exists.
 *
 * 1. A Bento's version comes from its inputs: the files, runtime values (BentoML version, the
 *    store models' versions) and options of bento-build, not the rest of the project's
 *    configuration (bento-key.ts; the inputs read by executors/bento-build/task-inputs.ts, Nx's
 *    task hash when they are of kinds it cannot read). The same inputs give the same Bento tag on
 *    every machine, and bento-build reuses a Bento of that version.
 * 2. An image's build key (label dev.nx-bentoml.build-key, see image-labels.ts) hashes everything
 *    that decides its content: containerize reuses a local image with the same key.
 * 3. A registry tag is left alone when it holds this very image (a known manifest digest), or an
 *    image with the same build key and platform built elsewhere (a CI runner whose Bento came from
 *    the remote cache). The other tags are then pointed at that image in the registry instead of
 *    pushed, so one Bento has one digest under every tag.
 */

/** Rule 1: a Bento version from the inputs' key (decimal or hex); base 36 keeps it short and lowercase, as BentoML's own are. */
export function bentoVersionFromHash(hash: string): string {
  const digits = /^\d+$/.test(hash) ? BigInt(hash).toString(36) : hash.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (!digits) throw new Error(`Cannot derive a Bento version from the task hash "${hash}".`);
  return `nx${digits.slice(0, 40)}`;
}

/** The local image docker-push publishes, as rule 3 compares it. */
export interface LocalImage {
  /**
   * Manifest digests of this image: from its RepoDigests and from this run's pushes. A digest names
   * the manifest, which names the image's config and layers, so a registry tag with one of these
   * digests holds this very image, whichever repository the digest was first seen in.
   */
  knownDigests: ReadonlySet<string>;
  buildKey: string | undefined;
  /** "linux/amd64": a same-inputs image built for another CPU is no substitute. */
  platform: string;
}

/** What rule 3 asks the registry about one tag; either question may go unanswered. */
export interface RegistryAnswers {
  digest(): Promise<string | undefined>;
  image(): Promise<{ digest: string; buildKey: string | undefined; platform: string } | undefined>;
}

export interface RegistryMatch {
  digest: string;
  /** True when the registry's image is not this one but was built from the same inputs elsewhere. */
  sameInputs: boolean;
}

/** Rule 3 for one tag: the registry's digest when it already holds this image or a same-inputs one. */
export async function matchRegistryImage(local: LocalImage, registry: RegistryAnswers): Promise<RegistryMatch | undefined> {
  const digest = await registry.digest();
  if (!digest) return undefined;
  if (local.knownDigests.has(digest)) return { digest, sameInputs: false };
  if (!local.buildKey) return undefined;
  const image = await registry.image();
  const sameInputs = image?.digest === digest && image.buildKey === local.buildKey && image.platform === local.platform;
  return sameInputs ? { digest, sameInputs } : undefined;
}

/** What docker-push does with one tag. */
export type TagStep =
  | { tag: string; action: 'keep'; digest: string; sameInputs: boolean }
  /** Point the tag at a same-inputs image in the registry; push when the registry refuses. */
  | { tag: string; action: 'point'; digest: string }
  | { tag: string; action: 'push' };

/** Rule 3 for all tags of one registry, from each tag's match (undefined: no match, or not asked). */
export function planTags(tags: string[], matches: Array<RegistryMatch | undefined>): TagStep[] {
  const builtElsewhere = matches.find((match) => match?.sameInputs)?.digest;
  return tags.map((tag, index): TagStep => {
    const match = matches[index];
    if (match) return { tag, action: 'keep', ...match };
    return builtElsewhere ? { tag, action: 'point', digest: builtElsewhere } : { tag, action: 'push' };
  });
}
