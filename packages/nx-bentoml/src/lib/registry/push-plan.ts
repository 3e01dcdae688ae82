/**
 * Reuse rule 3 (lib/chain/reuse-rules.ts): a registry tag is left alone when it holds this very
 * image (a known manifest digest), or an image with the same build key and platform built
 * elsewhere (a CI runner whose Bento came from the remote cache). The other tags are then pointed
 * at that image in the registry instead of pushed, so one Bento has one digest under every tag.
 *
 * A pure function of the tags, the local image's facts and the registry's answers; the client
 * (client.ts) gathers the answers, asking for an image config only where needsImageFacts says so.
 */

/** The local image docker-push publishes, as rule 3 compares it. */
export interface LocalImage {
  /**
   * Manifest digests of this image: from its RepoDigests and from this run's pushes. A digest names
   * the manifest, which names the image's config and layers, so a registry tag with one of these
   * digests holds this very image, whichever repository the digest was first seen in.
   */
  knownDigests: ReadonlySet<string>;
  /** The label that says what the image was built from, and its value here; undefined for an image without one. */
  buildKey: { label: string; value: string } | undefined;
  /** "linux/amd64": a same-inputs image built for another CPU is no substitute. */
  platform: string;
  /**
   * Whether an image with these labels may be replaced by this one; a tag holding one it may not
   * (another owner's) is never moved, and the caller refuses. Unset: no image is another's.
   */
  owns?: (labels: Record<string, string>) => boolean;
}

/** What the registry holds under one tag: nothing (no digest), a manifest, and the image config's facts where they were read. */
export interface TagAnswer {
  digest?: string;
  image?: { digest: string; labels: Record<string, string>; platform: string };
}

/** What docker-push does with one tag. */
export type TagStep =
  | { tag: string; action: 'keep'; digest: string; sameInputs: boolean }
  /** Point the tag at a same-inputs image in the registry; push when the registry refuses. */
  | { tag: string; action: 'point'; digest: string }
  | { tag: string; action: 'push' }
  /** The tag holds an image `owns` refuses: another owner's, which this push must not move. */
  | { tag: string; action: 'foreign'; digest: string; labels: Record<string, string> };

/** Whether rule 3 needs the image config under a tag holding `digest`: only to compare a build key or an owner, for an image not known to be this one. */
export function needsImageFacts(local: LocalImage, digest: string | undefined): boolean {
  return digest !== undefined && !local.knownDigests.has(digest) && (local.buildKey !== undefined || local.owns !== undefined);
}

/** The labels of another owner's image under a tag (LocalImage.owns), read under this very digest. */
function foreignLabels(local: LocalImage, answer: TagAnswer | undefined): Record<string, string> | undefined {
  const image = answer?.image;
  if (!local.owns || !image || image.digest !== answer.digest || local.knownDigests.has(image.digest)) return undefined;
  return local.owns(image.labels) ? undefined : image.labels;
}

/** Rule 3 for one tag: the registry's digest when it already holds this image or a same-inputs one. */
export function matchTag(local: LocalImage, answer: TagAnswer | undefined): { digest: string; sameInputs: boolean } | undefined {
  const digest = answer?.digest;
  if (!digest) return undefined;
  if (local.knownDigests.has(digest)) return { digest, sameInputs: false };
  const image = answer.image;
  if (!local.buildKey || !image) return undefined;
  // The config must be the one under this digest: a tag that moved between the two reads is no match.
  const sameInputs =
    image.digest === digest && image.labels[local.buildKey.label] === local.buildKey.value && image.platform === local.platform;
  return sameInputs ? { digest, sameInputs } : undefined;
}

/** Rule 3 for all tags of one repository, from each tag's answer (none: not asked, as when forced without an owner). */
export function stepsFromAnswers(
  target: { tags: string[]; force?: boolean },
  local: LocalImage,
  answers: Array<TagAnswer | undefined>,
): TagStep[] {
  // Another owner's image is no match either: a same build key does not make it this project's.
  const foreign = answers.map((answer) => foreignLabels(local, answer));
  // Forced, every tag is pushed but one holding another owner's image: force re-pushes, it takes nothing over.
  if (target.force)
    return target.tags.map((tag, index): TagStep => {
      const labels = foreign[index];
      return labels ? { tag, action: 'foreign', digest: answers[index]!.digest!, labels } : { tag, action: 'push' };
    });
  const matches = target.tags.map((_, index) => (foreign[index] ? undefined : matchTag(local, answers[index])));
  const builtElsewhere = matches.find((match) => match?.sameInputs)?.digest;
  return target.tags.map((tag, index): TagStep => {
    const labels = foreign[index];
    if (labels) return { tag, action: 'foreign', digest: answers[index]!.digest!, labels };
    const match = matches[index];
    if (match) return { tag, action: 'keep', ...match };
    return builtElsewhere ? { tag, action: 'point', digest: builtElsewhere } : { tag, action: 'push' };
  });
}

/** The local image once this run has pushed it: the digests the registries reported are this image's too. */
export function withPushedDigests(local: LocalImage, digests: string[]): LocalImage {
  return { ...local, knownDigests: new Set([...local.knownDigests, ...digests]) };
}
