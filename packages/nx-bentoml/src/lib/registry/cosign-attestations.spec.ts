import { registryAuth as auth, startOciRegistry, storeImage } from '../../testing/registry-server';
import { createRegistryClient } from './client';
import { cosignAttestationTag, isCosignTag } from './cosign-attestations';
import { sha256Digest } from './distribution-api';

const provenance = {
  data: Buffer.from('{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}'),
  annotations: { predicateType: 'https://slsa.dev/provenance/v1', 'dev.nx-bentoml.key-id': 'k1' },
};
const sbom = {
  data: Buffer.from('{"payloadType":"application/vnd.in-toto+json","payload":"e31=","signatures":[]}'),
  annotations: { predicateType: 'https://cyclonedx.org/bom' },
};

type Registry = Awaited<ReturnType<typeof startOciRegistry>>;
const registries: Registry[] = [];
const start = async () => {
  const registry = await startOciRegistry();
  registries.push(registry);
  return registry;
};
afterEach(() => registries.splice(0).forEach((registry) => registry.close()));

async function withImage() {
  const registry = await start();
  const subject = storeImage(registry.repository('models/classifier'), 'v1');
  return { registry, repository: `${registry.host}/models/classifier`, subject };
}

describe("cosign's attestation tag", () => {
  it('names the tag cosign reads: sha256-<hex>.att, which is no version of the image', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    expect(cosignAttestationTag(digest)).toBe(`sha256-${'ab'.repeat(32)}.att`);
    expect(isCosignTag(cosignAttestationTag(digest))).toBe(true);
    expect(isCosignTag(`sha256-${'ab'.repeat(32)}.sig`)).toBe(true);
    expect(isCosignTag('v1.att')).toBe(false);
  });

  it('writes an OCI image manifest whose layers are the envelopes, as cosign attest lays it out', async () => {
    const { registry, repository, subject } = await withImage();
    const client = createRegistryClient();
    expect(await client.attachCosignAttestations(repository, subject, [provenance], auth)).toBe(1);

    const stored = registry.repository('models/classifier');
    const manifest = stored.manifests.get(cosignAttestationTag(subject))!;
    expect(manifest.type).toBe('application/vnd.oci.image.manifest.v1+json');
    const body = JSON.parse(manifest.body.toString());
    const layerDigest = sha256Digest(provenance.data);
    expect(body.layers).toEqual([
      {
        mediaType: 'application/vnd.dsse.envelope.v1+json',
        digest: layerDigest,
        size: provenance.data.length,
        annotations: { ...provenance.annotations, 'dev.cosignproject.cosign/signature': '' },
      },
    ]);
    expect(body.config.mediaType).toBe('application/vnd.oci.image.config.v1+json');
    const config = JSON.parse(stored.blobs.get(body.config.digest)!.toString());
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: [layerDigest] });
    expect(stored.blobs.get(layerDigest)).toEqual(provenance.data);

    expect(await client.listCosignAttestations(repository, subject, auth)).toEqual([
      { digest: layerDigest, annotations: { ...provenance.annotations, 'dev.cosignproject.cosign/signature': '' } },
    ]);
    expect(await client.readCosignAttestation(repository, layerDigest, auth)).toEqual(provenance.data);
    // The tag holds statements, not a version: versions and promote leave it out.
    expect((await client.listImages(repository, auth)).images.map((image) => image.tag)).toEqual(['v1']);
  });

  it('keeps the layers it holds, adds only the missing ones, and writes nothing when none is missing', async () => {
    const { registry, repository, subject } = await withImage();
    const client = createRegistryClient();
    await client.attachCosignAttestations(repository, subject, [provenance], auth);
    expect(await client.attachCosignAttestations(repository, subject, [provenance, sbom], auth)).toBe(1);
    const layers = await client.listCosignAttestations(repository, subject, auth);
    expect(layers.map((layer) => layer.digest)).toEqual([sha256Digest(provenance.data), sha256Digest(sbom.data)]);

    registry.requests.length = 0;
    expect(await client.attachCosignAttestations(repository, subject, [sbom, provenance], auth)).toBe(0);
    expect(registry.requests.filter((request) => request.startsWith('PUT'))).toEqual([]);
  });

  it('refuses to overwrite a tag that holds something else under that name, and says what to do', async () => {
    const { registry, repository, subject } = await withImage();
    const stored = registry.repository('models/classifier');
    stored.manifests.set(cosignAttestationTag(subject), {
      type: 'application/vnd.oci.image.index.v1+json',
      body: Buffer.from('{"schemaVersion":2,"manifests":[]}'),
    });
    await expect(createRegistryClient().attachCosignAttestations(repository, subject, [sbom], auth)).rejects.toThrow(
      `${repository}:${cosignAttestationTag(subject)} holds a application/vnd.oci.image.index.v1+json that is not the image manifest of attestations cosign keeps under this tag. Remove or rename that tag, then run again.`,
    );
  });

  it('goes along when promote copies the version to another registry; again, nothing is written', async () => {
    const { repository, subject } = await withImage();
    const target = await start();
    const client = createRegistryClient();
    await client.attachCosignAttestations(repository, subject, [provenance, sbom], auth);
    const promote = () =>
      client.promote({
        from: { repository, reference: 'v1', auth },
        to: { repository: `${target.host}/models/classifier`, tag: 'production', auth },
        versionsCommand: 'nx run classifier:versions',
      });
    await promote();
    const copied = await client.listCosignAttestations(`${target.host}/models/classifier`, subject, auth);
    expect(copied).toEqual(await client.listCosignAttestations(repository, subject, auth));
    expect(target.repository('models/classifier').manifests.get(cosignAttestationTag(subject))!.body).toEqual(
      (registries[0].repository('models/classifier').manifests.get(cosignAttestationTag(subject)) as { body: Buffer }).body,
    );

    target.requests.length = 0;
    await promote();
    expect(target.requests.filter((request) => request.startsWith('PUT'))).toEqual([]);
  });
});
