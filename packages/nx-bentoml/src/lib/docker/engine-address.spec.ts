import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveEngineAddress } from './engine-address';

describe('resolveEngineAddress', () => {
  let configDir: string;
  const contextId = (name: string) => createHash('sha256').update(name).digest('hex');
  const writeContext = (name: string, host: string) => {
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ currentContext: name }));
    const meta = join(configDir, 'contexts/meta', contextId(name));
    mkdirSync(meta, { recursive: true });
    writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Endpoints: { docker: { Host: host } } }));
  };
  beforeEach(() => (configDir = mkdtempSync(join(tmpdir(), 'docker-config-'))));
  afterEach(() => rmSync(configDir, { recursive: true, force: true }));

  it('leaves DOCKER_HOST to docker-modem, which also reads ssh:// and the TLS variables', () => {
    writeContext('desktop-linux', 'unix:///home/u/.docker/desktop/docker.sock');
    for (const dockerHost of ['unix:///run/user/1000/docker.sock', 'tcp://127.0.0.1:2376', 'ssh://me@build-host']) {
      expect(resolveEngineAddress({ DOCKER_HOST: dockerHost, DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: configDir })).toEqual({
        description: `DOCKER_HOST=${dockerHost}`,
      });
    }
  });

  it('follows the current docker context, as Docker Desktop configures it', () => {
    writeContext('desktop-linux', 'unix:///home/u/.docker/desktop/docker.sock');
    expect(resolveEngineAddress({ DOCKER_CONFIG: configDir })).toEqual({
      connection: { socketPath: '/home/u/.docker/desktop/docker.sock' },
      description: 'docker context "desktop-linux" (unix:///home/u/.docker/desktop/docker.sock)',
    });
  });

  it('prefers DOCKER_CONTEXT to the current context', () => {
    writeContext('remote', 'ssh://deploy@build-host:2222');
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ currentContext: 'default' }));
    expect(resolveEngineAddress({ DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'remote' }).connection).toEqual({
      protocol: 'ssh',
      host: 'build-host',
      port: 2222,
      username: 'deploy',
    });
  });

  it("connects to a tcp context with the context's TLS certificates", () => {
    writeContext('secure', 'tcp://engine.example:2376');
    const tlsDir = join(configDir, 'contexts/tls', contextId('secure'), 'docker');
    mkdirSync(tlsDir, { recursive: true });
    for (const name of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(tlsDir, name), name);
    expect(resolveEngineAddress({ DOCKER_CONFIG: configDir }).connection).toEqual({
      protocol: 'https',
      host: 'engine.example',
      port: 2376,
      ca: Buffer.from('ca.pem'),
      cert: Buffer.from('cert.pem'),
      key: Buffer.from('key.pem'),
    });
  });

  it('connects to a tcp context without certificates over plain http', () => {
    writeContext('plain', 'tcp://10.0.0.5');
    expect(resolveEngineAddress({ DOCKER_CONFIG: configDir }).connection).toEqual({ protocol: 'http', host: '10.0.0.5', port: 2375 });
  });

  it('leaves the default socket to docker-modem', () => {
    expect(resolveEngineAddress({ DOCKER_CONFIG: configDir })).toEqual({ description: '/var/run/docker.sock' });
  });
});
