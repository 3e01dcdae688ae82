import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors';
import { isRunning } from '../process/is-running';

const lockFileName = '.nx-bentoml.lock';

/** BentoML's own rule: BENTOML_HOME, else ~/bentoml. */
export function bentomlHome(env: Record<string, string | undefined>): string {
  return env['BENTOML_HOME'] || join(homedir(), 'bentoml');
}

/**
 * Runs one BentoML store command while holding a lock file in the BentoML home.
 *
 * BentoML writes a Bento or model into its store in place (the directory first, bento.yaml
 * last), and `bentoml list` fails on an item another process is still writing; two processes
 * importing one model both see it "already exists" before it is complete. So tasks sharing a
 * home (run-many --parallel, two checkouts) take turns per command.
 * A command cut short (Ctrl+C: BentoML's store cleans up only on Exception, not on
 * KeyboardInterrupt) leaves an item without its yaml, which breaks every later `bentoml list`:
 * such items are removed while the lock is held, after an interrupted command of ours, or when
 * the lock's holder died (killed) while writing.
 */
export async function withStoreLock<T>(
  home: string,
  action: () => Promise<T>,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<T> {
  const lockFile = join(home, lockFileName);
  const { stale } = await acquire(lockFile, options.timeoutMs ?? 30 * 60_000, options.pollMs ?? 100);
  if (stale) removeIncompleteItems(home);
  // A signal while BentoML writes is deferred until the command has ended, so the store is repaired first.
  let signal: NodeJS.Signals | undefined;
  const defer = (received: NodeJS.Signals) => (signal = received);
  process.on('SIGINT', defer);
  process.on('SIGTERM', defer);
  try {
    return await action();
  } finally {
    process.off('SIGINT', defer);
    process.off('SIGTERM', defer);
    if (signal) removeIncompleteItems(home);
    rmSync(lockFile, { force: true });
    if (signal) process.kill(process.pid, signal);
  }
}

async function acquire(lockFile: string, timeoutMs: number, pollMs: number): Promise<{ stale: boolean }> {
  mkdirSync(join(lockFile, '..'), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let stale = false;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { stale };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(lockFile);
    if (holder === undefined) continue;
    if (!isRunning(holder) && lockAgeMs(lockFile) > 1000) {
      // Its holder was killed: take the lock over (the age check spares a file whose pid is being written).
      // Two waiters taking over in the same instant could both hold it once: that needs a kill and an exact tie.
      rmSync(lockFile, { force: true });
      stale = true;
      continue;
    }
    if (Date.now() > deadline) {
      throw new UserError(
        `The BentoML store lock ${lockFile} has been held by process ${holder} for ${Math.round(timeoutMs / 60_000)} minutes. ` +
          `If no nx-bentoml task is running, delete the file and run again.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** The pid in the lock file; undefined when the file is gone (released meanwhile). */
function readHolder(lockFile: string): number | undefined {
  try {
    return Number(readFileSync(lockFile, 'utf8').trim());
  } catch {
    return undefined;
  }
}

function lockAgeMs(lockFile: string): number {
  try {
    return Date.now() - statSync(lockFile).mtimeMs;
  } catch {
    return 0;
  }
}

/** Bento and model directories without their bento.yaml / model.yaml: what an interrupted write leaves. */
export function removeIncompleteItems(home: string): string[] {
  const removed: string[] = [];
  for (const [kind, marker] of [
    ['bentos', 'bento.yaml'],
    ['models', 'model.yaml'],
  ] as const) {
    for (const name of directories(join(home, kind))) {
      for (const version of directories(join(home, kind, name))) {
        const item = join(home, kind, name, version);
        if (existsSync(join(item, marker))) continue;
        rmSync(item, { recursive: true, force: true });
        removed.push(`${kind}/${name}/${version}`);
      }
    }
  }
  return removed;
}

function directories(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}
