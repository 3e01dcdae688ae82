interface Credentials {
  username: string;
  password: string;
}

const manifestTypes = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';
const basic = (auth: Credentials) => `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;

/** Reads a manifest's digest through the registry's HTTP API (distribution v2), as any client would. */
export async function registryManifestDigest(registry: string, repository: string, reference: string, auth: Credentials) {
  const response = await fetch(`http://${registry}/v2/${repository}/manifests/${reference}`, {
    method: 'HEAD',
    headers: { authorization: basic(auth), accept: manifestTypes },
  });
  return { status: response.status, digest: response.headers.get('docker-content-digest') };
}

/** The image config blob (with its labels) that the registry serves for a tag. */
export async function registryImageConfig(registry: string, repository: string, reference: string, auth: Credentials) {
  const get = async (path: string, accept: string) => {
    const response = await fetch(`http://${registry}/v2/${repository}/${path}`, { headers: { authorization: basic(auth), accept } });
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
    return response.json();
  };
  const manifest = (await get(`manifests/${reference}`, manifestTypes)) as { config: { digest: string } };
  return (await get(`blobs/${manifest.config.digest}`, '*/*')) as { config: { Labels: Record<string, string> } };
}
