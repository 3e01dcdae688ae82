import { type ChildProcess, spawn } from 'node:child_process';
import type { RunResult } from './run';
import { cleanEnv } from './run';

export interface BackgroundRun {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** Resolves when the process has exited, with everything it printed. */
  done: Promise<RunResult>;
  /** Sends a signal to the command's whole process group (npx, nx, the task processes and their children). */
  signalGroup(signal: NodeJS.Signals): void;
}

/**
 * Starts `npx nx <args>` in its own process group and keeps its output, so a test can act while
 * it runs (kill a registry, restart an engine, send Ctrl+C) and then judge how it ended.
 */
export function startNx(cwd: string, args: string[], env: Record<string, string> = {}): BackgroundRun {
  const child = spawn('npx', ['nx', ...args], { cwd, env: cleanEnv(env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let all = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk;
    all += chunk;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk;
    all += chunk;
  });
  const done = new Promise<RunResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
  return {
    child,
    output: () => all,
    done,
    signalGroup: (signal) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // The group is already gone.
      }
    },
  };
}

/** Polls `condition` every `intervalMs` until it holds; fails with `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Gave up after ${timeoutMs / 1000} s waiting until ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
