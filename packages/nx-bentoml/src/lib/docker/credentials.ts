import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors';
import { runCommand } from '../process/run-command';

/** What the Engine's push API takes as X-Registry-Auth. */
export interface RegistryAuth {
  serveraddress: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

export interface CredentialSources {
  /** Explicit username; the password comes from the environment variable named by passwordEnv. */
  username?: string;
  passwordEnv?: string;
  env?: NodeJS.ProcessEnv;
  /** Runs `docker-credential-<name> get`; replaceable in tests. */
  runHelper?: (helper: string, serverAddress: string) => Promise<{ Username: string; Secret: string }>;
}

const dockerConfigSchema = z.looseObject({
  auths: z.record(z.string(), z.looseObject({ auth: z.string().optional(), identitytoken: z.string().optional() })).optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
  credsStore: z.string().optional(),
});

const helperOutputSchema = z.object({ Username: z.string(), Secret: z.string() });

/** "europe-west6-docker.pkg.dev/project/repo" -> "europe-west6-docker.pkg.dev" */
export function registryHost(registry: string): string {
  return registry.replace(/^[a-z]+:\/\//, '').split('/')[0];
}

/**
 * Resolves credentials for a registry as the docker CLI does: explicit options or environment
 * first (for CI), then ~/.docker/config.json: credHelpers, credsStore, then auths.
 * Returns undefined for a registry without credentials (anonymous push).
 */
export async function resolveRegistryAuth(registry: string, sources: CredentialSources = {}): Promise<RegistryAuth | undefined> {
  const env = sources.env ?? process.env;
  const host = registryHost(registry);
  const passwordEnv = sources.passwordEnv ?? 'NX_BENTOML_REGISTRY_PASSWORD';
  const username = sources.username ?? env['NX_BENTOML_REGISTRY_USERNAME'];
  if (username) {
    const password = env[passwordEnv];
    if (!password) throw new UserError(`A registry username is set but ${passwordEnv} is empty. Export the password (or token) in ${passwordEnv}.`);
    return { serveraddress: host, username, password };
  }

  const config = readDockerConfig(env);
  const runHelper = sources.runHelper ?? runCredentialHelper;
  const helper = findByHost(config.credHelpers, host) ?? config.credsStore;
  if (helper) {
    const stored = await runHelper(helper, host);
    if (stored) return stored.Username === '<token>' ? { serveraddress: host, identitytoken: stored.Secret } : { serveraddress: host, username: stored.Username, password: stored.Secret };
  }
  const entry = findByHost(config.auths, host);
  if (entry?.identitytoken) return { serveraddress: host, identitytoken: entry.identitytoken };
  if (entry?.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    return { serveraddress: host, username: decoded.slice(0, separator), password: decoded.slice(separator + 1) };
  }
  return undefined;
}

function readDockerConfig(env: NodeJS.ProcessEnv) {
  const file = join(env['DOCKER_CONFIG'] ?? join(homedir(), '.docker'), 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const parsed = dockerConfigSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new UserError(`${file} is not a valid Docker config file. Fix it or log in again with "docker login".`);
  return parsed.data;
}

/** Config keys may carry a scheme or path ("https://index.docker.io/v1/"); compare hosts. */
function findByHost<T>(entries: Record<string, T> | undefined, host: string): T | undefined {
  if (!entries) return undefined;
  const key = Object.keys(entries).find((candidate) => registryHost(candidate) === host);
  return key === undefined ? undefined : entries[key];
}

async function runCredentialHelper(helper: string, serverAddress: string) {
  const program = `docker-credential-${helper}`;
  let result;
  try {
    result = await runCommand(program, ['get'], { input: serverAddress });
  } catch {
    throw new UserError(
      `The Docker credential helper ${program} is configured for ${serverAddress} in your Docker config but is not installed. ` +
        `Install it, or remove the entry from ~/.docker/config.json and log in with "docker login ${serverAddress}".`,
    );
  }
  if (result.exitCode !== 0) {
    // Helpers print "credentials not found in native keychain" when there is simply nothing stored.
    if (/not found/i.test(result.stdout + result.stderr)) return undefined;
    throw new UserError(`${program} get failed for ${serverAddress} (exit ${result.exitCode}): ${firstLine(result.stderr || result.stdout)}. Log in again with your registry's tool.`);
  }
  const parsed = helperOutputSchema.safeParse(safeJson(result.stdout));
  if (!parsed.success) throw new UserError(`${program} get returned something other than credentials for ${serverAddress}.`);
  return parsed.data;
}

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
