interface Credentials {
  username: string;
  password: string;
}

interface Descriptor {
  digest: string;
  size: number;
}

const manifestTypes = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';

/**
 * Reads a tag's manifest and checks that the registry holds every blob it names (config and
 * layers, with the sizes the manifest gives): a manifest that a pull could complete.
 */
export async function readCompleteManifest(registry: string, repository: string, reference: string, auth: Credentials) {
  const headers = { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`, accept: manifestTypes };
  const response = await fetch(`http://${registry}/v2/${repository}/manifests/${reference}`, { headers });
  if (!response.ok) throw new Error(`GET manifests/${reference} answered ${response.status}`);
  const digest = response.headers.get('docker-content-digest');
  const manifest = (await response.json()) as { schemaVersion: number; config: Descriptor; layers: Descriptor[] };
  const missing: string[] = [];
  for (const blob of [manifest.config, ...manifest.layers]) {
    const head = await fetch(`http://${registry}/v2/${repository}/blobs/${blob.digest}`, { method: 'HEAD', headers });
    if (!head.ok || Number(head.headers.get('content-length')) !== blob.size) missing.push(`${blob.digest} (${head.status})`);
  }
  return { digest, schemaVersion: manifest.schemaVersion, layers: manifest.layers.length, missing };
}
