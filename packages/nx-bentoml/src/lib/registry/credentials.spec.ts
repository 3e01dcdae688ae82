import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors';
import { credentialServerAddress, resolveRegistryAuth } from './credentials';

/** What a credential helper prints on success. */
const helperAnswer = (Username: string, Secret: string) => async () => ({
  exitCode: 0,
  stdout: JSON.stringify({ ServerURL: 'x', Username, Secret }),
  stderr: '',
});

describe('resolveRegistryAuth', () => {
  let dockerConfig: string;
  const writeConfig = (config: object) => writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify(config));
  beforeEach(() => (dockerConfig = mkdtempSync(join(tmpdir(), 'docker-config-'))));
  afterEach(() => rmSync(dockerConfig, { recursive: true, force: true }));

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
    const runHelper = jest.fn(helperAnswer('oauth2accesstoken', 'ya29.token'));
    expect(await resolveRegistryAuth('europe-west6-docker.pkg.dev/p/r', { env: { DOCKER_CONFIG: dockerConfig }, runHelper })).toEqual({
      serveraddress: 'europe-west6-docker.pkg.dev',
      username: 'oauth2accesstoken',
      password: 'ya29.token',
    });
    expect(runHelper).toHaveBeenCalledWith('docker-credential-gcloud', 'europe-west6-docker.pkg.dev');
  });

  it('uses credsStore and turns a <token> username into an identity token', async () => {
    writeConfig({ credsStore: 'desktop' });
    const runHelper = helperAnswer('<token>', 'refresh');
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

  it('finds Docker Hub credentials under any of its host names', async () => {
    const hubNames = ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/'];
    for (const key of hubNames) {
      writeConfig({ auths: { [key]: { auth: Buffer.from('hubuser:hubpass').toString('base64') } } });
      for (const registry of ['docker.io/myorg', 'index.docker.io/myorg', 'registry-1.docker.io/myorg']) {
        expect(await resolveRegistryAuth(registry, { env: { DOCKER_CONFIG: dockerConfig } })).toEqual({
          serveraddress: 'https://index.docker.io/v1/',
          username: 'hubuser',
          password: 'hubpass',
        });
      }
    }
    expect(hubNames.map(credentialServerAddress)).toEqual(Array(4).fill('https://index.docker.io/v1/'));
    expect(credentialServerAddress('ghcr.io/org')).toBe('ghcr.io');
  });

  it('asks a credential helper for Docker Hub by the key docker login stores it under', async () => {
    writeConfig({ credHelpers: { 'docker.io': 'desktop' } });
    const runHelper = jest.fn(helperAnswer('hubuser', 'hubpass'));
    await resolveRegistryAuth('registry-1.docker.io/myorg', { env: { DOCKER_CONFIG: dockerConfig }, runHelper });
    expect(runHelper).toHaveBeenCalledWith('docker-credential-desktop', 'https://index.docker.io/v1/');
  });

  it('reports a config file that is not JSON without quoting any of it', async () => {
    const secret = 'bnhiZW50bzpodW50ZXIy';
    // Unquoted, so Node's parser message would quote its first characters.
    writeFileSync(join(dockerConfig, 'config.json'), `{"auths": {"ghcr.io": {"auth": ${secret}}}}`);
    const failure = await resolveRegistryAuth('ghcr.io', { env: { DOCKER_CONFIG: dockerConfig } }).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(
      `${join(dockerConfig, 'config.json')} is not valid JSON. Fix it, or move it away and log in again with "docker login".`,
    );
    expect((failure as Error).message).not.toContain(secret.slice(0, 8));
  });

  it('explains a credential helper that is not installed', async () => {
    writeConfig({ credHelpers: { 'ghcr.io': 'nx-bentoml-missing-helper' } });
    const runHelper = async (program: string) => {
      throw new UserError(`Cannot run "${program}": it was not found.`);
    };
    await expect(resolveRegistryAuth('ghcr.io', { env: { DOCKER_CONFIG: dockerConfig }, runHelper })).rejects.toThrow(
      'The Docker credential helper docker-credential-nx-bentoml-missing-helper is configured for ghcr.io in your Docker config but is not installed',
    );
  });

  it('treats "not found" from a helper as no credentials', async () => {
    writeConfig({ credsStore: 'desktop' });
    const runHelper = async () => ({ exitCode: 1, stdout: 'credentials not found in native keychain', stderr: '' });
    expect(await resolveRegistryAuth('ghcr.io', { env: { DOCKER_CONFIG: dockerConfig }, runHelper })).toBeUndefined();
  });

  it('reports a failing helper with its stderr, never its stdout, where secrets go', async () => {
    writeConfig({ credsStore: 'desktop' });
    const runHelper = async () => ({ exitCode: 1, stdout: '{"Username":"u","Secret":"hunter2-secret"}', stderr: 'keychain locked\nmore' });
    const failure = await resolveRegistryAuth('ghcr.io', { env: { DOCKER_CONFIG: dockerConfig }, runHelper }).catch(
      (error: Error) => error.message,
    );
    expect(failure).toBe(
      `docker-credential-desktop get failed for ghcr.io (exit 1): keychain locked. Log in again with your registry's tool.`,
    );
  });
});
