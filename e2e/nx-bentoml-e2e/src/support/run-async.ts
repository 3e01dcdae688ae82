import { spawn } from 'node:child_process';
import { type RunResult, cleanEnv } from './run';

/**
 * `npx nx <args>` without blocking this process, for tests that serve something to Nx from here
 * (spawnSync would stop the server answering). Throws with the output when Nx fails.
 */
export function runNxAsync(cwd: string, args: string[], env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['nx', ...args], { cwd, env: cleanEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => {
      const result = { status, stdout, stderr };
      if (status === 0) resolve(result);
      else
        reject(new Error(`nx ${args.join(' ')} (in ${cwd}) exited with ${status}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
    });
  });
}
