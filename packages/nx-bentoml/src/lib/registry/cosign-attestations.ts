import { z } from 'zod';
import { UserError } from '../errors';
import { type Side, imageManifestTypes, readBlob, readManifest, sha256Digest, uploadBlob } from './distribution-api';
import { type ArtifactWriter, writeArtifactManifest, mergeUnderTag } from './tag-merge';
import { referrerBlobLimit, referrersTag } from './referrers';

/**
 * cosign's own place for an image's attestations, which cosign verify-attestation, Kyverno's
 * verifyImages and sigstore's policy-controller read: one OCI image manifest under the tag
 * `sha256-<hex of the image digest>.att` in the image's repository, each layer a DSSE envelope
 * (`application/vnd.dsse.envelope.v1+json`) annotated with its predicate type and an empty
 * `dev.cosignproject.cosign/signature`, as cosign attest writes it. Signed statements are kept here
 * beside their OCI 1.1 referrers, the same envelope bytes in both.
 */

/** One envelope in the tag: its layer's digest, its annotations and, when read, its bytes. */
export interface CosignAttestation {
  data: Buffer;
  annotations: Record<string, string>;
}

export interface CosignLayer {
  digest: string;
  annotations: Record<string, string>;
}

export const cosignPredicateTypeAnnotation = 'predicateType';
const cosignSignatureAnnotation = 'dev.cosignproject.cosign/signature';
const ociManifestType = 'application/vnd.oci.image.manifest.v1+json';
const ociConfigType = 'application/vnd.oci.image.config.v1+json';
const dsseLayerType = 'application/vnd.dsse.envelope.v1+json';
/** cosign writes its signature images with this creation time (the zero time), so the same layers give the same config. */
const zeroTime = '0001-01-01T00:00:00Z';

const layerSchema = z.object({
  mediaType: z.string(),
  digest: z.string(),
  size: z.number(),
  annotations: z.record(z.string(), z.string()).optional(),
});
const manifestSchema = z.object({ layers: z.array(layerSchema).default([]) });

/** "sha256:<hex>" -> "sha256-<hex>.att", the tag cosign reads attestations from. */
export function cosignAttestationTag(subjectDigest: string): string {
  return `${referrersTag(subjectDigest)}.att`;
}

/** True for a tag cosign keeps signatures, attestations or SBOMs under: no version of the image. */
export function isCosignTag(tag: string): boolean {
  return /^sha256-[0-9a-f]{64}\.(att|sig|sbom)$/.test(tag);
}

/** The layers of the subject's attestation tag; none when there is no tag. */
export async function listCosignAttestations(side: Side, subjectDigest: string): Promise<CosignLayer[]> {
  return (await readAttestationLayers(side, subjectDigest)).map(({ digest, annotations }) => ({ digest, annotations: annotations ?? {} }));
}

/** The bytes of one layer of the attestation tag (a few MiB at most: a larger one throws BlobRejected). */
export function readCosignAttestation(side: Side, layerDigest: string): Promise<Buffer> {
  return readBlob(side.session, side.api, layerDigest, referrerBlobLimit);
}

/**
 * Adds envelopes the subject's attestation tag lacks (by the layer's digest), keeping every layer it
 * holds: uploads their blobs and the config, then writes the manifest under the tag (tag-merge.ts:
 * read back, merged once more). Answers how many it added.
 */
export async function addCosignAttestations(
  side: Side,
  subjectDigest: string,
  attestations: CosignAttestation[],
  writer: ArtifactWriter,
): Promise<number> {
  const tag = cosignAttestationTag(subjectDigest);
  return mergeUnderTag({
    added: attestations.map((attestation) => ({
      mediaType: dsseLayerType,
      digest: sha256Digest(attestation.data),
      size: attestation.data.length,
      annotations: { ...attestation.annotations, [cosignSignatureAnnotation]: '' },
      data: attestation.data,
    })),
    read: () => readAttestationLayers(side, subjectDigest),
    write: async (current, missing) => {
      for (const layer of missing) await uploadBlob(side.session, side.api, layer.data);
      const layers = [...current, ...missing.map(({ data: _data, ...descriptor }) => descriptor)];
      const config = attestationConfig(layers.map((layer) => layer.digest));
      await uploadBlob(side.session, side.api, config);
      const body = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: ociManifestType,
          config: { mediaType: ociConfigType, size: config.length, digest: sha256Digest(config) },
          layers,
        }),
      );
      await writeArtifactManifest(side, tag, { contentType: ociManifestType, body }, writer);
    },
    lostTwice: () =>
      `${side.api.reference}:${tag} lost an attestation twice to another writer of the same tag (two runs attaching to ${subjectDigest} at once). ` +
      `Run again: attaching is idempotent.`,
  });
}

/** Copies the envelopes of the source's attestation tag that the target's lacks (promote to another repository). */
export async function carryCosignAttestations(source: Side, target: Side, subjectDigest: string): Promise<number> {
  const layers = await listCosignAttestations(source, subjectDigest);
  if (layers.length === 0) return 0;
  const held = new Set((await listCosignAttestations(target, subjectDigest)).map((layer) => layer.digest));
  const missing = layers.filter((layer) => !held.has(layer.digest));
  if (missing.length === 0) return 0;
  const attestations: CosignAttestation[] = [];
  for (const layer of missing) {
    const { [cosignSignatureAnnotation]: _signature, ...annotations } = layer.annotations;
    attestations.push({ data: await readCosignAttestation(source, layer.digest), annotations });
  }
  return addCosignAttestations(target, subjectDigest, attestations, 'carry');
}

async function readAttestationLayers(side: Side, subjectDigest: string): Promise<Array<z.infer<typeof layerSchema>>> {
  const tag = cosignAttestationTag(subjectDigest);
  const manifest = await readManifest(side.session, side.api, tag);
  if (!manifest) return [];
  const parsed = manifestSchema.safeParse(JSON.parse(manifest.body.toString('utf8')));
  if (!imageManifestTypes.includes(manifest.contentType) || !parsed.success) {
    throw new UserError(
      `${side.api.reference}:${tag} holds a ${manifest.contentType} that is not the image manifest of attestations cosign keeps under this tag. ` +
        `Remove or rename that tag, then run again.`,
    );
  }
  return parsed.data.layers;
}

/** The image config of the attestation manifest, as cosign makes it: each layer is its own uncompressed diff. */
function attestationConfig(layerDigests: string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: '',
      created: zeroTime,
      history: layerDigests.map(() => ({ created: zeroTime })),
      os: '',
      rootfs: { type: 'layers', diff_ids: layerDigests },
      config: {},
    }),
  );
}
