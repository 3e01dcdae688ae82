import { UserError } from '../errors';

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  /** Stream the command's output to the terminal while it runs (it is still captured). */
  echo?: boolean;
}

/**
 * Runs a program without a shell and returns its output whatever the exit code; the caller
 * decides what a failure means. A program that cannot be started at all is a UserError.
 */
export async function runCommand(file: string, args: string[], options: RunOptions = {}): Promise<CommandResult> {
  // execa is ESM-only: a dynamic import keeps this package loadable as CommonJS.
  const { execa } = await import('execa');
  const child = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    // A given environment is the whole environment, so removed variables stay removed.
    extendEnv: options.env === undefined,
    input: options.input,
    reject: false,
    all: false,
    stripFinalNewline: true,
    stdout: options.echo ? ['pipe', 'inherit'] : 'pipe',
    stderr: options.echo ? ['pipe', 'inherit'] : 'pipe',
  });
  const result = await child;
  if (result.failed && result.exitCode === undefined) {
    const reason = (result as { code?: string }).code === 'ENOENT' ? 'it was not found' : result.shortMessage;
    throw new UserError(`Cannot run "${file}": ${reason}.`);
  }
  return { stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), exitCode: result.exitCode ?? 1 };
}
