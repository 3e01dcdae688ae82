import { spawnSync } from 'node:child_process';

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of commands run in a test workspace: the outer Nx run, Jest and npm leave
 * variables (NX_WORKSPACE_ROOT_PATH, NX_TASK_*, npm_config_*, ...) that would steer a nested
 * Nx or npm towards this repository, so those are dropped.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(NX_|npm_|JEST_)/i.test(key) || key === 'NODE_ENV' || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_INTERACTIVE: 'false', FORCE_COLOR: '0', ...extra };
}

/** Runs a command to completion and returns its exit status and output, whatever the status. */
export function run(command: string, args: string[], cwd: string, timeoutMs = 15 * 60 * 1000, env: Record<string, string> = {}): RunResult {
  const result = spawnSync(command, args, { cwd, env: cleanEnv(env), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs });
  if (result.error) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) could not run: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like run, but throws with the full stdout and stderr when the command fails. */
export function runOrThrow(command: string, args: string[], cwd: string, timeoutMs?: number, env?: Record<string, string>): RunResult {
  const result = run(command, args, cwd, timeoutMs, env);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited with ${result.status}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`,
    );
  }
  return result;
}

/** `npx nx <args>` in a test workspace, without the daemon or Nx Cloud; throws on failure. */
export function runNx(cwd: string, args: string[], env?: Record<string, string>): RunResult {
  return runOrThrow('npx', ['nx', ...args], cwd, undefined, env);
}

/** `npx nx <args>` for a command that is expected to fail: returns the result instead of throwing. */
export function runNxUnchecked(cwd: string, args: string[], env?: Record<string, string>): RunResult {
  return run('npx', ['nx', ...args], cwd, undefined, env);
}
