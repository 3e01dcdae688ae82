import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface EngineAddress {
  /** What the user would recognise: the DOCKER_HOST value, context name or socket path. */
  description: string;
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}

/**
 * Finds the Docker Engine the way the docker CLI does: DOCKER_HOST, else the current context
 * (DOCKER_CONTEXT or currentContext in config.json, as Docker Desktop sets), else the default socket.
 */
export function resolveEngineAddress(env: NodeJS.ProcessEnv = process.env): EngineAddress {
  const dockerHost = env['DOCKER_HOST'];
  if (dockerHost) return { ...parseDockerHost(dockerHost, env), description: `DOCKER_HOST=${dockerHost}` };

  const configDir = env['DOCKER_CONFIG'] ?? join(homedir(), '.docker');
  const contextName = env['DOCKER_CONTEXT'] ?? readCurrentContext(configDir);
  if (contextName && contextName !== 'default') {
    const contextHost = readContextHost(configDir, contextName);
    if (contextHost) return { ...parseDockerHost(contextHost, env), description: `docker context "${contextName}" (${contextHost})` };
  }
  const socketPath = process.platform === 'win32' ? '//./pipe/docker_engine' : '/var/run/docker.sock';
  return { socketPath, description: socketPath };
}

export function parseDockerHost(value: string, env: NodeJS.ProcessEnv = process.env): Omit<EngineAddress, 'description'> {
  if (value.startsWith('unix://')) return { socketPath: value.slice('unix://'.length) };
  if (value.startsWith('npipe://')) return { socketPath: value.slice('npipe://'.length) };
  const url = new URL(value.replace(/^tcp:\/\//, 'http://'));
  const tls = env['DOCKER_TLS_VERIFY'] === '1' || url.protocol === 'https:';
  return { host: url.hostname, port: Number(url.port || (tls ? 2376 : 2375)), protocol: tls ? 'https' : 'http' };
}

function readCurrentContext(configDir: string): string | undefined {
  try {
    return JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')).currentContext;
  } catch {
    return undefined;
  }
}

function readContextHost(configDir: string, name: string): string | undefined {
  const id = createHash('sha256').update(name).digest('hex');
  try {
    return JSON.parse(readFileSync(join(configDir, 'contexts', 'meta', id, 'meta.json'), 'utf8')).Endpoints?.docker?.Host;
  } catch {
    return undefined;
  }
}
