import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { waitUntil } from './background';
import { freePort } from './container';

export interface SecondEngineOptions {
  /**
   * Also listen on tcp://127.0.0.1:<free port> with mutual TLS (--tlsverify), as a remote engine
   * is reached: a CA, a server and a client certificate are made for the run with openssl.
   */
  tls?: boolean;
}

/**
 * A second Docker Engine (dockerd) of the test's own, to restart in the middle of a build
 * without touching the shared engine other suites use: its own data root, exec root (with its
 * own managed containerd), pid file and unix socket, and its own bridge. It adds no iptables
 * rules of its own (dockerd would rewrite the shared DOCKER chains); the test adds the three
 * rules a build container needs to reach package indexes and removes them at the end. The
 * test's own client (`docker`) uses the socket; the tasks get `clientEnv`.
 */
export class SecondEngine {
  readonly socket: string;
  readonly docker: Docker;
  private process?: ChildProcess;
  private readonly bridge: string;
  private readonly subnet: string;
  private readonly rules: string[][];
  private tcp?: { port: number; clientCertPath: string };

  constructor(
    private readonly dir: string,
    id: number,
    private readonly options: SecondEngineOptions = {},
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

  /** The environment that points a docker client at this engine: over TCP with TLS when it listens so, else its socket. */
  get clientEnv(): Record<string, string> {
    if (!this.tcp) return { DOCKER_HOST: this.dockerHost };
    return { DOCKER_HOST: `tcp://127.0.0.1:${this.tcp.port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: this.tcp.clientCertPath };
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
    if (this.options.tls) this.tcp = { port: await freePort(), clientCertPath: issueTlsCertificates(join(this.dir, 'tls')) };
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
      ...(this.tcp ? tlsListener(join(this.dir, 'tls'), this.tcp.port) : []),
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

/**
 * A CA, a server certificate for 127.0.0.1 and a client certificate, as `dockerd --tlsverify` and
 * the docker CLI's DOCKER_CERT_PATH expect them; returns that client directory (ca.pem, cert.pem, key.pem).
 */
function issueTlsCertificates(dir: string): string {
  const client = join(dir, 'client');
  mkdirSync(client, { recursive: true });
  const file = (name: string) => join(dir, name);
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  sh('openssl', [
    'req',
    '-x509',
    ...newKey,
    '-days',
    '2',
    '-subj',
    '/CN=nx-bentoml-e2e-ca',
    '-keyout',
    file('ca-key.pem'),
    '-out',
    file('ca.pem'),
  ]);
  const issue = (name: string, subject: string, extensions: string, serial: number) => {
    writeFileSync(file(`${name}.ext`), extensions);
    sh('openssl', ['req', '-new', ...newKey, '-subj', subject, '-keyout', file(`${name}-key.pem`), '-out', file(`${name}.csr`)]);
    sh('openssl', [
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca-key.pem'),
      '-set_serial',
      String(serial),
      '-days',
      '2',
      '-extfile',
      file(`${name}.ext`),
      '-out',
      file(`${name}-cert.pem`),
    ]);
  };
  issue('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n', 1);
  issue('client', '/CN=nx-bentoml-e2e-client', 'extendedKeyUsage=clientAuth\n', 2);
  copyFileSync(file('ca.pem'), join(client, 'ca.pem'));
  copyFileSync(file('client-cert.pem'), join(client, 'cert.pem'));
  copyFileSync(file('client-key.pem'), join(client, 'key.pem'));
  return client;
}

/** dockerd's arguments for a TCP listener on loopback that accepts only clients with a certificate of the run's CA. */
function tlsListener(dir: string, port: number): string[] {
  return [
    `--host=tcp://127.0.0.1:${port}`,
    '--tlsverify',
    `--tlscacert=${join(dir, 'ca.pem')}`,
    `--tlscert=${join(dir, 'server-cert.pem')}`,
    `--tlskey=${join(dir, 'server-key.pem')}`,
  ];
}

function sh(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.error}`);
}
