// What every benchmark script shares: settings, logging, running commands in throwaway
// workspaces with a scrubbed environment, the packed plugin, JSON files and medians.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A positive integer from the environment, or `fallback`; anything else stops the benchmark. */
export function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a positive integer, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

/** A logger to stderr that prefixes each line with `name` and the seconds since `started`. */
export function createLog(name, started) {
  return (message) => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(7);
    process.stderr.write(`[${name} ${seconds}s] ${message}\n`);
  };
}

/**
 * The environment for commands in a throwaway workspace: without the NX_* variables of the calling
 * shell (an Nx task, an e2e run), the npm_* ones `npm run` sets for this repository
 * (npm_config_local_prefix), Jest's, or INIT_CWD.
 */
export const workspaceEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^(NX_|npm_|JEST_)/i.test(key) && key !== 'INIT_CWD'),
);

/** Nx without daemon, Nx Cloud or terminal UI, as the benchmarks run it. */
export const plainNx = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };

/** Runs a command to completion; throws with the tail of its output when it fails, unless allowFailure. */
export function run(command, args, { cwd, env = workspaceEnv, input, allowFailure = false } = {}) {
  const result = spawnSync(command, args, { cwd, env, input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (!allowFailure && (result.status !== 0 || result.error)) {
    const tail = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`"${command} ${args.join(' ')}" in ${cwd} failed (${result.error?.message ?? `exit ${result.status}`}):\n${tail}`);
  }
  return result;
}

export function readJson(file, fallback) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return fallback;
  }
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const tempDirs = [];

/** Removes the temporary directories made by pluginTarball. */
export function removeTempDirs() {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * The packed nx-bentoml: BENCH_TARBALL when set, otherwise the repository's, built and packed into
 * a temporary directory (removed by removeTempDirs).
 */
export function pluginTarball(log) {
  if (process.env.BENCH_TARBALL) {
    const tarball = resolve(process.env.BENCH_TARBALL);
    if (!existsSync(tarball)) throw new Error(`BENCH_TARBALL=${tarball} does not exist`);
    log(`using ${tarball}`);
    return tarball;
  }
  log('building nx-bentoml (npx nx build nx-bentoml)');
  run('npx', ['nx', 'build', 'nx-bentoml', '--outputStyle=static'], { cwd: repoRoot, env: { ...process.env, ...plainNx } });
  const packDir = mkdtempSync(join(os.tmpdir(), 'nx-bentoml-bench-pack-'));
  tempDirs.push(packDir);
  const packed = run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: join(repoRoot, 'dist/packages/nx-bentoml') });
  const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
  const tarball = join(packDir, filename);
  log(`packed ${tarball}`);
  return tarball;
}
