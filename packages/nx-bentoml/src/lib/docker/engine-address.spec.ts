import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveEngineAddress } from './engine-address';

describe('resolveEngineAddress', () => {
  let configDir: string;
  beforeEach(() => (configDir = mkdtempSync(join(tmpdir(), 'docker-config-'))));
  afterEach(() => rmSync(configDir, { recursive: true, force: true }));

  it('uses DOCKER_HOST first', () => {
    expect(resolveEngineAddress({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toMatchObject({ socketPath: '/run/user/1000/docker.sock' });
    expect(resolveEngineAddress({ DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1' })).toMatchObject({
      host: '127.0.0.1',
      port: 2376,
      protocol: 'https',
    });
  });

  it("follows the current docker context, as Docker Desktop configures it", () => {
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ currentContext: 'desktop-linux' }));
    const meta = join(configDir, 'contexts/meta', createHash('sha256').update('desktop-linux').digest('hex'));
    mkdirSync(meta, { recursive: true });
    writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Endpoints: { docker: { Host: 'unix:///home/u/.docker/desktop/docker.sock' } } }));
    expect(resolveEngineAddress({ DOCKER_CONFIG: configDir })).toMatchObject({
      socketPath: '/home/u/.docker/desktop/docker.sock',
      description: 'docker context "desktop-linux" (unix:///home/u/.docker/desktop/docker.sock)',
    });
  });

  it('falls back to the default socket', () => {
    expect(resolveEngineAddress({ DOCKER_CONFIG: configDir })).toEqual({ socketPath: '/var/run/docker.sock', description: '/var/run/docker.sock' });
  });
});
