import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors';
import { type CommandResult, runCommand } from '../process/run-command';
import { registryHostOf } from './reference';

/** Credentials for one registry, as docker login stores them; the Engine's push takes the same (X-Registry-Auth). */
export interface RegistryAuth {
  serveraddress: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

/** The options of a registry target that choose its credentials. */
export interface RegistryAccess {
  /** Explicit username; the password comes from the environment variable named by passwordEnv. */
  username?: string;
  passwordEnv?: string;
}

/** The password variable when passwordEnv is not set. */
export const defaultPasswordEnv = 'NX_BENTOML_REGISTRY_PASSWORD';

export interface CredentialSources extends RegistryAccess {
  env?: NodeJS.ProcessEnv;
  /** Runs a credential helper program (`docker-credential-<name>`) with `get` and the server address on stdin; replaceable in tests. */
  runHelper?: (program: string, serverAddress: string) => Promise<CommandResult>;
}

const dockerConfigSchema = z.looseObject({
  auths: z.record(z.string(), z.looseObject({ auth: z.string().optional(), identitytoken: z.string().optional() })).optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
  credsStore: z.string().optional(),
});

const helperOutputSchema = z.object({ Username: z.string(), Secret: z.string() });

const dockerHubHosts = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
/** The key docker login, config.json and credential helpers use for Docker Hub, whatever host name the image uses. */
const dockerHubServerAddress = 'https://index.docker.io/v1/';

/** The server address credentials are stored under: the host, or Docker Hub's one key for any of its host names. */
export function credentialServerAddress(registry: string): string {
  const host = registryHostOf(registry);
  return dockerHubHosts.has(host) ? dockerHubServerAddress : host;
}

/**
 * Resolves credentials for a registry as the docker CLI does: explicit options or environment
 * first (for CI), then ~/.docker/config.json: credHelpers, credsStore, then auths.
 * Returns undefined for a registry without credentials (anonymous push).
 */
export async function resolveRegistryAuth(registry: string, sources: CredentialSources = {}): Promise<RegistryAuth | undefined> {
  const env = sources.env ?? process.env;
  const server = credentialServerAddress(registry);
  const passwordEnv = sources.passwordEnv ?? defaultPasswordEnv;
  const username = sources.username ?? env['NX_BENTOML_REGISTRY_USERNAME'];
  if (username) {
    const password = env[passwordEnv];
    if (!password)
      throw new UserError(`A registry username is set but ${passwordEnv} is empty. Export the password (or token) in ${passwordEnv}.`);
    return { serveraddress: server, username, password };
  }

  const config = readDockerConfig(env);
  const helper = findByServer(config.credHelpers, server) ?? config.credsStore;
  if (helper) {
    const stored = await credentialsFromHelper(`docker-credential-${helper}`, server, sources.runHelper ?? runHelperGet);
    if (stored)
      return stored.Username === '<token>'
        ? { serveraddress: server, identitytoken: stored.Secret }
        : { serveraddress: server, username: stored.Username, password: stored.Secret };
  }
  const entry = findByServer(config.auths, server);
  if (entry?.identitytoken) return { serveraddress: server, identitytoken: entry.identitytoken };
  if (entry?.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    return { serveraddress: server, username: decoded.slice(0, separator), password: decoded.slice(separator + 1) };
  }
  return undefined;
}

function readDockerConfig(env: NodeJS.ProcessEnv) {
  const file = join(env['DOCKER_CONFIG'] ?? join(homedir(), '.docker'), 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // No config file (never logged in): no stored credentials, as for the docker CLI.
    return {};
  }
  // Not the parser's message: it quotes the text near the error, which may be part of a credential.
  const data = safeJson(text);
  if (data === undefined) throw new UserError(`${file} is not valid JSON. Fix it, or move it away and log in again with "docker login".`);
  const parsed = dockerConfigSchema.safeParse(data);
  if (!parsed.success) throw new UserError(`${file} is not a valid Docker config file. Fix it or log in again with "docker login".`);
  return parsed.data;
}

/** Config keys may carry a scheme or path ("https://127.0.0.1:5000", "docker.io"); compare server addresses. */
function findByServer<T>(entries: Record<string, T> | undefined, serverAddress: string): T | undefined {
  if (!entries) return undefined;
  const key = Object.keys(entries).find((candidate) => credentialServerAddress(candidate) === serverAddress);
  return key === undefined ? undefined : entries[key];
}

function runHelperGet(program: string, serverAddress: string): Promise<CommandResult> {
  return runCommand(program, ['get'], { input: serverAddress });
}

async function credentialsFromHelper(program: string, serverAddress: string, runHelper: NonNullable<CredentialSources['runHelper']>) {
  let result: CommandResult;
  try {
    result = await runHelper(program, serverAddress);
  } catch {
    throw new UserError(
      `The Docker credential helper ${program} is configured for ${serverAddress} in your Docker config but is not installed. ` +
        `Install it, or remove the entry from ~/.docker/config.json and log in with "docker login ${serverAddress}".`,
    );
  }
  if (result.exitCode !== 0) {
    // Helpers print "credentials not found in native keychain" when there is simply nothing stored.
    if (/not found/i.test(result.stdout + result.stderr)) return undefined;
    // Only stderr: stdout is where a helper writes the secret.
    throw new UserError(
      `${program} get failed for ${serverAddress} (exit ${result.exitCode}): ${firstLine(result.stderr)}. Log in again with your registry's tool.`,
    );
  }
  const parsed = helperOutputSchema.safeParse(safeJson(result.stdout));
  if (!parsed.success) throw new UserError(`${program} get returned something other than credentials for ${serverAddress}.`);
  return parsed.data;
}

/** The parsed JSON, or undefined for text that is none: each caller says what is wrong without quoting it. */
function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function firstLine(text: string) {
  return text.trim().split('\n')[0] || 'no message';
}
