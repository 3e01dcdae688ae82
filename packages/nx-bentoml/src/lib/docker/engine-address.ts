import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { DockerOptions } from 'dockerode';
import { UserError } from '../errors';

export interface EngineAddress {
  /** What the user would recognise in an error: the DOCKER_HOST value, context name or socket path. */
  description: string;
  /**
   * dockerode connection options, set only for a docker context. Without them docker-modem reads
   * DOCKER_HOST (unix, npipe, tcp, ssh) with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH itself, or
   * finds the default socket (Docker Desktop's ~/.docker/run/docker.sock included).
   */
  connection?: DockerOptions;
  /** The machine the engine runs on: where its containers publish their ports. */
  host: EngineHost;
}

/** The machine a Docker Engine runs on, as this machine reaches it. */
export interface EngineHost {
  /** The host of DOCKER_HOST or of the context's endpoint ("build-host", "10.0.0.5"); 127.0.0.1 for this machine. */
  hostname: string;
  /** False for a unix socket, a named pipe or a loopback address: the engine's containers publish their ports on this machine. */
  remote: boolean;
}

/** An engine of this machine: its containers publish their ports here. */
export const thisMachine: EngineHost = { hostname: '127.0.0.1', remote: false };

const defaultSocket = process.platform === 'win32' ? '//./pipe/docker_engine' : '/var/run/docker.sock';

/**
 * Finds the Docker Engine the way the docker CLI does: DOCKER_HOST, else the current context
 * (DOCKER_CONTEXT or currentContext in config.json, as Docker Desktop sets), else the default socket.
 */
export function resolveEngineAddress(env: NodeJS.ProcessEnv = process.env): EngineAddress {
  const dockerHost = env['DOCKER_HOST'];
  if (dockerHost) return { description: `DOCKER_HOST=${dockerHost}`, host: engineHost(dockerHost) };

  const configDir = env['DOCKER_CONFIG'] ?? join(homedir(), '.docker');
  const contextName = env['DOCKER_CONTEXT'] ?? readCurrentContext(configDir);
  if (contextName && contextName !== 'default') {
    const context = readContext(configDir, contextName);
    if (context) {
      return {
        description: `docker context "${contextName}" (${context.host})`,
        connection: contextConnection(context),
        host: engineHost(context.host),
      };
    }
  }
  return { description: defaultSocket, host: thisMachine };
}

/**
 * The machine behind an engine endpoint as DOCKER_HOST or a context names it. unix:// and
 * npipe:// are this machine; tcp:// and ssh:// are another one unless they name a loopback
 * address (an engine reached through a tunnel of the user's own to 127.0.0.1 looks local).
 */
export function engineHost(endpoint: string): EngineHost {
  if (/^(unix|npipe):\/\//.test(endpoint)) return thisMachine;
  let hostname: string;
  try {
    // docker-modem reads "host:port" as tcp://host:port.
    hostname = new URL(endpoint.includes('//') ? endpoint : `tcp://${endpoint}`).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    // docker-modem refuses the address itself, with its own message.
    return { hostname: endpoint, remote: true };
  }
  return isLoopback(hostname) || isWildcard(hostname) ? thisMachine : { hostname, remote: true };
}

/** Where a container publishes its port on the engine's host, and where this machine reaches it. */
export interface PortPublishing {
  /** The HostIp of the port binding. */
  bindAddress: string;
  /** The host this machine sends its requests to. */
  reachAddress: string;
}

/**
 * On this machine the port is bound to 127.0.0.1 unless the user names another address. On another
 * machine 127.0.0.1 is out of this machine's reach, and any other address opens the model server to
 * that machine's network: the user must choose it (publishAddress), this never guesses it. A
 * wildcard (0.0.0.0, ::) is reached at the engine's host name, a named address at itself.
 */
export function portPublishing(engine: EngineAddress, publishAddress: string | undefined): PortPublishing {
  const { host } = engine;
  if (!host.remote) {
    const bindAddress = publishAddress ?? '127.0.0.1';
    return { bindAddress, reachAddress: isWildcard(bindAddress) ? '127.0.0.1' : bindAddress };
  }
  if (!publishAddress || isLoopback(publishAddress)) {
    throw new UserError(
      `The Docker Engine at ${engine.description} runs on another machine (${host.hostname}): the container publishes its port there, ` +
        `${publishAddress ? `and publishAddress ${publishAddress} is that machine's own loopback, ` : 'by default on its 127.0.0.1, '}` +
        `which this machine cannot reach. Set "publishAddress" in the smoke-test options (or pass --publishAddress) to an address of ` +
        `${host.hostname} that this machine reaches, or "0.0.0.0" for all of its interfaces: the model server is then open to that network ` +
        `while the test runs. Or use an engine on this machine.`,
    );
  }
  return { bindAddress: publishAddress, reachAddress: isWildcard(publishAddress) ? host.hostname : publishAddress };
}

/** "10.0.0.5" or "build-host" as it is, an IPv6 address in brackets: the host part of a URL. */
export function urlHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address);
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

interface DockerContext {
  host: string;
  /** Where `docker context create --docker "ca=...,cert=...,key=..."` stores the TLS files. */
  tlsDir: string;
}

/** Connection options for a context's endpoint: unix://, npipe://, tcp:// (TLS when the context has certificates) or ssh://. */
function contextConnection(context: DockerContext): DockerOptions {
  const { host } = context;
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('npipe://')) return { socketPath: host.slice('npipe://'.length) };
  const url = new URL(host.replace(/^tcp:\/\//, 'http://'));
  if (url.protocol === 'ssh:')
    return { protocol: 'ssh', host: url.hostname, port: Number(url.port || 22), ...(url.username ? { username: url.username } : {}) };
  const tls = readTlsFiles(context.tlsDir);
  const secure = Boolean(tls) || url.protocol === 'https:';
  return { protocol: secure ? 'https' : 'http', host: url.hostname, port: Number(url.port || (secure ? 2376 : 2375)), ...tls };
}

function readTlsFiles(dir: string) {
  if (!existsSync(join(dir, 'ca.pem'))) return undefined;
  const read = (name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name)) : undefined);
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

function readCurrentContext(configDir: string): string | undefined {
  try {
    return JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')).currentContext;
  } catch {
    return undefined;
  }
}

/** Contexts live under a directory named after the sha256 of their name. */
function readContext(configDir: string, name: string): DockerContext | undefined {
  const id = createHash('sha256').update(name).digest('hex');
  try {
    const endpoint = JSON.parse(readFileSync(join(configDir, 'contexts', 'meta', id, 'meta.json'), 'utf8')).Endpoints?.docker;
    if (typeof endpoint?.Host !== 'string') return undefined;
    return { host: endpoint.Host, tlsDir: join(configDir, 'contexts', 'tls', id, 'docker') };
  } catch {
    return undefined;
  }
}
