import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { waitUntil } from './background';

/**
 * A second Docker Engine (dockerd) of the test's own, to restart in the middle of a build
 * without touching the shared engine other suites use: its own data root, exec root (with its
 * own managed containerd), pid file and unix socket, and its own bridge. It adds no iptables
 * rules of its own (dockerd would rewrite the shared DOCKER chains); the test adds the three
 * rules a build container needs to reach package indexes and removes them at the end.
 */
export class SecondEngine {
  readonly socket: string;
  readonly docker: Docker;
  private process?: ChildProcess;
  private readonly bridge: string;
  private readonly subnet: string;
  private readonly rules: string[][];

  constructor(
    private readonly dir: string,
    id: number,
  ) {
    this.socket = join(dir, 'docker.sock');
    this.docker = new Docker({ socketPath: this.socket });
    this.bridge = `nxbf${id}`;
    this.subnet = `172.30.${id}.0/24`;
    this.rules = [
      ['-t', 'nat', 'POSTROUTING', '-s', this.subnet, '!', '-o', this.bridge, '-j', 'MASQUERADE'],
      ['-t', 'filter', 'FORWARD', '-i', this.bridge, '-j', 'ACCEPT'],
      ['-t', 'filter', 'FORWARD', '-o', this.bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
    ];
  }

  /** DOCKER_HOST for the tasks that should use this engine. */
  get dockerHost() {
    return `unix://${this.socket}`;
  }

  /** Creates the bridge and the forwarding rules, then starts dockerd. */
  async setUp() {
    mkdirSync(this.dir, { recursive: true });
    const id = this.subnet.split('.')[2];
    // A bridge of this name can only be left over from an aborted run of this suite.
    spawnSync('ip', ['link', 'del', this.bridge]);
    sh('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    sh('ip', ['addr', 'add', `172.30.${id}.1/24`, 'dev', this.bridge]);
    sh('ip', ['link', 'set', this.bridge, 'up']);
    for (const [, table, chain, ...rule] of this.rules) sh('iptables', ['-t', table, '-I', chain, ...rule]);
    await this.start();
  }

  async start() {
    const log = openSync(join(this.dir, 'dockerd.log'), 'a');
    const args = [
      `--data-root=${join(this.dir, 'data')}`,
      `--exec-root=${join(this.dir, 'exec')}`,
      `--pidfile=${join(this.dir, 'dockerd.pid')}`,
      `--host=unix://${this.socket}`,
      `--bridge=${this.bridge}`,
      '--iptables=false',
      '--ip-masq=false',
      '--ip6tables=false',
    ];
    this.process = spawn('dockerd', args, { stdio: ['ignore', log, log], detached: true });
    await waitUntil(
      'the second Docker Engine answers',
      () =>
        this.docker.ping().then(
          () => true,
          () => false,
        ),
      60_000,
      250,
    );
  }

  /** Stops dockerd as `systemctl restart docker` would (SIGTERM, then it shuts its containers down). */
  async stop() {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Copies an image from another engine through the Engine API (save there, load here). */
  async loadImageFrom(source: Docker, image: string) {
    const archive = await source.getImage(image).get();
    const stream = await this.docker.loadImage(archive);
    await new Promise<void>((resolve, reject) =>
      this.docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())),
    );
  }

  /** Stops dockerd and removes the rules and the bridge; the data root goes with the test's temp dir. */
  async tearDown() {
    await this.stop();
    // A build container killed by the restart can leave its overlay mounted: the data root could not be removed.
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1]);
    for (const mount of mounts.filter((path) => path?.startsWith(`${this.dir}/`))) spawnSync('umount', ['-l', mount]);
    for (const [, table, chain, ...rule] of this.rules) spawnSync('iptables', ['-t', table, '-D', chain, ...rule]);
    spawnSync('ip', ['link', 'del', this.bridge]);
  }
}

function sh(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.error}`);
}
