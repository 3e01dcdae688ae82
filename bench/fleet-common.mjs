// What the fleet benchmarks (P11, the plan, the fan-out) share: a workspace of BENCH_SERVICES
// generated services, optionally packing one shared Python library; a self-hosted Nx remote cache
// (nx-cache-server.mjs); Docker Engines of the benchmark's own, empty at the start; "machines",
// each a checkout with its own BentoML home, Docker config, Nx cache and engine; Nx runs that can
// overlap; and the setup, teardown and report around one benchmark.
//
// Environment (besides `source .e2e-env/env.sh`): BENCH_SERVICES (each benchmark has its default),
// BENCH_RUNS (rounds, default 1), BENCH_TARBALL (packed nx-bentoml to install instead of building).
// The engines need root (dockerd, a bridge and three iptables rules each), as the e2e suite's.

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { positiveInt, readJson, removeTempDirs, repoRoot, run, workspaceEnv } from './bench-common.mjs';
import {
  addTrainedService,
  createBareWorkspace,
  failures,
  nxEnv,
  removeImages,
  requireEnvironment,
  workspaceHandle,
} from './chain-bench.mjs';

export const RUNS = positiveInt('BENCH_RUNS', 1);
/** The origin URL of every checkout: the image's source label, the same on every machine. */
const sourceUrl = 'https://git.example.com/ml/fleet.git';
/** The shared Python library's project and package name. */
export const libraryName = 'shared';
export const libraryFile = `libs/${libraryName}/${libraryName}/__init__.py`;

export const serviceNames = (count) => Array.from({ length: count }, (_, i) => `svc${String(i + 1).padStart(2, '0')}`);

// ---------------------------------------------------------------------------------------------
// The workspace
// ---------------------------------------------------------------------------------------------

/**
 * A workspace of `services` generated and trained services (`nx g nx-bentoml:service`), on the
 * shared engine and registry of .e2e-env, committed with an origin. With `sharedLibrary`, every
 * service packs libs/shared (a Python package with a project.json, as docs/targets.md "Shared
 * Python libraries" describes), so one change in it affects them all.
 */
export function createFleetWorkspace(base, environment, prefix, services, { sharedLibrary = false } = {}) {
  const ws = createBareWorkspace(base, environment, prefix);
  for (const service of services) addTrainedService(ws, environment, prefix, service);
  if (sharedLibrary) {
    mkdirSync(dirname(ws.file(libraryFile)), { recursive: true });
    writeFileSync(ws.file(`libs/${libraryName}/project.json`), JSON.stringify({ name: libraryName, root: `libs/${libraryName}` }));
    writeFileSync(ws.file(libraryFile), 'def label(name: str) -> str:\n    return name\n');
    for (const service of services) {
      const bentofile = ws.file(`apps/${service}/src/bentofile.yaml`);
      const serve = ws.file(`apps/${service}/src/serve.py`);
      const packed = readFileSync(bentofile, 'utf8').replace(
        '  - serve.py\n',
        `  - serve.py\n  - "../../../libs/${libraryName}/${libraryName}/**/*.py"\n`,
      );
      const importing = readFileSync(serve, 'utf8')
        .replace('import bentoml\n', `import bentoml\nimport ${libraryName}\n`)
        .replace('[self.labels[int(index)]', `[${libraryName}.label(self.labels[int(index)])`);
      if (!packed.includes(`libs/${libraryName}`) || !importing.includes(`${libraryName}.label(`))
        throw new Error(`The generated ${service} no longer has the lines the benchmark edits to pack libs/${libraryName}.`);
      writeFileSync(bentofile, packed);
      writeFileSync(serve, importing);
    }
  }
  ws.git('remote', 'add', 'origin', sourceUrl);
  ws.commit(`${services.length} model services`);
  return ws;
}

/** "bento-build 12.3 s, containerize 45.6 s, ...": task seconds (an nxProfiled or nxAsync result's tasks) summed per target. */
export function secondsPerTarget(tasks) {
  const sums = {};
  for (const [id, seconds] of Object.entries(tasks)) {
    const target = id.split(':')[1] ?? id;
    sums[target] = (sums[target] ?? 0) + seconds;
  }
  return Object.entries(sums)
    .map(([target, seconds]) => `${target} ${seconds.toFixed(1)} s`)
    .join(', ');
}

/** Commits a change to the shared library: every service that packs it gets a new Bento. */
export function changeLibrary(ws, note) {
  writeFileSync(ws.file(libraryFile), `${readFileSync(ws.file(libraryFile), 'utf8')}\n# ${note}\n`);
  ws.commit(`shared: ${note}`);
}

// ---------------------------------------------------------------------------------------------
// Machines
// ---------------------------------------------------------------------------------------------

/**
 * A machine running the workspace at `root` (the original or a clone): its own BentoML home and
 * Docker config (workspaceHandle's), its own Nx cache and workspace data (Nx 23.2 would otherwise
 * share ~/.nx/<workspace id> between checkouts), the engine at `dockerHost` (default: the shared
 * one) and the remote cache's environment.
 */
export function machine(name, ws, root, { dockerHost, cache } = {}) {
  const handle = root === ws.root ? ws : workspaceHandle(root, ws.environment, ws.prefix);
  const env = {
    NX_CACHE_DIRECTORY: join(root, '.nx/cache'),
    NX_WORKSPACE_DATA_DIRECTORY: join(root, '.nx/workspace-data'),
    ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}),
    ...(cache?.env ?? {}),
  };
  return {
    ...handle,
    name,
    env,
    nx: (args, extra = {}) => handle.nx(args, { ...env, ...extra }),
    /** `npx nx <args>` without blocking, so two machines can run at once; resolves with seconds and output. */
    // With seconds per task from Nx's NX_PROFILE trace, as chain-bench's nxProfiled (a path relative to root).
    async nxAsync(args, extra = {}) {
      const profile = `.bench-profile-${process.pid}-${basename(root)}-${name.replace(/\W/g, '')}.json`;
      const result = await runAsync('npx', ['nx', ...args], {
        cwd: root,
        env: { ...nxEnv, ...handle.pluginEnv, ...env, ...extra, NX_PROFILE: profile },
      });
      const events = readJson(join(root, profile), []);
      rmSync(join(root, profile), { force: true });
      const tasks = Object.fromEntries(events.filter((e) => e.ph === 'X' && typeof e.dur === 'number').map((e) => [e.name, e.dur / 1e6]));
      return { ...result, tasks };
    },
    /** What a fresh runner starts from: no Nx cache, no dist/, an empty BentoML home. */
    forget() {
      for (const path of ['.nx', 'dist', '.bentoml-home']) rmSync(join(root, path), { recursive: true, force: true });
    },
  };
}

/**
 * A second checkout of the workspace: a git clone in a directory of its own beside the first (so
 * package.json's relative file: dependency on the packed plugin resolves), `npm ci`, the same
 * Python environment as .venv, an empty Docker config.
 */
export function cloneWorkspace(ws, dir) {
  mkdirSync(dir, { recursive: true });
  const clone = join(dir, basename(ws.root));
  copyFileSync(join(dirname(ws.root), 'nx-bentoml.tgz'), join(dir, 'nx-bentoml.tgz'));
  run('git', ['clone', '-q', ws.root, clone], { cwd: dir });
  run('git', ['remote', 'set-url', 'origin', sourceUrl], { cwd: clone });
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: clone });
  symlinkSync(dirname(dirname(ws.environment.python)), join(clone, '.venv'));
  mkdirSync(join(clone, '.docker-config'), { recursive: true });
  return clone;
}

/** Brings a clone to the first checkout's HEAD, as a runner checks out the commit it runs for. */
export function checkoutHead(ws, clone) {
  run('git', ['fetch', '-q', ws.root, 'HEAD'], { cwd: clone });
  run('git', ['reset', '-q', '--hard', 'FETCH_HEAD'], { cwd: clone });
}

/** Runs a command without blocking; resolves with its seconds and output, rejects when it fails. */
export function runAsync(command, args, { cwd, env }) {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => {
      const seconds = (performance.now() - t0) / 1000;
      if (status === 0) return resolve({ seconds, stdout, stderr });
      const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-40).join('\n');
      reject(new Error(`"${command} ${args.join(' ')}" in ${cwd} failed (exit ${status}):\n${tail}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The remote cache and the engines
// ---------------------------------------------------------------------------------------------

/** Starts nx-cache-server.mjs; `env` points Nx at it, `stats()` reads its counters. */
export async function startCacheServer() {
  const token = randomBytes(16).toString('hex');
  const child = spawn(process.execPath, [join(repoRoot, 'bench/nx-cache-server.mjs'), token], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let buffered = '';
    child.on('exit', (code) => reject(new Error(`nx-cache-server.mjs exited (${code}) before listening`)));
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      if (buffered.includes('\n')) resolve(JSON.parse(buffered.split('\n')[0]).url);
    });
  });
  child.removeAllListeners('exit');
  return {
    env: { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token },
    stats: () => run('curl', ['-sf', '-H', `Authorization: Bearer ${token}`, `${url}/stats`], { cwd: repoRoot }).stdout,
    stop: () => child.kill('SIGTERM'),
  };
}

/**
 * A Docker Engine of the benchmark's own, as the e2e suite's support/second-engine.ts makes one: a
 * dockerd with its own data root, exec root, pid file, unix socket and bridge. It writes no
 * iptables rules itself (dockerd would rewrite the shared engine's chains); the three a build
 * container needs to reach package indexes are added here and removed in tearDown. `id` (1-254,
 * distinct per engine) names the bridge nxbb<id> and the subnet 172.31.<id>.0/24.
 */
export function benchEngine(dir, id) {
  const socket = join(dir, 'docker.sock');
  const bridge = `nxbb${id}`;
  const subnet = `172.31.${id}.0/24`;
  const rules = [
    ['-t', 'nat', 'POSTROUTING', '-s', subnet, '!', '-o', bridge, '-j', 'MASQUERADE'],
    ['-t', 'filter', 'FORWARD', '-i', bridge, '-j', 'ACCEPT'],
    ['-t', 'filter', 'FORWARD', '-o', bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
  ];
  const dockerHost = `unix://${socket}`;
  const docker = (args, options = {}) => run('docker', ['-H', dockerHost, ...args], { cwd: dir, ...options });
  let pid;
  return {
    dockerHost,
    async setUp() {
      mkdirSync(dir, { recursive: true });
      // A bridge of this name can only be left over from an aborted benchmark.
      spawnSync('ip', ['link', 'del', bridge]);
      run('ip', ['link', 'add', bridge, 'type', 'bridge']);
      run('ip', ['addr', 'add', `172.31.${id}.1/24`, 'dev', bridge]);
      run('ip', ['link', 'set', bridge, 'up']);
      for (const [, table, chain, ...rule] of rules) run('iptables', ['-t', table, '-I', chain, ...rule]);
      const logFile = join(dir, 'dockerd.log');
      const child = spawn(
        'sh',
        [
          '-c',
          `exec dockerd --data-root="$1/data" --exec-root="$1/exec" --pidfile="$1/dockerd.pid" --host="${dockerHost}" --bridge=${bridge} --iptables=false --ip-masq=false --ip6tables=false >>"$1/dockerd.log" 2>&1`,
          'dockerd',
          dir,
        ],
        { stdio: 'ignore', detached: true },
      );
      pid = child.pid;
      child.unref();
      for (let waited = 0; docker(['version'], { allowFailure: true }).status !== 0; waited += 250) {
        if (waited > 60_000) throw new Error(`dockerd in ${dir} did not answer within 60 s; see ${logFile}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    /** Copies an image from the shared engine (docker save there, docker load here), as a runner's engine already holds its base image. */
    loadImage(image) {
      run('sh', ['-c', 'docker save "$1" | docker -H "$2" load -q', 'load', image, dockerHost], { cwd: dir });
    },
    /** Every image id the engine holds. */
    images: () => docker(['images', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean),
    tearDown() {
      if (pid) {
        spawnSync('kill', ['-TERM', String(pid)]);
        for (let i = 0; i < 120 && spawnSync('kill', ['-0', String(pid)]).status === 0; i++) spawnSync('sleep', ['0.25']);
      }
      // A container's overlay can stay mounted: the data root could not be removed.
      const mounts = readFileSync('/proc/mounts', 'utf8')
        .split('\n')
        .map((line) => line.split(' ')[1]);
      for (const mount of mounts.filter((path) => path?.startsWith(`${dir}/`)).reverse()) spawnSync('umount', ['-l', mount]);
      for (const [, table, chain, ...rule] of rules) spawnSync('iptables', ['-t', table, '-D', chain, ...rule]);
      spawnSync('ip', ['link', 'del', bridge]);
    },
  };
}

/** An engine id no other engine of this benchmark or of a parallel one is likely to take (1-254). */
export const engineId = (index) => 10 + ((process.pid % 100) * 2 + index);

// ---------------------------------------------------------------------------------------------
// One benchmark: setup, teardown, report
// ---------------------------------------------------------------------------------------------

/**
 * Runs `benchmark(context)` (async; it returns Markdown lines) in a temporary directory, then runs
 * every cleanup it registered with `context.cleanup(fn)` (last first), removes the directory,
 * prints the report with the machine's details, and exits non-zero if a check failed.
 */
export async function runFleetBenchmark(name, benchmark) {
  const started = performance.now();
  const loadBefore = os.loadavg();
  const base = mkdtempSync(join(os.tmpdir(), `nx-bentoml-bench-${name}-`));
  const cleanups = [];
  const context = { base, environment: undefined, cleanup: (fn) => cleanups.push(fn) };
  let lines = [];
  try {
    context.environment = requireEnvironment();
    lines = await benchmark(context);
  } catch (error) {
    failures.push(error.stack ?? error.message);
  } finally {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        failures.push(`cleanup: ${error.message}`);
      }
    }
    rmSync(base, { recursive: true, force: true });
    removeTempDirs();
  }
  const loadAfter = os.loadavg();
  const python = context.environment?.python;
  const bentoml = python
    ? run(python, ['-c', 'import bentoml; print(bentoml.__version__)'], { cwd: repoRoot, allowFailure: true }).stdout.trim()
    : '';
  console.log(
    [
      ...lines,
      '',
      '### Machine',
      '',
      `- ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}; load average ${loadBefore[0].toFixed(2)} at the start, ${loadAfter[0].toFixed(2)} at the end`,
      `- node ${process.version}, nx ${context.nxVersion ?? 'n/a'}, BentoML ${bentoml}, rounds ${RUNS}, date ${new Date().toISOString()}, total ${((performance.now() - started) / 1000).toFixed(0)} s`,
    ].join('\n'),
  );
  if (failures.length) {
    console.error(`\nFAILED: ${failures.length} problem(s):`);
    for (const failure of failures) console.error(`- ${failure}`);
    process.exit(1);
  }
}

/** Registers the removal of the workspace's images from the shared engine. */
export function removeImagesLater(context, ws, services) {
  context.cleanup(() => {
    for (const service of services) removeImages(ws, `${ws.prefix}/${service}`);
  });
}

/**
 * Registers the removal of what Nx 23.2 keeps for the checkout at `root` outside it
 * (~/.nx/<workspace id>: cache and task database of the commands run without NX_CACHE_DIRECTORY,
 * such as the generators), asked of that Nx as the e2e suite's leftovers.ts does.
 */
export function removeSharedNxDataLater(context, root) {
  context.cleanup(() => {
    const script = "const d = require('nx/src/utils/cache-directory'); console.log(JSON.stringify([d.cacheDir, d.workspaceDataDirectory]))";
    const result = run('node', ['-e', script], { cwd: root, env: workspaceEnv, allowFailure: true });
    if (result.status !== 0) return;
    for (const dir of JSON.parse(result.stdout)) {
      if (dir.startsWith(`${context.base}/`)) continue;
      // ~/.nx/<workspace id>/cache goes with its workspace id's directory, and nothing above it.
      const perWorkspace = basename(dir) === 'cache' && /^[0-9a-f]{8,}$/.test(basename(dirname(dir)));
      rmSync(perWorkspace ? dirname(dir) : dir, { recursive: true, force: true });
    }
  });
}

/** The nx version the workspace runs, for the report. */
export const installedNx = (root) => readJson(join(root, 'node_modules/nx/package.json'), {}).version;
