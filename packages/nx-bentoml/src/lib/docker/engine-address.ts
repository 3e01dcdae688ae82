import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { DockerOptions } from 'dockerode';

export interface EngineAddress {
  /** What the user would recognise in an error: the DOCKER_HOST value, context name or socket path. */
  description: string;
  /**
   * dockerode connection options, set only for a docker context. Without them docker-modem reads
   * DOCKER_HOST (unix, npipe, tcp, ssh) with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH itself, or
   * finds the default socket (Docker Desktop's ~/.docker/run/docker.sock included).
   */
  connection?: DockerOptions;
}

const defaultSocket = process.platform === 'win32' ? '//./pipe/docker_engine' : '/var/run/docker.sock';

/**
 * Finds the Docker Engine the way the docker CLI does: DOCKER_HOST, else the current context
 * (DOCKER_CONTEXT or currentContext in config.json, as Docker Desktop sets), else the default socket.
 */
export function resolveEngineAddress(env: NodeJS.ProcessEnv = process.env): EngineAddress {
  const dockerHost = env['DOCKER_HOST'];
  if (dockerHost) return { description: `DOCKER_HOST=${dockerHost}` };

  const configDir = env['DOCKER_CONFIG'] ?? join(homedir(), '.docker');
  const contextName = env['DOCKER_CONTEXT'] ?? readCurrentContext(configDir);
  if (contextName && contextName !== 'default') {
    const context = readContext(configDir, contextName);
    if (context) return { description: `docker context "${contextName}" (${context.host})`, connection: contextConnection(context) };
  }
  return { description: defaultSocket };
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
