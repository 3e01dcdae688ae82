import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { type RegistryAuth } from '../../../packages/nx-bentoml/src/lib/registry/credentials';
import { type RegistryClient, createRegistryClient } from '../../../packages/nx-bentoml/src/lib/registry/client';

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
const ociIndex = 'application/vnd.oci.image.index.v1+json';

/** The shared registries of the e2e environment (scripts/setup-environment.sh): Debian's docker-registry, distribution 2.8. */
function registryEnvironment() {
  const names = ['NX_BENTOML_REGISTRY', 'NX_BENTOML_SECOND_REGISTRY', 'NX_BENTOML_REGISTRY_USERNAME', 'NX_BENTOML_REGISTRY_PASSWORD_FILE'];
  const missing = names.filter((name) => !process.env[name]);
  if (missing.length) {
    throw new Error(
      `The referrers e2e test needs ${missing.join(', ')}: run "bash scripts/setup-environment.sh && source .e2e-env/env.sh".`,
    );
  }
  const env = (name: string) => process.env[name] as string;
  return {
    registry: env('NX_BENTOML_REGISTRY'),
    second: env('NX_BENTOML_SECOND_REGISTRY'),
    username: env('NX_BENTOML_REGISTRY_USERNAME'),
    password: readFileSync(env('NX_BENTOML_REGISTRY_PASSWORD_FILE'), 'utf8').trim(),
  };
}

/**
 * A signed statement's registry side against the real registry, which has no referrers API: an
 * artifact attached to an image pushed over the Distribution API (no engine), listed through the
 * referrers tag schema, and carried by promote to the second registry. The index is also read with
 * plain fetch, as any OCI client (cosign, oras) would read it.
 */
describe('OCI 1.1 referrers on a registry without the referrers API', () => {
  const environment = registryEnvironment();
  const name = `referrers-${Date.now().toString(36)}/classifier`;
  const source = `${environment.registry}/${name}`;
  const target = `${environment.second}/${name}`;
  const auth = (registry: string): RegistryAuth => ({
    serveraddress: registry,
    username: environment.username,
    password: environment.password,
  });
  const basic = `Basic ${Buffer.from(`${environment.username}:${environment.password}`).toString('base64')}`;
  const client: RegistryClient = createRegistryClient();
  const statement = {
    artifactType: 'application/vnd.dev.nx-bentoml.e2e+json',
    mediaType: 'application/vnd.dsse.envelope.v1+json',
    data: Buffer.from(JSON.stringify({ payloadType: 'application/vnd.in-toto+json', payload: 'e30=', signatures: [] })),
    annotations: { 'dev.nx-bentoml.e2e': 'referrers' },
  };
  let subject: string;

  /** Uploads a blob in one request (POST, then PUT with the digest). */
  const uploadBlob = async (data: Buffer) => {
    const start = await fetch(`http://${environment.registry}/v2/${name}/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: basic },
    });
    expect(start.status).toBe(202);
    const url = new URL(start.headers.get('location')!, `http://${environment.registry}`);
    url.searchParams.set('digest', sha256(data));
    expect((await fetch(url, { method: 'PUT', headers: { authorization: basic }, body: data })).status).toBe(201);
  };

  /** The referrers tag schema's index, read without the plugin's code. */
  const tagSchemaIndex = async (registry: string) => {
    const tag = `sha256-${subject.slice('sha256:'.length)}`;
    const response = await fetch(`http://${registry}/v2/${name}/manifests/${tag}`, { headers: { authorization: basic, accept: ociIndex } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(ociIndex);
    return (await response.json()) as { manifests: Array<{ digest: string; artifactType: string; annotations: Record<string, string> }> };
  };

  beforeAll(async () => {
    // A tiny image: an image config and one empty tar layer, under v1.
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    const layer = gzipSync(Buffer.alloc(1024));
    await uploadBlob(config);
    await uploadBlob(layer);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: ociManifest,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
      }),
    );
    const put = await fetch(`http://${environment.registry}/v2/${name}/manifests/v1`, {
      method: 'PUT',
      headers: { authorization: basic, 'content-type': ociManifest },
      body: manifest,
    });
    expect(put.status).toBe(201);
    subject = sha256(manifest);
  });

  it('attaches an artifact through the tag schema, once however often, and reads it back', async () => {
    const registry = auth(environment.registry);
    const attached = await client.attachReferrer(source, subject, statement, registry);
    expect(attached.via).toBe('tag-schema');
    expect(await client.attachReferrer(source, subject, statement, registry)).toEqual(attached);

    expect((await tagSchemaIndex(environment.registry)).manifests).toEqual([
      expect.objectContaining({ digest: attached.digest, artifactType: statement.artifactType, annotations: statement.annotations }),
    ]);
    expect(await client.listReferrers(source, subject, registry, statement.artifactType)).toEqual([
      expect.objectContaining({ digest: attached.digest, mediaType: ociManifest }),
    ]);
    expect(await client.readReferrer(source, attached.digest, registry)).toEqual({
      artifactType: statement.artifactType,
      annotations: statement.annotations,
      data: statement.data,
    });
    // The index's tag is no version of the image.
    expect((await client.listImages(source, registry)).images.map((image) => image.tag)).toEqual(['v1']);
  });

  it('promote carries the artifact to the second registry, where the tag schema lists it', async () => {
    const [attached] = await client.listReferrers(source, subject, auth(environment.registry));
    const promotion = await client.promote({
      from: { repository: source, reference: 'v1', auth: auth(environment.registry) },
      to: { repository: target, tag: 'production', auth: auth(environment.second) },
      versionsCommand: 'nx run classifier:versions',
    });
    expect(promotion).toMatchObject({ digest: subject, changed: true, referrers: 1 });
    expect((await tagSchemaIndex(environment.second)).manifests.map((descriptor) => descriptor.digest)).toEqual([attached.digest]);
    expect(await client.readReferrer(target, attached.digest, auth(environment.second))).toMatchObject({ data: statement.data });

    // Within the first registry, to another repository: the blobs are mounted.
    const mounted = await client.promote({
      from: { repository: source, reference: 'v1', auth: auth(environment.registry) },
      to: { repository: `${environment.registry}/prod-${name}`, tag: 'production', auth: auth(environment.registry) },
      versionsCommand: 'nx run classifier:versions',
    });
    expect(mounted).toMatchObject({ referrers: 1, blobs: { mounted: 2, uploaded: 0 } });
    expect(await client.listReferrers(`${environment.registry}/prod-${name}`, subject, auth(environment.registry))).toHaveLength(1);
  });
});
