import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { waitUntil } from './background';
import { freePort } from './container';

/**
 * A registry of the test's own, to kill and start again: Debian's docker-registry on a free
 * loopback port with its own storage, and the htpasswd file scripts/setup-environment.sh wrote
 * for the shared registries (so the same credentials work). The shared ones are never touched.
 */
export class OwnRegistry {
  private process?: ChildProcess;

  private constructor(
    readonly address: string,
    private readonly dir: string,
  ) {}

  static async create(dir: string, passwordFile: string): Promise<OwnRegistry> {
    const htpasswd = join(dirname(passwordFile), 'htpasswd');
    if (!existsSync(htpasswd)) throw new Error(`No ${htpasswd}: run scripts/setup-environment.sh first.`);
    const port = await freePort();
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(
      join(dir, 'config.yml'),
      [
        'version: 0.1',
        'log: { level: info }',
        `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
        `http: { addr: "127.0.0.1:${port}" }`,
        `auth: { htpasswd: { realm: nx-bentoml-e2e-faults, path: ${htpasswd} } }`,
        '',
      ].join('\n'),
    );
    return new OwnRegistry(`127.0.0.1:${port}`, dir);
  }

  async start() {
    const log = openSync(join(this.dir, 'registry.log'), 'a');
    this.process = spawn('docker-registry', ['serve', join(this.dir, 'config.yml')], { stdio: ['ignore', log, log] });
    await waitUntil(`the registry at ${this.address} answers`, async () => (await this.status()) === 401, 30_000, 200);
  }

  /** SIGKILL, as a crash or an OOM kill would end it: no graceful shutdown of open uploads. */
  async kill() {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Whether a blob upload has started writing data into the registry's storage. */
  uploadInProgress(): boolean {
    const repositories = join(this.dir, 'data', 'docker', 'registry', 'v2', 'repositories');
    return findUploadData(repositories).some((file) => statSync(file).size > 0);
  }

  private status(): Promise<number | string> {
    return fetch(`http://${this.address}/v2/`).then(
      (response) => response.status,
      (error: Error) => error.message,
    );
  }
}

/** The `data` files of open uploads: repositories/<name...>/_uploads/<id>/data. */
function findUploadData(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (!entry.isDirectory()) return [];
    if (entry.name === '_uploads')
      return readdirSync(path)
        .map((id) => join(path, id, 'data'))
        .filter(existsSync);
    return findUploadData(path);
  });
}
