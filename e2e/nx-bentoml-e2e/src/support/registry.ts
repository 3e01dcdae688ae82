/** Reads a manifest through the registry's HTTP API (distribution v2), as any client would. */
export async function registryManifestDigest(registry: string, repository: string, reference: string, auth: { username: string; password: string }) {
  const response = await fetch(`http://${registry}/v2/${repository}/manifests/${reference}`, {
    method: 'HEAD',
    headers: {
      authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
      accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
    },
  });
  return { status: response.status, digest: response.headers.get('docker-content-digest') };
}
