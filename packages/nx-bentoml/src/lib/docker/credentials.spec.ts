import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registryHost, resolveRegistryAuth } from './credentials';

describe('resolveRegistryAuth', () => {
  let dockerConfig: string;
  const writeConfig = (config: object) => writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify(config));
  beforeEach(() => (dockerConfig = mkdtempSync(join(tmpdir(), 'docker-config-'))));
  afterEach(() => rmSync(dockerConfig, { recursive: true, force: true }));

  it('takes the host of a registry with a repository path', () => {
    expect(registryHost('europe-west6-docker.pkg.dev/my-project/models')).toBe('europe-west6-docker.pkg.dev');
    expect(registryHost('https://127.0.0.1:5000/v1/')).toBe('127.0.0.1:5000');
  });

  it('prefers an explicit username with the password from the environment', async () => {
    writeConfig({ auths: { 'ghcr.io': { auth: Buffer.from('other:x').toString('base64') } } });
    const env = { DOCKER_CONFIG: dockerConfig, REGISTRY_TOKEN: 's3cret' };
    expect(await resolveRegistryAuth('ghcr.io/org', { username: 'ci', passwordEnv: 'REGISTRY_TOKEN', env })).toEqual({
      serveraddress: 'ghcr.io',
      username: 'ci',
      password: 's3cret',
    });
  });

  it('asks for the password variable when only a username is given', async () => {
    await expect(resolveRegistryAuth('ghcr.io', { username: 'ci', env: { DOCKER_CONFIG: dockerConfig } })).rejects.toThrow(
      'A registry username is set but NX_BENTOML_REGISTRY_PASSWORD is empty',
    );
  });

  it('uses the credHelpers entry for the host, as gcloud auth configure-docker writes it', async () => {
    writeConfig({ credHelpers: { 'europe-west6-docker.pkg.dev': 'gcloud' }, auths: {} });
    const runHelper = jest.fn(async () => ({ Username: 'oauth2accesstoken', Secret: 'ya29.token' }));
    expect(await resolveRegistryAuth('europe-west6-docker.pkg.dev/p/r', { env: { DOCKER_CONFIG: dockerConfig }, runHelper })).toEqual({
      serveraddress: 'europe-west6-docker.pkg.dev',
      username: 'oauth2accesstoken',
      password: 'ya29.token',
    });
    expect(runHelper).toHaveBeenCalledWith('gcloud', 'europe-west6-docker.pkg.dev');
  });

  it('uses credsStore and turns a <token> username into an identity token', async () => {
    writeConfig({ credsStore: 'desktop' });
    const runHelper = async () => ({ Username: '<token>', Secret: 'refresh' });
    expect(await resolveRegistryAuth('myregistry.azurecr.io', { env: { DOCKER_CONFIG: dockerConfig }, runHelper })).toEqual({
      serveraddress: 'myregistry.azurecr.io',
      identitytoken: 'refresh',
    });
  });

  it('decodes auths entries written by docker login, whatever the key form', async () => {
    writeConfig({ auths: { 'https://127.0.0.1:5000': { auth: Buffer.from('nxbento:pa:ss').toString('base64') } } });
    expect(await resolveRegistryAuth('127.0.0.1:5000', { env: { DOCKER_CONFIG: dockerConfig } })).toEqual({
      serveraddress: '127.0.0.1:5000',
      username: 'nxbento',
      password: 'pa:ss',
    });
  });

  it('returns nothing for a registry without credentials', async () => {
    expect(await resolveRegistryAuth('127.0.0.1:5000', { env: { DOCKER_CONFIG: dockerConfig } })).toBeUndefined();
  });

  it('explains a credential helper that is not installed', async () => {
    writeConfig({ credHelpers: { 'ghcr.io': 'nx-bentoml-missing-helper' } });
    await expect(resolveRegistryAuth('ghcr.io', { env: { DOCKER_CONFIG: dockerConfig } })).rejects.toThrow(
      'The Docker credential helper docker-credential-nx-bentoml-missing-helper is configured for ghcr.io in your Docker config but is not installed',
    );
  });
});
