import { UserError } from '../errors';
import { registryAuth as auth, startOciRegistry, storeImage } from '../../testing/registry-server';
import { createRegistryClient } from './client';
import { sha256Digest } from './distribution-api';
import { BlobRejected, RegistryRefusal, explainRegistryError } from './errors';
import { type ReferrerArtifact, referrersTag } from './referrers';

const provenance: ReferrerArtifact = {
  artifactType: 'application/vnd.in-toto.provenance+dsse',
  mediaType: 'application/vnd.dsse.envelope.v1+json',
  data: Buffer.from('{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}'),
  annotations: { 'dev.nx-bentoml.predicate-type': 'https://slsa.dev/provenance/v1' },
};
const sbom: ReferrerArtifact = {
  artifactType: 'application/vnd.in-toto.sbom+dsse',
  mediaType: 'application/vnd.dsse.envelope.v1+json',
  data: Buffer.from('{"payloadType":"application/vnd.in-toto+json","payload":"e31=","signatures":[]}'),
};

type Registry = Awaited<ReturnType<typeof startOciRegistry>>;
const registries: Registry[] = [];
const start = async (options: Parameters<typeof startOciRegistry>[0] = {}) => {
  const registry = await startOciRegistry(options);
  registries.push(registry);
  return registry;
};
afterEach(() => registries.splice(0).forEach((registry) => registry.close()));

/** A registry holding models/classifier:v1; the repository as the user names it and the image's digest. */
async function withImage(options: Parameters<typeof startOciRegistry>[0] = {}) {
  const registry = await start(options);
  const subject = storeImage(registry.repository('models/classifier'), 'v1');
  return { registry, repository: `${registry.host}/models/classifier`, subject };
}

describe('attachReferrer on a registry without the referrers API (distribution 2.8)', () => {
  it('writes the artifact manifest by digest and lists it in the index under sha256-<hex>', async () => {
    const { registry, repository, subject } = await withImage();
    const client = createRegistryClient();
    const attached = await client.attachReferrer(repository, subject, provenance, auth);
    expect(attached.via).toBe('tag-schema');

    const stored = registry.repository('models/classifier').manifests;
    const manifest = JSON.parse(stored.get(attached.digest)!.body.toString());
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: provenance.artifactType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Digest(Buffer.from('{}')), size: 2 },
      layers: [{ mediaType: provenance.mediaType, digest: sha256Digest(provenance.data), size: provenance.data.length }],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: subject, size: stored.get('v1')!.body.length },
      annotations: provenance.annotations,
    });
    const index = stored.get(referrersTag(subject))!;
    expect(referrersTag(subject)).toBe(`sha256-${subject.slice('sha256:'.length)}`);
    expect(index.type).toBe('application/vnd.oci.image.index.v1+json');
    expect(JSON.parse(index.body.toString()).manifests).toEqual([
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: attached.digest,
        size: stored.get(attached.digest)!.body.length,
        artifactType: provenance.artifactType,
        annotations: provenance.annotations,
      },
    ]);

    expect(await client.listReferrers(repository, subject, auth)).toEqual([
      expect.objectContaining({ digest: attached.digest, artifactType: provenance.artifactType, annotations: provenance.annotations }),
    ]);
    expect(await client.readReferrer(repository, attached.digest, auth)).toEqual({
      artifactType: provenance.artifactType,
      annotations: provenance.annotations,
      data: provenance.data,
    });
  });

  it('is idempotent: the same artifact twice is one entry, written once; another artifact keeps the first', async () => {
    const { registry, repository, subject } = await withImage();
    const client = createRegistryClient();
    const first = await client.attachReferrer(repository, subject, provenance, auth);
    registry.requests.length = 0;
    expect(await client.attachReferrer(repository, subject, provenance, auth)).toEqual(first);
    // The blobs are there (HEAD), the manifest is rewritten with the same bytes, the index is left alone.
    expect(registry.requests.filter((request) => request.startsWith('POST') || request.includes(referrersTag(subject)))).toEqual([
      `GET /v2/models/classifier/manifests/${referrersTag(subject)}`,
    ]);

    const second = await client.attachReferrer(repository, subject, sbom, auth);
    expect((await client.listReferrers(repository, subject, auth)).map((referrer) => referrer.digest)).toEqual([
      first.digest,
      second.digest,
    ]);
    expect(await client.listReferrers(repository, subject, auth, sbom.artifactType)).toEqual([
      expect.objectContaining({ digest: second.digest, artifactType: sbom.artifactType, annotations: {} }),
    ]);
  });

  it('lists nothing for an image without referrers', async () => {
    const { repository, subject } = await withImage();
    expect(await createRegistryClient().listReferrers(repository, subject, auth)).toEqual([]);
  });

  it('reads its write back: an entry another writer dropped at the same time is written once more', async () => {
    const { registry, repository, subject } = await withImage();
    const client = createRegistryClient();
    await client.attachReferrer(repository, subject, provenance, auth);
    const stored = registry.repository('models/classifier').manifests;
    const before = stored.get(referrersTag(subject))!;
    let overwritten = false;
    // Another run that read the index before this write puts back the index it read, once.
    registry.state.afterManifestPut = (_, reference) => {
      if (reference !== referrersTag(subject) || overwritten) return;
      overwritten = true;
      stored.set(referrersTag(subject), before);
    };
    const second = await client.attachReferrer(repository, subject, sbom, auth);
    expect(overwritten).toBe(true);
    expect((await client.listReferrers(repository, subject, auth)).map((referrer) => referrer.artifactType)).toEqual([
      provenance.artifactType,
      sbom.artifactType,
    ]);
    expect(second.via).toBe('tag-schema');
  });

  it('says so when another writer drops the entry twice', async () => {
    const { registry, repository, subject } = await withImage();
    const stored = registry.repository('models/classifier').manifests;
    registry.state.afterManifestPut = (_, reference) => {
      if (reference === referrersTag(subject)) stored.delete(referrersTag(subject));
    };
    await expect(createRegistryClient().attachReferrer(repository, subject, provenance, auth)).rejects.toThrow(
      new RegExp(`^${repository}:${referrersTag(subject)} lost sha256:[0-9a-f]{64} twice to another writer of the same referrers index`),
    );
  });

  it('refuses a tag sha256-<hex> that holds something other than an image index', async () => {
    const { registry, repository, subject } = await withImage();
    storeImage(registry.repository('models/classifier'), referrersTag(subject));
    await expect(createRegistryClient().attachReferrer(repository, subject, provenance, auth)).rejects.toThrow(
      `${repository}:${referrersTag(subject)} holds a application/vnd.oci.image.manifest.v1+json, not the image index`,
    );
  });
});

describe('attachReferrer on a registry with the referrers API', () => {
  it('leaves the index to the registry (OCI-Subject) and lists through the API, filtering what it ignores', async () => {
    const { registry, repository, subject } = await withImage({ referrersApi: true, ignoreFilter: true });
    const client = createRegistryClient();
    const attached = await client.attachReferrer(repository, subject, provenance, auth);
    await client.attachReferrer(repository, subject, sbom, auth);
    expect(attached.via).toBe('referrers-api');
    expect(registry.repository('models/classifier').manifests.has(referrersTag(subject))).toBe(false);
    expect(await client.listReferrers(repository, subject, auth, provenance.artifactType)).toEqual([
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: attached.digest,
        size: expect.any(Number),
        artifactType: provenance.artifactType,
        annotations: provenance.annotations,
      },
    ]);
    expect(registry.requests).toContain(`GET /v2/models/classifier/referrers/${subject}`);
  });
});

describe('refusals', () => {
  it('explains a registry that stores no OCI artifacts, naming it and what to do', async () => {
    const { registry, repository, subject } = await withImage({ refuseArtifacts: true });
    const attached = createRegistryClient().attachReferrer(repository, subject, provenance, auth);
    await expect(attached).rejects.toBeInstanceOf(UserError);
    await expect(attached).rejects.toThrow(
      `The registry ${registry.host} refused an OCI artifact manifest for ${repository} (HTTP 400): it cannot store signed statements (OCI 1.1 referrers). ` +
        'Upgrade it to a registry that stores OCI artifacts (distribution 2.8 or later, Harbor, GAR, ECR, GHCR), ' +
        'or unset NX_BENTOML_SIGNING_KEY to publish there unsigned.',
    );
  });

  it('throws refused credentials for the caller to explain with its password variable', async () => {
    const { registry, repository, subject } = await withImage();
    const refused = createRegistryClient().attachReferrer(repository, subject, provenance, { ...auth, password: 'wrong' });
    await expect(refused).rejects.toBeInstanceOf(RegistryRefusal);
    const error = await refused.catch((thrown: unknown) => thrown);
    expect((explainRegistryError(error, { passwordEnv: 'CI_TOKEN' }) as Error).message).toContain(
      `The registry ${registry.host} refused the credentials for ${repository} (401 unauthorized, GET models/classifier/manifests/${subject}).`,
    );
  });

  it('asks for the image first when the repository does not hold the subject', async () => {
    const { repository } = await withImage();
    await expect(createRegistryClient().attachReferrer(repository, `sha256:${'d'.repeat(64)}`, provenance, auth)).rejects.toThrow(
      `${repository} holds no manifest sha256:${'d'.repeat(64)} to attach ${provenance.artifactType} to: push the image before its statements.`,
    );
  });

  it('refuses to read a blob over the limit, before holding it', async () => {
    const { repository, subject } = await withImage();
    const client = createRegistryClient();
    const large = { ...provenance, data: Buffer.alloc(5 * 1024 * 1024, 'a') };
    const { digest } = await client.attachReferrer(repository, subject, large, auth);
    const read = client.readReferrer(repository, digest, auth);
    await expect(read).rejects.toBeInstanceOf(BlobRejected);
    const error = await read.catch((thrown: unknown) => thrown);
    expect((explainRegistryError(error) as Error).message).toBe(
      `${repository} serves the blob ${sha256Digest(large.data)}, but it is 5242880 bytes, over the 4194304 this client reads: ` +
        `it is no statement nx-bentoml attached. Remove the referrer that names it from ${repository}, or check the registry's storage.`,
    );
  });

  it('refuses to read a referrer that is no artifact manifest with a layer', async () => {
    const { registry, repository } = await withImage();
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Digest(Buffer.from('{}')), size: 2 },
        layers: [],
      }),
    );
    const stored = { type: 'application/vnd.oci.image.manifest.v1+json', body };
    registry.repository('models/classifier').manifests.set(sha256Digest(body), stored);
    await expect(createRegistryClient().readReferrer(repository, sha256Digest(body), auth)).rejects.toThrow(
      `${repository}@${sha256Digest(body)} is no artifact manifest with a layer (application/vnd.oci.image.manifest.v1+json): it was not attached by nx-bentoml.`,
    );
  });

  it('says a referrer deleted since it was listed is gone', async () => {
    const { repository } = await withImage();
    await expect(createRegistryClient().readReferrer(repository, `sha256:${'e'.repeat(64)}`, auth)).rejects.toThrow(
      `${repository} holds no manifest sha256:${'e'.repeat(64)}: the referrer was deleted since it was listed. List the referrers again.`,
    );
  });

  it('refuses a blob whose bytes are not its digest', async () => {
    const { registry, repository, subject } = await withImage();
    const client = createRegistryClient();
    const { digest } = await client.attachReferrer(repository, subject, provenance, auth);
    registry.repository('models/classifier').blobs.set(sha256Digest(provenance.data), Buffer.from('tampered'));
    await expect(client.readReferrer(repository, digest, auth)).rejects.toThrow(
      `its bytes hash to ${sha256Digest(Buffer.from('tampered'))}`,
    );
  });
});

describe('promote carries the referrers', () => {
  const promote = (from: string, to: string) =>
    createRegistryClient().promote({
      from: { repository: from, reference: 'v1', auth },
      to: { repository: to, tag: 'production', auth },
      versionsCommand: 'nx run classifier:versions',
    });

  it('to another registry: uploads their blobs, writes their manifests and the index; again, carries none', async () => {
    const { repository, subject } = await withImage();
    const target = await start();
    const client = createRegistryClient();
    const attached = [
      await client.attachReferrer(repository, subject, provenance, auth),
      await client.attachReferrer(repository, subject, sbom, auth),
    ];
    const promotion = await promote(repository, `${target.host}/models/classifier`);
    expect(promotion).toMatchObject({ digest: subject, changed: true, referrers: 2 });
    const copied = await client.listReferrers(`${target.host}/models/classifier`, subject, auth);
    expect(copied.map((referrer) => referrer.digest)).toEqual(attached.map((referrer) => referrer.digest));
    expect(await client.readReferrer(`${target.host}/models/classifier`, attached[1].digest, auth)).toMatchObject({ data: sbom.data });
    expect(target.requests.filter((request) => request.startsWith('PUT /v2/models/classifier/manifests/'))).toEqual([
      `PUT /v2/models/classifier/manifests/${attached[0].digest}`,
      `PUT /v2/models/classifier/manifests/${attached[1].digest}`,
      `PUT /v2/models/classifier/manifests/${referrersTag(subject)}`,
      'PUT /v2/models/classifier/manifests/production',
    ]);

    target.requests.length = 0;
    expect(await promote(repository, `${target.host}/models/classifier`)).toMatchObject({ changed: false, referrers: 0 });
    expect(target.requests.filter((request) => request.startsWith('PUT'))).toEqual([]);
  });

  it('to another repository of the same registry: mounts their blobs', async () => {
    const { registry, repository, subject } = await withImage();
    const client = createRegistryClient();
    await client.attachReferrer(repository, subject, provenance, auth);
    registry.requests.length = 0;
    expect(await promote(repository, `${registry.host}/prod/classifier`)).toMatchObject({ referrers: 1 });
    expect(await client.listReferrers(`${registry.host}/prod/classifier`, subject, auth)).toHaveLength(1);
    // Two image blobs and the two referrer blobs (empty config, statement), each mounted.
    expect(registry.requests.filter((request) => request === 'POST /v2/prod/classifier/blobs/uploads/')).toHaveLength(4);
    expect(registry.requests.some((request) => /^PUT \/v2\/prod\/classifier\/blobs\/uploads\//.test(request))).toBe(false);
  });

  it('to a registry with the referrers API: writes no index there', async () => {
    const { repository, subject } = await withImage();
    const target = await start({ referrersApi: true });
    await createRegistryClient().attachReferrer(repository, subject, provenance, auth);
    expect(await promote(repository, `${target.host}/models/classifier`)).toMatchObject({ referrers: 1 });
    expect(target.repository('models/classifier').manifests.has(referrersTag(subject))).toBe(false);
    expect(await createRegistryClient().listReferrers(`${target.host}/models/classifier`, subject, auth)).toHaveLength(1);
  });

  it('also when the tag is in place already (promoted before it was signed)', async () => {
    const { repository, subject } = await withImage();
    const target = await start();
    await promote(repository, `${target.host}/models/classifier`);
    await createRegistryClient().attachReferrer(repository, subject, provenance, auth);
    expect(await promote(repository, `${target.host}/models/classifier`)).toMatchObject({ changed: false, referrers: 1 });
  });

  it('within one repository: asks nothing about referrers', async () => {
    const { registry, repository, subject } = await withImage();
    await createRegistryClient().attachReferrer(repository, subject, provenance, auth);
    registry.requests.length = 0;
    expect(await promote(repository, repository)).toMatchObject({ changed: true, referrers: 0 });
    expect(registry.requests.filter((request) => request.includes('referrers') || request.includes('sha256-'))).toEqual([]);
  });

  it('names the versions, not the referrers tags, when the version asked for is not there', async () => {
    const { repository, subject } = await withImage();
    await createRegistryClient().attachReferrer(repository, subject, provenance, auth);
    await expect(
      createRegistryClient().promote({
        from: { repository, reference: 'v9', auth },
        to: { repository, tag: 'production', auth },
        versionsCommand: 'nx run classifier:versions',
      }),
    ).rejects.toThrow(`${repository} holds no version v9 (its tags: v1).`);
  });

  it('explains a target that stores no OCI artifacts, and leaves its tag where it was', async () => {
    const { repository, subject } = await withImage();
    const target = await start({ refuseArtifacts: true });
    await createRegistryClient().attachReferrer(repository, subject, provenance, auth);
    await expect(promote(repository, `${target.host}/models/classifier`)).rejects.toThrow('or promote to a registry that stores them.');
    expect(target.repository('models/classifier').manifests.has('production')).toBe(false);
  });
});

describe('listImages', () => {
  it('leaves out the referrers tags: they are no versions', async () => {
    const { repository, subject } = await withImage();
    const client = createRegistryClient();
    await client.attachReferrer(repository, subject, provenance, auth);
    expect(await client.listImages(repository, auth)).toEqual({
      images: [{ tag: 'v1', image: expect.objectContaining({ digest: subject }) }],
      unread: [],
    });
  });
});
