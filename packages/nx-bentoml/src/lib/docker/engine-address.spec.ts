import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EngineAddress, engineHost, portPublishing, resolveEngineAddress, thisMachine } from './engine-address';

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
    const hosts = {
      'unix:///run/user/1000/docker.sock': thisMachine,
      'tcp://127.0.0.1:2376': thisMachine,
      'ssh://me@build-host': { hostname: 'build-host', remote: true },
    };
    for (const [dockerHost, host] of Object.entries(hosts)) {
      expect(resolveEngineAddress({ DOCKER_HOST: dockerHost, DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: configDir })).toEqual({
        description: `DOCKER_HOST=${dockerHost}`,
        host,
      });
    }
  });

  it('follows the current docker context, as Docker Desktop configures it', () => {
    writeContext('desktop-linux', 'unix:///home/u/.docker/desktop/docker.sock');
    expect(resolveEngineAddress({ DOCKER_CONFIG: configDir })).toEqual({
      connection: { socketPath: '/home/u/.docker/desktop/docker.sock' },
      description: 'docker context "desktop-linux" (unix:///home/u/.docker/desktop/docker.sock)',
      host: thisMachine,
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

  it("places a context's containers on the context's host", () => {
    writeContext('remote', 'ssh://deploy@build-host:2222');
    expect(resolveEngineAddress({ DOCKER_CONFIG: configDir }).host).toEqual({ hostname: 'build-host', remote: true });
  });

  it('leaves the default socket to docker-modem', () => {
    expect(resolveEngineAddress({ DOCKER_CONFIG: configDir })).toEqual({ description: '/var/run/docker.sock', host: thisMachine });
  });
});

describe('engineHost', () => {
  it.each([
    ['unix:///var/run/docker.sock', thisMachine],
    ['npipe:////./pipe/docker_engine', thisMachine],
    ['tcp://127.0.0.1:2376', thisMachine],
    ['tcp://localhost:2375', thisMachine],
    ['tcp://[::1]:2375', thisMachine],
    ['127.0.0.1:2375', thisMachine],
    ['tcp://0.0.0.0:2375', thisMachine],
    ['tcp://build-host.example:2376', { hostname: 'build-host.example', remote: true }],
    ['tcp://10.0.0.5', { hostname: '10.0.0.5', remote: true }],
    ['10.0.0.5:2375', { hostname: '10.0.0.5', remote: true }],
    ['tcp://[fd00::5]:2376', { hostname: 'fd00::5', remote: true }],
    ['ssh://deploy@build-host:2222', { hostname: 'build-host', remote: true }],
    ['ssh://deploy@127.0.0.1', thisMachine],
  ])('places the containers of %s on %j', (endpoint, host) => {
    expect(engineHost(endpoint)).toEqual(host);
  });
});

describe('portPublishing', () => {
  const local: EngineAddress = { description: '/var/run/docker.sock', host: thisMachine };
  const remote = (hostname: string): EngineAddress => ({
    description: `DOCKER_HOST=tcp://${hostname}:2376`,
    host: { hostname, remote: true },
  });

  it("keeps an engine of this machine's containers on 127.0.0.1 unless told otherwise", () => {
    expect(portPublishing(local, undefined)).toEqual({ bindAddress: '127.0.0.1', reachAddress: '127.0.0.1' });
    expect(portPublishing(local, '0.0.0.0')).toEqual({ bindAddress: '0.0.0.0', reachAddress: '127.0.0.1' });
    expect(portPublishing(local, '192.168.1.20')).toEqual({ bindAddress: '192.168.1.20', reachAddress: '192.168.1.20' });
  });

  it("reaches a remote engine's wildcard binding at the engine's host, a named address at itself", () => {
    expect(portPublishing(remote('build-host'), '0.0.0.0')).toEqual({ bindAddress: '0.0.0.0', reachAddress: 'build-host' });
    expect(portPublishing(remote('fd00::5'), '::')).toEqual({ bindAddress: '::', reachAddress: 'fd00::5' });
    expect(portPublishing(remote('build-host'), '10.0.0.5')).toEqual({ bindAddress: '10.0.0.5', reachAddress: '10.0.0.5' });
  });

  it('refuses to guess an address for a remote engine, and refuses its loopback, saying what to set', () => {
    expect(() => portPublishing(remote('build-host'), undefined)).toThrow(
      'The Docker Engine at DOCKER_HOST=tcp://build-host:2376 runs on another machine (build-host): the container publishes its port there, ' +
        'by default on its 127.0.0.1, which this machine cannot reach. Set "publishAddress" in the smoke-test options (or pass --publishAddress) ' +
        'to an address of build-host that this machine reaches, or "0.0.0.0" for all of its interfaces: the model server is then open to that ' +
        'network while the test runs. Or use an engine on this machine.',
    );
    expect(() => portPublishing(remote('build-host'), '127.0.0.1')).toThrow(
      "and publishAddress 127.0.0.1 is that machine's own loopback, which this machine cannot reach.",
    );
  });
});
