#!/usr/bin/env node
// P5: project-graph time with N generated bentofiles (nx-bentoml), cold and warm, against the
// same workspace shape with @nx/docker and N Dockerfiles. Both sides run in one go, interleaved
// round by round so that they see the same machine load; the result is a ratio to the baseline.
// Nothing here asserts on time: the exit code is non-zero only when a sanity check fails
// (wrong project count, missing inferred targets, a command that failed).
//
//   npm run bench:graph
//
// Environment:
//   BENCH_N=1000          projects per workspace
//   BENCH_RUNS=5          measured rounds (each: cold + warm on both sides)
//   BENCH_KEEP=1          keep the workspaces in $TMPDIR/nx-bentoml-bench-p5 and reuse them
//                         (npm install and generation are redone only when something changed)
//   BENCH_TARBALL=path    use this packed nx-bentoml instead of building and packing the repo's
//   BENCH_NX_VERSION      Nx (and @nx/docker, @nx/devkit) version of the workspaces, default 23.2.1
//   BENCH_PERF_LOG=0      do not set NX_PERF_LOGGING (drops the createNodes / plugin-load rows)

import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createLog, median, plainNx, pluginTarball, positiveInt, readJson, removeTempDirs, run, workspaceEnv } from './bench-common.mjs';

const N = positiveInt('BENCH_N', 1000);
const RUNS = positiveInt('BENCH_RUNS', 5);
const KEEP = process.env.BENCH_KEEP === '1';
const NX_VERSION = process.env.BENCH_NX_VERSION || '23.2.1';
// Bumped whenever the generated files change, so kept workspaces are regenerated.
const GENERATOR_VERSION = 1;

const started = performance.now();
const failures = [];

const log = createLog('p5', started);

// Nx runs in the throwaway workspaces without a daemon and without Nx Cloud.
const benchEnv = { ...workspaceEnv, ...plainNx };
// Nx's own timings go to stderr (stdout stays the JSON) and split the wall time into phases.
if (process.env.BENCH_PERF_LOG !== '0') benchEnv.NX_PERF_LOGGING = 'true';

// ---------------------------------------------------------------------------------------------
// 1. The plugin tarball: pluginTarball() in bench-common.mjs
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// 2. + 3. Two workspaces with N generated projects each
// ---------------------------------------------------------------------------------------------

const pythonPackageSets = [
  ['scikit-learn==1.5.2', 'numpy==1.26.4', 'pandas==2.2.3'],
  ['torch==2.4.1', 'transformers==4.44.2', 'numpy==1.26.4'],
  ['xgboost==2.1.1', 'scikit-learn==1.5.2', 'pyarrow==17.0.0'],
  ['lightgbm==4.5.0', 'numpy==1.26.4', 'pydantic==2.9.2'],
];

function bentofile(i) {
  const packages = pythonPackageSets[i % pythonPackageSets.length];
  return `service: "serve:Svc${i}Service"
labels:
  owner: team-${i % 12}
  stage: ${i % 3 === 0 ? 'production' : 'staging'}
include:
  - "serve.py"
  - "*.py"
  - "config/*.yaml"
exclude:
  - "tests/"
  - "__pycache__/"
python:
  packages:
${packages.map((p) => `    - "${p}"`).join('\n')}
docker:
  python_version: "3.11"
  system_packages:
    - libgomp1
`;
}

function servePy(i) {
  return `"""The svc-${i} BentoML service: serves the svc_${i}_model model over HTTP."""

import bentoml
import numpy as np


@bentoml.service(name="svc-${i}", resources={"cpu": "1"}, traffic={"timeout": 30})
class Svc${i}Service:
    bento_model = bentoml.models.BentoModel("svc_${i}_model:latest")

    def __init__(self) -> None:
        self.model = bentoml.sklearn.load_model(self.bento_model)
        self.labels = self.bento_model.custom_objects["labels"]

    @bentoml.api
    def predict(self, input: np.ndarray) -> list[str]:
        return [self.labels[int(index)] for index in self.model.predict(input)]
`;
}

function dockerfile(i) {
  const packages = pythonPackageSets[i % pythonPackageSets.length];
  return `# syntax=docker/dockerfile:1
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
RUN pip install --no-cache-dir fastapi==0.115.0 uvicorn==0.30.6 ${packages.join(' ')}
COPY src/ ./src/
LABEL org.opencontainers.image.title="svc-${i}" team="team-${i % 12}"
EXPOSE 3000
USER 1000
CMD ["uvicorn", "src.app:app", "--host", "0.0.0.0", "--port", "3000"]
`;
}

function appPy(i) {
  return `"""The svc-${i} HTTP service: serves the svc_${i}_model model."""

import pickle

import numpy as np
from fastapi import FastAPI

app = FastAPI(title="svc-${i}")
with open("/app/model/svc_${i}_model.pkl", "rb") as f:
    model = pickle.load(f)


@app.post("/predict")
def predict(rows: list[list[float]]) -> list[int]:
    return [int(label) for label in model.predict(np.asarray(rows))]
`;
}

const projectJson = (i) =>
  `${JSON.stringify({ name: `svc-${i}`, $schema: '../../node_modules/nx/schemas/project-schema.json', projectType: 'application', tags: [`team:${i % 12}`] }, null, 2)}\n`;

// Three files per project on both sides: project.json, the plugin's file, one Python module.
const sides = [
  {
    id: 'bentoml',
    label: 'nx-bentoml',
    plugin: { plugin: 'nx-bentoml' },
    target: 'bento-build',
    cachePrefix: 'nx-bentoml-',
    dependencies: (tarballSha) => ({
      nx: NX_VERSION,
      '@nx/devkit': NX_VERSION,
      'nx-bentoml': `file:./nx-bentoml.tgz#${tarballSha.slice(0, 12)}`,
    }),
    files: (i) => ({ 'project.json': projectJson(i), 'src/bentofile.yaml': bentofile(i), 'src/serve.py': servePy(i) }),
  },
  {
    id: 'docker',
    label: '@nx/docker',
    plugin: { plugin: '@nx/docker' },
    target: 'docker:build',
    cachePrefix: 'docker-',
    dependencies: () => ({ nx: NX_VERSION, '@nx/devkit': NX_VERSION, '@nx/docker': NX_VERSION }),
    files: (i) => ({ 'project.json': projectJson(i), Dockerfile: dockerfile(i), 'src/app.py': appPy(i) }),
  },
];

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function writeIfChanged(file, text) {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function git(dir, args) {
  return run('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd: dir,
    env: workspaceEnv,
  });
}

function setUpWorkspace(side, dir, tarball) {
  mkdirSync(dir, { recursive: true });
  const statePath = join(dir, '.bench-state.json');
  const state = readJson(statePath, {});
  let tarballSha = '';
  if (side.id === 'bentoml') {
    tarballSha = sha256(tarball);
    const local = join(dir, 'nx-bentoml.tgz');
    if (!existsSync(local) || sha256(local) !== tarballSha) copyFileSync(tarball, local);
  }
  const dependencies = side.dependencies(tarballSha);
  // The #sha suffix is not understood by npm: strip it, it only marks the state as changed.
  const installed = Object.fromEntries(Object.entries(dependencies).map(([k, v]) => [k, v.replace(/#.*$/, '')]));
  writeIfChanged(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `@bench-p5/${side.id}`, version: '0.0.0', private: true, license: 'MIT', devDependencies: installed }, null, 2)}\n`,
  );
  writeIfChanged(
    join(dir, 'nx.json'),
    `${JSON.stringify(
      {
        $schema: './node_modules/nx/schemas/nx-schema.json',
        analytics: false,
        namedInputs: { default: ['{projectRoot}/**/*', 'sharedGlobals'], production: ['default'], sharedGlobals: [] },
        plugins: [side.plugin],
      },
      null,
      2,
    )}\n`,
  );
  writeIfChanged(join(dir, '.gitignore'), 'node_modules/\ndist/\n.nx/cache\n.nx/workspace-data\n*.tgz\n.bench-state.json\n');

  const depsKey = JSON.stringify(dependencies);
  if (state.depsKey !== depsKey || !existsSync(join(dir, 'node_modules/nx/package.json'))) {
    log(
      `${side.label}: npm install (${Object.entries(installed)
        .map(([k, v]) => `${k}@${v}`)
        .join(', ')})`,
    );
    // A rebuilt tarball keeps its file name: drop what npm would otherwise keep from the old one.
    rmSync(join(dir, 'package-lock.json'), { force: true });
    rmSync(join(dir, 'node_modules/nx-bentoml'), { recursive: true, force: true });
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: workspaceEnv });
    state.depsKey = depsKey;
    writeFileSync(statePath, JSON.stringify(state));
  } else {
    log(`${side.label}: reusing node_modules`);
  }

  if (state.n !== N || state.generatorVersion !== GENERATOR_VERSION || !existsSync(join(dir, 'apps'))) {
    log(`${side.label}: generating ${N} projects`);
    rmSync(join(dir, 'apps'), { recursive: true, force: true });
    for (let i = 1; i <= N; i++) {
      const root = join(dir, 'apps', `svc-${i}`);
      for (const [file, text] of Object.entries(side.files(i))) {
        mkdirSync(dirname(join(root, file)), { recursive: true });
        writeFileSync(join(root, file), text);
      }
    }
    state.n = N;
    state.generatorVersion = GENERATOR_VERSION;
    writeFileSync(statePath, JSON.stringify(state));
  } else {
    log(`${side.label}: reusing ${N} generated projects`);
  }

  // A committed, clean repository, as a CI checkout would be (@nx/docker reads HEAD's sha).
  if (!existsSync(join(dir, '.git'))) git(dir, ['init', '-q', '-b', 'main']);
  if (git(dir, ['status', '--porcelain']).stdout.trim()) {
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', `bench workspace: ${N} projects`]);
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Measurements
// ---------------------------------------------------------------------------------------------

/** The workspace's own nx CLI (bin/nx.js before Nx 23, dist/bin/nx.js since), run by node without npx. */
function nxCli(dir) {
  const bin = readJson(join(dir, 'node_modules/nx/package.json'), {}).bin;
  return join(dir, 'node_modules/nx', typeof bin === 'string' ? bin : (bin?.nx ?? 'bin/nx.js'));
}

function nx(dir, args, { allowFailure = false } = {}) {
  return run(process.execPath, [nxCli(dir), ...args], { cwd: dir, env: benchEnv, allowFailure });
}

function resetNx(dir) {
  nx(dir, ['reset']);
  rmSync(join(dir, '.nx/workspace-data'), { recursive: true, force: true });
}

function parseJsonOutput(stdout) {
  // Nx may print notices before the JSON; the JSON is the last line that parses.
  const lines = stdout.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines.slice(i).join('\n'));
    } catch {
      // keep looking
    }
  }
  throw new Error(`no JSON in output:\n${stdout.slice(0, 2000)}`);
}

/** A phase from NX_PERF_LOGGING's "Time taken for '<name>' <ms>ms" lines, or NaN. */
function perfPhase(stderr, name) {
  const line = stderr.split('\n').find((l) => l.startsWith(`Time taken for '${name}' `));
  return line ? Number.parseFloat(line.slice(`Time taken for '${name}' `.length)) : Number.NaN;
}

/** Times `nx show projects --json` (a full project-graph computation) and checks its output. */
function timeShowProjects(side, dir, label) {
  const t0 = performance.now();
  const result = nx(dir, ['show', 'projects', '--json'], { allowFailure: true });
  const ms = performance.now() - t0;
  const sample = {
    ms,
    // All plugins' createNodes (Nx's built-in ones are near zero here), IPC to the workers included.
    createNodes: perfPhase(result.stderr ?? '', 'build-project-configs'),
    // Starting the plugin's worker and requiring the plugin.
    pluginLoad: perfPhase(result.stderr ?? '', `Load Nx Plugin: ${side.plugin.plugin}`),
  };
  if (result.status !== 0) {
    failures.push(
      `${side.label} ${label}: nx show projects exited ${result.status}: ${result.stderr.trim().split('\n').slice(-10).join('\n')}`,
    );
    return sample;
  }
  try {
    const projects = parseJsonOutput(result.stdout);
    const services = projects.filter((name) => /^svc-\d+$/.test(name)).length;
    if (services !== N) failures.push(`${side.label} ${label}: expected ${N} svc-* projects, got ${services} (of ${projects.length})`);
  } catch (error) {
    failures.push(`${side.label} ${label}: ${error.message}`);
  }
  return sample;
}

function checkInferredTargets(side, dir) {
  for (const name of ['svc-1', `svc-${N}`]) {
    const result = nx(dir, ['show', 'project', name, '--json'], { allowFailure: true });
    if (result.status !== 0) {
      failures.push(
        `${side.label}: nx show project ${name} exited ${result.status}: ${result.stderr.trim().split('\n').slice(-10).join('\n')}`,
      );
      continue;
    }
    const targets = Object.keys(parseJsonOutput(result.stdout).targets ?? {});
    if (!targets.includes(side.target))
      failures.push(`${side.label}: ${name} has no "${side.target}" target (targets: ${targets.join(', ') || 'none'})`);
    else if (name === 'svc-1') log(`${side.label}: svc-1 targets: ${targets.join(', ')}`);
  }
}

function pluginCacheFiles(side, dir) {
  const dataDir = join(dir, '.nx/workspace-data');
  if (!existsSync(dataDir)) return [];
  return readdirSync(dataDir)
    .filter((f) => f.startsWith(side.cachePrefix) && f.endsWith('.hash'))
    .map((f) => {
      const path = join(dataDir, f);
      const json = readJson(path, {});
      // nx-bentoml: { targets: { key: result }, buildConfigs }; Nx's PluginCache (@nx/docker): { entries: {...}, accessOrder: [...] }.
      const entries = Object.keys(json.entries && json.accessOrder ? json.entries : (json.targets ?? json)).length;
      return { file: f, bytes: statSync(path).size, sha: sha256(path), entries };
    });
}

/**
 * Both plugins rewrite their cache file with the entries they used. A warm run that hits the
 * cache for every project computes the same keys as the cold run before it, so the file after the
 * warm run is byte for byte the one the cold run wrote, with one entry per project.
 */
function checkWarmCacheHit(side, afterCold, afterWarm, label) {
  const describe = (files) => files.map((f) => `${f.file}: ${f.entries} entries, ${f.bytes} bytes`).join('; ') || 'no cache file';
  const same = afterCold.length === 1 && afterWarm.length === 1 && afterCold[0].sha === afterWarm[0].sha && afterWarm[0].entries === N;
  if (!same) side.cacheNotes.push(`${label}: after cold ${describe(afterCold)}; after warm ${describe(afterWarm)}`);
  return same;
}

// ---------------------------------------------------------------------------------------------

let base;
try {
  const loadBefore = os.loadavg();
  const tarball = pluginTarball(log);

  base = KEEP ? join(os.tmpdir(), 'nx-bentoml-bench-p5') : mkdtempSync(join(os.tmpdir(), 'nx-bentoml-bench-p5-'));
  for (const side of sides) {
    side.dir = join(base, side.id);
    setUpWorkspace(side, side.dir, tarball);
    side.cold = [];
    side.warm = [];
    side.cacheHits = 0;
    side.cacheNotes = [];
  }
  const setupSeconds = (performance.now() - started) / 1000;

  // Untimed priming: fills the OS file cache and loads Nx and the plugins once, so that "cold"
  // below means "no Nx or plugin cache", not "nothing read from disk yet".
  for (const side of sides) {
    log(`${side.label}: priming run and target check`);
    resetNx(side.dir);
    timeShowProjects(side, side.dir, 'priming');
    checkInferredTargets(side, side.dir);
  }

  const measureStarted = performance.now();
  for (let round = 0; round < RUNS; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      resetNx(side.dir);
      const cold = timeShowProjects(side, side.dir, `round ${round + 1} cold`);
      const afterCold = pluginCacheFiles(side, side.dir);
      const warm = timeShowProjects(side, side.dir, `round ${round + 1} warm`);
      if (checkWarmCacheHit(side, afterCold, pluginCacheFiles(side, side.dir), `round ${round + 1}`)) side.cacheHits++;
      side.cold.push(cold);
      side.warm.push(warm);
      const show = (s) => `${s.ms.toFixed(0).padStart(6)} ms (createNodes ${s.createNodes.toFixed(0).padStart(5)})`;
      log(`round ${round + 1}/${RUNS} ${side.label.padEnd(10)} cold ${show(cold)}   warm ${show(warm)}`);
    }
  }
  const measureSeconds = (performance.now() - measureStarted) / 1000;
  const loadAfter = os.loadavg();

  // ---------------------------------------------------------------------------------------------
  // 5. Report
  // ---------------------------------------------------------------------------------------------
  const [bento, docker] = sides;
  const version = (dir, pkg) => readJson(join(dir, 'node_modules', pkg, 'package.json'), {}).version ?? '?';
  const fmt = (ms) => (Number.isNaN(ms) ? 'n/a' : ms.toFixed(0));
  const row = (label, kind, field) => {
    const b = bento[kind].map((s) => s[field]);
    const d = docker[kind].map((s) => s[field]);
    const ratio = median(b) / median(d);
    return `| ${label} | ${fmt(median(b))} | ${fmt(median(d))} | ${Number.isNaN(ratio) ? 'n/a' : ratio.toFixed(2)} | ${fmt(Math.min(...b))} | ${fmt(Math.min(...d))} |`;
  };
  const rows = [row('cold', 'cold', 'ms'), row('warm', 'warm', 'ms')];
  if (benchEnv.NX_PERF_LOGGING) {
    rows.push(
      row('cold: createNodes phase', 'cold', 'createNodes'),
      row('warm: createNodes phase', 'warm', 'createNodes'),
      row('cold: plugin load', 'cold', 'pluginLoad'),
      row('warm: plugin load', 'warm', 'pluginLoad'),
    );
  }
  const cacheLines = sides.map((side) => {
    const files = pluginCacheFiles(side, side.dir);
    return `- ${side.label} plugin cache after the last warm run: ${
      files.length
        ? files.map((f) => `.nx/workspace-data/${f.file} (${(f.bytes / 1024).toFixed(0)} KiB, ${f.entries} entries)`).join(', ')
        : 'none'
    }; warm run reused the cold run's cache unchanged in ${side.cacheHits}/${RUNS} rounds${side.cacheNotes.length ? ` (${side.cacheNotes.join(' | ')})` : ''}`;
  });
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '',
    `### P5: project graph, ${N} projects, ${RUNS} runs`,
    '',
    '| case | nx-bentoml median (ms) | @nx/docker median (ms) | ratio | nx-bentoml min (ms) | @nx/docker min (ms) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `- command timed: \`node ${relative(bento.dir, nxCli(bento.dir))} show projects --json\`, NX_DAEMON=false, NX_NO_CLOUD=true; cold = after \`nx reset\` and removing .nx/workspace-data, warm = the same command right after`,
    `- ratio = nx-bentoml median / @nx/docker median (below 1: nx-bentoml is faster)`,
    ...(benchEnv.NX_PERF_LOGGING
      ? [
          "- phases from NX_PERF_LOGGING (part of the same runs): createNodes = 'build-project-configs' (every plugin's createNodes, IPC to the plugin workers included); plugin load = 'Load Nx Plugin: <plugin>' (worker start + require, overlapping Nx's other plugin loads)",
        ]
      : []),
    `- machine: ${os.availableParallelism()} CPUs (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}; load average ${loadBefore[0].toFixed(2)} before, ${loadAfter[0].toFixed(2)} after`,
    `- node ${process.version}, nx ${version(bento.dir, 'nx')} / ${version(docker.dir, 'nx')}, nx-bentoml ${version(bento.dir, 'nx-bentoml')}, @nx/docker ${version(docker.dir, '@nx/docker')}`,
    `- N=${N}, runs=${RUNS}, date ${new Date().toISOString()}`,
    ...cacheLines,
    `- time: setup ${setupSeconds.toFixed(0)} s, measurement ${measureSeconds.toFixed(0)} s, total ${((performance.now() - started) / 1000).toFixed(0)} s`,
    `- workspaces: ${base}${KEEP ? ' (kept, BENCH_KEEP=1)' : ' (removed)'}`,
  ];
  console.log(lines.join('\n'));
} catch (error) {
  failures.push(error.message);
} finally {
  removeTempDirs();
  if (base && !KEEP) rmSync(base, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`\nP5 FAILED: ${failures.length} problem(s):`);
  for (const failure of failures) console.error(`- ${failure}`);
  process.exit(1);
}
