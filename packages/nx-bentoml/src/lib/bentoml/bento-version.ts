/**
 * A Bento version from the Nx task hash: the same inputs give the same version on every machine,
 * so a Bento that already exists is found instead of rebuilt. Base 36 keeps it short and lowercase,
 * as BentoML's own versions are.
 */
export function bentoVersionFromHash(hash: string): string {
  const digits = /^\d+$/.test(hash) ? BigInt(hash).toString(36) : hash.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (!digits) throw new Error(`Cannot derive a Bento version from the task hash "${hash}".`);
  return `nx${digits.slice(0, 40)}`;
}
