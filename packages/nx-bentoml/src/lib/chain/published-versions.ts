import type { VersionSignatures } from '../attest/signatures';
import type { RemoteImage } from '../registry/distribution-api';
import { UserError } from '../errors';
import { textTable } from '../text-table';
import { type LabelledLineage, lineageFromLabels } from './image-labels';

/** One published version of a model service: an image in the registry, with every tag that points at it. */
export interface PublishedVersion extends LabelledLineage {
  digest: string;
  tags: string[];
  /** The signed statements its referrers list (versions reads them); absent where the registry would not list them. */
  signatures?: VersionSignatures;
}

/**
 * The registry's tags grouped by the image they point at, newest first (by the image's creation
 * time, from its labels or config), each with the lineage its labels carry.
 */
export function publishedVersions(tagged: Array<{ tag: string; image: RemoteImage }>): PublishedVersion[] {
  const byDigest = new Map<string, PublishedVersion>();
  for (const { tag, image } of tagged) {
    const known = byDigest.get(image.digest);
    if (known) {
      known.tags.push(tag);
      continue;
    }
    const lineage = lineageFromLabels(image.labels);
    byDigest.set(image.digest, { digest: image.digest, tags: [tag], ...lineage, created: lineage.created ?? image.created });
  }
  const versions = [...byDigest.values()];
  for (const version of versions) version.tags.sort(byTagName);
  return versions.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.digest.localeCompare(b.digest));
}

// "latest" and other names first, then versions as written.
function byTagName(a: string, b: string) {
  return Number(a !== 'latest') - Number(b !== 'latest') || a.localeCompare(b);
}

/** "sha256:" and 12 hex digits: how versions shows a digest, and the shortest prefix findVersion takes. */
const shortDigestLength = 'sha256:'.length + 12;

/** The version a tag or digest (full, or "sha256:" and at least 12 hex digits) names. */
export function findVersion(versions: PublishedVersion[], reference: string, repository: string): PublishedVersion {
  const found = reference.startsWith('sha256:')
    ? versions.filter((version) => reference.length >= shortDigestLength && version.digest.startsWith(reference))
    : versions.filter((version) => version.tags.includes(reference));
  if (found.length === 1) return found[0];
  const known = versions.flatMap((version) => version.tags).join(', ') || 'none';
  throw new UserError(
    found.length > 1
      ? `${reference} names more than one version in ${repository}; give more digits of the digest.`
      : `${repository} holds no version ${reference}. Its tags: ${known}. Give a tag or a digest (sha256:…) that it holds.`,
  );
}

export interface VersionDifference {
  kind: 'param' | 'metric';
  key: string;
  a?: string;
  b?: string;
}

/** The params and metrics whose values differ between two versions (absent on one side included). */
export function compareVersions(a: PublishedVersion, b: PublishedVersion): VersionDifference[] {
  const differences = (kind: VersionDifference['kind'], left: Record<string, string>, right: Record<string, string>) =>
    [...new Set([...Object.keys(left), ...Object.keys(right)])]
      .sort()
      .filter((key) => left[key] !== right[key])
      .map((key): VersionDifference => ({ kind, key, a: left[key], b: right[key] }));
  return [...differences('param', a.params, b.params), ...differences('metric', a.metrics, b.metrics)];
}

/** The versions as a plain table, one line each. */
export function formatVersions(versions: PublishedVersion[]): string {
  const rows = versions.map((version) => [
    version.tags.join(', '),
    version.digest.slice(0, shortDigestLength),
    version.created ?? '',
    version.bentoTag ?? '',
    version.models.join(', '),
    Object.entries(version.metrics)
      .map(([key, value]) => `${key}=${value}`)
      .join(' '),
    (version.revision ?? '').slice(0, 12),
    signedBy(version.signatures),
    version.signatures?.gate ?? '',
  ]);
  const header = ['tags', 'digest', 'created', 'bento', 'models', 'metrics', 'revision', 'signed', 'gate'];
  return textTable([header, ...rows]);
}

/** "no", the short key id(s) that signed, or "?" where the registry would not list referrers. */
function signedBy(signatures: VersionSignatures | undefined) {
  if (!signatures) return '?';
  return signatures.keyIds.length ? signatures.keyIds.map((keyId) => keyId.slice(0, 12)).join(', ') : 'no';
}

export function formatDifferences(a: string, b: string, differences: VersionDifference[]): string {
  if (differences.length === 0) return `${a} and ${b} have the same params and metrics.`;
  return [
    `What differs between ${a} and ${b}:`,
    ...differences.map(({ kind, key, a: left, b: right }) => `  ${kind} ${key}: ${left ?? '(none)'} -> ${right ?? '(none)'}`),
  ].join('\n');
}
