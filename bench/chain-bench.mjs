// Shared parts of the publishing benchmarks P1-P4: one workspace set up as the e2e suite does
// (create-nx-workspace, the packed plugin, five generated and trained services, all published
// once), the two sides (nx-bentoml's targets and the guide's manual flow with the BentoML and
// docker CLIs, each with its own BentoML home, Docker config and image names), timing and the
// Markdown report. The benchmarks themselves are p1-*.mjs .. p4-*.mjs; run them through
// publish-bench.mjs (all four on one workspace) or one at a time.
//
// Environment (besides `source .e2e-env/env.sh`):
//   BENCH_RUNS=1        measured rounds per benchmark
//   BENCH_KEEP=1        keep the workspace (and its images) in $TMPDIR/nx-bentoml-bench-publish and
//                       reuse it: the setup (create-nx-workspace, training, first publish) runs once
//   BENCH_TARBALL=path  packed nx-bentoml to install instead of building and packing the repository's

import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createLog,
  median,
  plainNx,
  pluginTarball,
  positiveInt,
  readJson,
  removeTempDirs,
  repoRoot,
  run,
  workspaceEnv as baseEnv,
} from './bench-common.mjs';

// P1-P4 take median from here with the rest of the publishing benchmarks' helpers.
export { median };
export const services = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
/** The service P3 and P4 publish and containerize cold; not one of the five of P1 and P2. */
export const soloService = 'solo';
const RUNS = positiveInt('BENCH_RUNS', 1);
const KEEP = process.env.BENCH_KEEP === '1';
// Bumped whenever the workspace setup changes, so that a kept workspace is recreated.
const SETUP_VERSION = 1;

const started = performance.now();
export const failures = [];
export const log = createLog('bench', started);

// Commands in the throwaway workspace run with bench-common's scrubbed environment, as in the e2e suite.
export const nxEnv = { ...baseEnv, ...plainNx, NX_INTERACTIVE: 'false', FORCE_COLOR: '0' };

/** Runs fn and returns [seconds, its result]. */
export function timed(fn) {
  const t0 = performance.now();
  const result = fn();
  return [(performance.now() - t0) / 1000, result];
}

// ---------------------------------------------------------------------------------------------
// The environment of .e2e-env/env.sh
// ---------------------------------------------------------------------------------------------

export function requireEnvironment() {
  const names = [
    'NX_BENTOML_PYTHON',
    'NX_BENTOML_BASE_IMAGE',
    'NX_BENTOML_REGISTRY',
    'NX_BENTOML_REGISTRY_USERNAME',
    'NX_BENTOML_REGISTRY_PASSWORD_FILE',
  ];
  const missing = names.filter((name) => !process.env[name]);
  if (missing.length)
    throw new Error(`Missing ${missing.join(', ')}: run "source .e2e-env/env.sh" (made by scripts/setup-environment.sh) first.`);
  const env = (name) => process.env[name];
  run('docker', ['image', 'inspect', env('NX_BENTOML_BASE_IMAGE')], { cwd: repoRoot });
  return {
    python: env('NX_BENTOML_PYTHON'),
    baseImage: env('NX_BENTOML_BASE_IMAGE'),
    registry: env('NX_BENTOML_REGISTRY'),
    username: env('NX_BENTOML_REGISTRY_USERNAME'),
    password: readFileSync(env('NX_BENTOML_REGISTRY_PASSWORD_FILE'), 'utf8').trim(),
  };
}

// ---------------------------------------------------------------------------------------------
// The workspace, as the e2e suite makes it (support/workspace.ts, chain-workspace.ts)
// ---------------------------------------------------------------------------------------------

/**
 * A fresh workspace made with create-nx-workspace, the packed plugin installed, the e2e Python
 * environment as .venv and nx-bentoml initialised: what every publishing benchmark starts from.
 * `nxVersion` moves the workspace to that Nx (create-nx-workspace@latest gives 23.2 here).
 */
export function createBareWorkspace(base, environment, prefix, { nxVersion } = {}) {
  const root = join(base, 'ws');
  rmSync(root, { recursive: true, force: true });
  log('create-nx-workspace@latest (preset apps) and npm install -D the packed plugin');
  run(
    'npx',
    [
      '-y',
      'create-nx-workspace@latest',
      'ws',
      '--preset=apps',
      '--nxCloud=skip',
      '--interactive=false',
      '--packageManager=npm',
      '--aiAgents=none',
      '--analytics=false',
    ],
    {
      cwd: base,
      env: nxEnv,
    },
  );
  const tarball = join(base, 'nx-bentoml.tgz');
  copyFileSync(pluginTarball(log), tarball);
  const upgrade = nxVersion ? upgradeNx(root, nxVersion) : [];
  if (nxVersion) log(`moving the workspace to Nx ${nxVersion}: npm install -D ${upgrade.join(' ')}`);
  run('npm', ['install', '-D', ...upgrade, tarball, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, env: baseEnv });
  if (nxVersion) {
    const installed = readJson(join(root, 'node_modules/nx/package.json'), {}).version;
    if (installed !== nxVersion) throw new Error(`${root} was to run Nx ${nxVersion}, but node_modules/nx is ${installed}.`);
  }
  symlinkSync(dirname(dirname(environment.python)), join(root, '.venv'));
  appendFileSync(join(root, '.gitignore'), '\n.venv\n.bentoml-home\n.docker-config\n.guide\n.bench-homes\n.bench-profile-*\n');
  const ws = workspaceHandle(root, environment, prefix);
  mkdirSync(ws.pluginEnv.DOCKER_CONFIG, { recursive: true });
  ws.nx(['g', 'nx-bentoml:init', '--no-interactive']);
  return ws;
}

/**
 * The packages that move the workspace to Nx `version` in one npm install: nx and each @nx/*
 * package of the preset published at that version. As the e2e suite's workspace.ts does it: the
 * registry has nx and @nx/devkit 24 but not every @nx/* package of the apps preset, and one left
 * at 23 would keep a second nx in node_modules, so those are uninstalled (none is a plugin there).
 */
function upgradeNx(root, version) {
  const manifest = readJson(join(root, 'package.json'), {});
  const presetPackages = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter((pkg) => pkg.startsWith('@nx/'));
  const plugins = JSON.stringify(readJson(join(root, 'nx.json'), {}).plugins ?? []);
  const upgraded = [`nx@${version}`];
  const removed = [];
  for (const pkg of presetPackages) {
    const view = run('npm', ['view', `${pkg}@${version}`, 'version'], { cwd: root, env: baseEnv, allowFailure: true });
    if (view.status !== 0 && !/E404/.test(view.stderr)) throw new Error(`npm view ${pkg}@${version} failed:\n${view.stderr}`);
    if (view.status === 0 && view.stdout.trim()) upgraded.push(`${pkg}@${version}`);
    else if (plugins.includes(`"${pkg}`)) throw new Error(`${pkg} has no version ${version} and ${root}/nx.json registers it as a plugin.`);
    else removed.push(pkg);
  }
  if (removed.length) run('npm', ['uninstall', ...removed, '--loglevel=error'], { cwd: root, env: baseEnv });
  return upgraded;
}

function createWorkspace(base, environment, prefix, nxVersion) {
  const ws = createBareWorkspace(base, environment, prefix, { nxVersion });
  for (const service of [...services, soloService]) addTrainedService(ws, environment, prefix, service);
  ws.commit('six model services');
  return ws;
}

/** One service from the plugin's generator (image `<prefix>/<service>` in the e2e registry), its model trained. */
export function addTrainedService(ws, environment, prefix, service) {
  log(`nx g nx-bentoml:service ${service}; train it`);
  ws.nx([
    'g',
    'nx-bentoml:service',
    service,
    `--baseImage=${environment.baseImage}`,
    `--registry=${environment.registry}`,
    `--imageName=${prefix}/${service}`,
    '--no-interactive',
  ]);
  run(join(ws.root, '.venv/bin/python'), [join(ws.root, `apps/${service}/train.py`)], { cwd: ws.root, env: { ...nxEnv, ...ws.pluginEnv } });
}

export function workspaceHandle(root, environment, prefix) {
  const file = (path) => join(root, path);
  // The plugin's side: the workspace's own BentoML home and Docker config, credentials as in CI.
  const pluginEnv = {
    BENTOML_HOME: file('.bentoml-home'),
    DOCKER_CONFIG: file('.docker-config'),
    NX_BENTOML_REGISTRY_USERNAME: environment.username,
    NX_BENTOML_REGISTRY_PASSWORD: environment.password,
  };
  const git = (...args) =>
    run('git', ['-c', 'user.email=bench@nx-bentoml.test', '-c', 'user.name=bench', '-c', 'commit.gpgsign=false', ...args], { cwd: root });
  return {
    root,
    file,
    environment,
    prefix,
    pluginEnv,
    git,
    commit(message) {
      git('add', '-A');
      if (git('status', '--porcelain').stdout.trim()) git('commit', '-q', '-m', message);
    },
    /** `npx nx <args>` as a user or CI runs it, without daemon or Nx Cloud. */
    nx(args, env = {}) {
      return run('npx', ['nx', ...args], { cwd: root, env: { ...nxEnv, ...pluginEnv, ...env } });
    },
    /**
     * `nx <args>` timed, with seconds per task from Nx's NX_PROFILE trace (Chrome trace events in
     * microseconds). Nx joins NX_PROFILE to its working directory: the path is relative.
     */
    nxProfiled(args, env = {}) {
      const profile = `.bench-profile-${process.pid}.json`;
      const [total] = timed(() => this.nx(args, { ...env, NX_PROFILE: profile }));
      const events = readJson(file(profile), []);
      rmSync(file(profile), { force: true });
      const tasks = Object.fromEntries(events.filter((e) => e.ph === 'X' && typeof e.dur === 'number').map((e) => [e.name, e.dur / 1e6]));
      return { total, tasks };
    },
    affected() {
      const { stdout } = this.nx(['show', 'projects', '--affected', '--base=HEAD', '-t', 'publish', '--json']);
      return JSON.parse(stdout.slice(stdout.indexOf('['))).sort();
    },
    /** What the last publish of a service produced: Bento tag, image id, pushed digest. */
    published(service) {
      const read = (path) => readJson(file(`dist/apps/${service}/${path}`), {});
      const push = read('push/push.json');
      return {
        bentoTag: read('bento/bento.json').tag,
        imageId: read('image/image.json').imageId,
        built: read('image/image.json').built,
        digest: push.pushed?.[0]?.digest,
      };
    },
    /** Gives the service's bentofile one build-time environment variable, `envs: [{name: BENCH_MARKER, value}]`. */
    setMarker(service, value) {
      const path = file(`apps/${service}/src/bentofile.yaml`);
      const text = readFileSync(path, 'utf8').replace(/\nenvs:\n(?: {2}.*\n)+/, '\n');
      writeFileSync(path, `${text.trimEnd()}\nenvs:\n  - name: BENCH_MARKER\n    value: "${value}"\n`);
    },
    restore(service) {
      git('checkout', '--', `apps/${service}`);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The guide's side (seed chapter 3.3): import the model, bentoml build, bentoml containerize,
// docker tag, docker push, service by service, with its own BentoML home, Docker config and images.
// ---------------------------------------------------------------------------------------------

export function guideImage(ws, service) {
  return `${ws.prefix}-guide/${service}`;
}

export function guideEnv(ws, home) {
  return {
    ...baseEnv,
    BENTOML_HOME: home ?? ws.file('.guide/bentoml-home'),
    DOCKER_CONFIG: ws.file('.guide/docker-config'),
    // docker 28's CLI defaults to BuildKit through buildx, which is not installed here (and its
    // frontend could not be pulled): bentoml containerize then uses the classic builder.
    DOCKER_BUILDKIT: '0',
  };
}

/** `docker login` once, as the guide does before its first push (not timed). */
export function guideLogin(ws) {
  mkdirSync(ws.file('.guide/docker-config'), { recursive: true });
  const { registry, username, password } = ws.environment;
  run('docker', ['login', registry, '--username', username, '--password-stdin'], { cwd: ws.root, env: guideEnv(ws), input: password });
}

/**
 * One service through the guide's flow; returns the seconds of each step. `home` is the BentoML
 * home (default: the guide's own, kept between rounds as on a laptop); `model` and `buildDir`
 * (workspace paths) default to the generated service's.
 */
export function guidePublish(ws, service, { home, model, buildDir } = {}) {
  const env = guideEnv(ws, home);
  const bentoml = ws.file('.venv/bin/bentoml');
  const image = guideImage(ws, service);
  const remote = `${ws.environment.registry}/${image}:latest`;
  const steps = {};
  [steps.import] = timed(() => {
    // An absolute path: BentoML resolves a relative one against / (fsspec).
    const modelFile = ws.file(model ?? `apps/${service}/model/${service}_model.bentomodel`);
    const result = run(bentoml, ['models', 'import', modelFile], { cwd: ws.root, env, allowFailure: true });
    // A model already in the store is what the guide's user meets on a second run: fine.
    if (result.status !== 0 && !/already exists/i.test(`${result.stdout}${result.stderr}`))
      run(bentoml, ['models', 'import', modelFile], { cwd: ws.root, env });
  });
  let tag;
  [steps.build] = timed(() => {
    tag = run(bentoml, ['build', buildDir ?? `apps/${service}/src`, '--output', 'tag'], { cwd: ws.root, env })
      .stdout.trim()
      .split('\n')
      .pop()
      .replace(/^__tag__:/, '');
  });
  [steps.containerize] = timed(() => run(bentoml, ['containerize', tag, '--image-tag', `${image}:latest`], { cwd: ws.root, env }));
  [steps.push] = timed(() => {
    run('docker', ['tag', `${image}:latest`, remote], { cwd: ws.root, env });
    run('docker', ['push', remote], { cwd: ws.root, env });
  });
  steps.total = steps.import + steps.build + steps.containerize + steps.push;
  return { steps, tag };
}

/** The guide's flow for all five services; returns the summed seconds per step. */
export function guidePublishAll(ws) {
  const sum = { import: 0, build: 0, containerize: 0, push: 0, total: 0 };
  for (const service of services) {
    const { steps } = guidePublish(ws, service);
    for (const key of Object.keys(sum)) sum[key] += steps[key];
    log(`  guide ${service}: ${formatSteps(steps)}`);
  }
  return sum;
}

/** "bento-build 1.2 s, containerize 3.4 s, ..." for the tasks of one project in an nxProfiled result. */
export function formatTasks(tasks, project) {
  return Object.entries(tasks)
    .filter(([id]) => id.startsWith(`${project}:`))
    .map(([id, s]) => `${id.slice(project.length + 1)} ${s.toFixed(1)} s`)
    .join(', ');
}

export function formatSteps(steps) {
  return `import ${steps.import.toFixed(1)} s, build ${steps.build.toFixed(1)} s, containerize ${steps.containerize.toFixed(1)} s, push ${steps.push.toFixed(1)} s, total ${steps.total.toFixed(1)} s`;
}

// ---------------------------------------------------------------------------------------------
// Docker images (docker CLI: the benchmark's own bookkeeping, not the plugin's)
// ---------------------------------------------------------------------------------------------

/**
 * Removes every local image of the repository `name`, with or without the registry in front. By id:
 * an image that lost its tag to a newer build but was pushed still lists as `<repository>:<none>`.
 */
export function removeImages(ws, name) {
  const { stdout } = run('docker', ['images', '--format', '{{.Repository}} {{.ID}}'], { cwd: ws.root });
  const ids = stdout
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([repository]) => repository === name || repository === `${ws.environment.registry}/${name}`)
    .map(([, id]) => id);
  if (ids.length) run('docker', ['rmi', '-f', ...new Set(ids)], { cwd: ws.root, allowFailure: true });
}

// ---------------------------------------------------------------------------------------------
// Setup, the benchmarks, the report
// ---------------------------------------------------------------------------------------------

export const seconds = (value) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');
export const ratio = (a, b) => (Number.isFinite(a / b) ? (a / b).toFixed(3) : 'n/a');

/** Fails the benchmark (non-zero exit) without stopping it. */
export function check(condition, message) {
  if (!condition) {
    failures.push(message);
    log(`CHECK FAILED: ${message}`);
  }
}

function setUp(context, nxVersion) {
  const environment = requireEnvironment();
  const name = `nx-bentoml-bench-publish${nxVersion ? `-nx${nxVersion}` : ''}`;
  const base = KEEP ? join(os.tmpdir(), name) : mkdtempSync(join(os.tmpdir(), `${name}-`));
  mkdirSync(base, { recursive: true });
  context.base = base;
  const statePath = join(base, 'state.json');
  const state = KEEP ? readJson(statePath, {}) : {};
  const saveState = () => writeFileSync(statePath, JSON.stringify(state));
  let ws;
  if (state.setupVersion === SETUP_VERSION && existsSync(join(base, 'ws/node_modules/nx-bentoml'))) {
    log(`reusing the workspace ${join(base, 'ws')} (BENCH_KEEP=1)`);
    ws = workspaceHandle(join(base, 'ws'), environment, state.prefix);
    for (const service of [...services, soloService]) ws.restore(service);
  } else {
    state.prefix = `bench-${Date.now().toString(36)}`;
    ws = createWorkspace(base, environment, state.prefix, nxVersion);
    state.setupVersion = SETUP_VERSION;
    state.published = false;
    state.guidePrimed = false;
    saveState();
  }
  context.ws = ws;
  // Both sides publish everything once before anything is measured, so that P1 and P2 measure a
  // steady state: the BentoML stores hold the models, the registry holds the dependency layers.
  if (!state.published) {
    log('plugin: first publish of the five services (nx run-many -t publish, not timed)');
    ws.nx(['run-many', '-t', 'publish', `--projects=${services.join(',')}`, '--parallel=1']);
    state.published = true;
    saveState();
  }
  if (!state.guidePrimed) {
    log('guide: docker login and a first run of its flow over the five services (not timed)');
    guideLogin(ws);
    guidePublishAll(ws);
    state.guidePrimed = true;
    saveState();
  }
}

function tearDown({ ws, base }) {
  if (!base) return;
  if (KEEP) return log(`kept ${base}${ws ? ` and the ${ws.prefix}* images` : ''} (BENCH_KEEP=1)`);
  if (ws) {
    for (const service of [...services, soloService]) {
      removeImages(ws, `${ws.prefix}/${service}`);
      removeImages(ws, guideImage(ws, service));
    }
  }
  rmSync(base, { recursive: true, force: true });
}

/**
 * Sets up the workspace once (on Nx `nxVersion` when given), runs each benchmark (a function of the
 * workspace and the number of rounds that returns Markdown lines), prints the report and exits
 * non-zero if a check failed.
 */
export function runBenchmarks(benchmarks, { nxVersion } = {}) {
  const loadBefore = os.loadavg();
  const context = {};
  try {
    setUp(context, nxVersion);
    const { ws, base } = context;
    const setupSeconds = (performance.now() - started) / 1000;
    for (const benchmark of benchmarks) {
      const t0 = performance.now();
      const lines = [...benchmark(ws, RUNS), `- duration of this benchmark: ${((performance.now() - t0) / 1000).toFixed(0)} s`, ''];
      console.log(lines.join('\n'));
    }
    const loadAfter = os.loadavg();
    const installedNx = readJson(join(ws.root, 'node_modules/nx/package.json'), {}).version;
    const bentomlVersion = run(ws.environment.python, ['-c', 'import bentoml; print(bentoml.__version__)'], { cwd: ws.root }).stdout.trim();
    console.log(
      [
        '### Machine',
        '',
        `- ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}; load average ${loadBefore[0].toFixed(2)} at the start, ${loadAfter[0].toFixed(2)} at the end`,
        `- node ${process.version}, nx ${installedNx}, BentoML ${bentomlVersion}, Docker Engine ${run('docker', ['version', '--format', '{{.Server.Version}}'], { cwd: ws.root }).stdout.trim()}, rounds ${RUNS}, date ${new Date().toISOString()}`,
        `- time: setup ${setupSeconds.toFixed(0)} s, total ${((performance.now() - started) / 1000).toFixed(0)} s; workspace ${base}${KEEP ? ' (kept)' : ' (removed)'}`,
      ].join('\n'),
    );
  } catch (error) {
    failures.push(error.message);
  } finally {
    try {
      tearDown(context);
    } catch (error) {
      failures.push(`cleanup: ${error.message}`);
    }
    removeTempDirs();
  }
  if (failures.length) {
    console.error(`\nFAILED: ${failures.length} problem(s):`);
    for (const failure of failures) console.error(`- ${failure}`);
    process.exit(1);
  }
}

/** True when the module at `url` is the script node was started with. */
export const isMain = (url) => process.argv[1] && resolve(process.argv[1]) === fileURLToPath(url);
