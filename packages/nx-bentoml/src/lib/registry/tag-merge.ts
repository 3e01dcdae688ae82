import { UserError } from '../errors';
import { type Side, writeManifest } from './distribution-api';
import { RegistryRefusal, artifactsAlternative, artifactsRefused } from './errors';

/** Who writes OCI artifacts: docker-push attaching its statements, or promote carrying them. */
export type ArtifactWriter = keyof typeof artifactsAlternative;

/** Writes an artifact's manifest (a referrer, an index of them, cosign's tag); a registry that stores no OCI artifacts (400, 415) is explained. */
export function writeArtifactManifest(
  side: Side,
  reference: string,
  manifest: { contentType: string; body: Buffer },
  writer: ArtifactWriter,
): ReturnType<typeof writeManifest> {
  return writeManifest(side.session, side.api, reference, manifest).catch((error: unknown) => {
    throw error instanceof RegistryRefusal && [400, 415].includes(error.status)
      ? artifactsRefused(error, artifactsAlternative[writer])
      : error;
  });
}

/**
 * Adds entries (by digest) to the list a tag holds, keeping every entry it has: read, add what it
 * lacks, write. Two writers of one tag at once (two pushes signing one digest) can each write a list
 * without the other's entry, and no compare-and-swap for tags is honoured by every registry, so the
 * tag is read back after the write and, when an entry is missing, merged and written once more. A
 * third writer in that window would still lose: `lostTwice` says so. Answers how many it added.
 */
export async function mergeUnderTag<Held extends { digest: string }, Added extends { digest: string }>({
  added,
  read,
  write,
  lostTwice,
}: {
  added: Added[];
  read: () => Promise<Held[]>;
  write: (current: Held[], missing: Added[]) => Promise<void>;
  lostTwice: (lost: Added[]) => string;
}): Promise<number> {
  let written = 0;
  for (let attempt = 0; attempt < 2; attempt++) {
    const current = await read();
    const held = new Set(current.map((entry) => entry.digest));
    const missing = added.filter((entry) => !held.has(entry.digest));
    if (missing.length === 0) return written;
    await write(current, missing);
    written = Math.max(written, missing.length);
  }
  const after = new Set((await read()).map((entry) => entry.digest));
  const lost = added.filter((entry) => !after.has(entry.digest));
  if (lost.length) throw new UserError(lostTwice(lost));
  return written;
}
