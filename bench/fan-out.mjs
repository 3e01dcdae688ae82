#!/usr/bin/env node
// Fan-out: BENCH_SERVICES services (default 20) that all pack one shared Python library, changed
// together by a commit to that library, published by one runner vs two, on this machine. Two
// runners: the workspace and a clone, each with a Docker Engine of the benchmark's own (the base
// image loaded, the dependency layers built once, not timed) and its own BentoML home and Nx
// cache, sharing a self-hosted Nx remote cache and the registry. Each round commits two library
// changes, one per side (the order alternates between rounds), and times:
//   - one runner: `nx affected -t publish` on runner 1, what `nx g nx-bentoml:ci` writes;
//   - two runners, as `nx g nx-bentoml:ci --runners=2` does it: the plan job on runner 1
//     (`nx affected -t plan`, the same with --graph, the plugin's plan-shards program), then
//     `nx run-many -t publish --projects=<its shard>` on both runners at once.
// Ratio two / one, wall clock. Never asserts on time; exits non-zero when a check fails: a plan
// that is not "build" for every service, shards that do not split the services, a service
// without a new digest after its pass, or a shard-2 Bento not taken from the remote cache.
//
//   npm run bench:fan-out        (BENCH_SERVICES, BENCH_RUNS, BENCH_TARBALL; see bench/README.md)

import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { positiveInt, readJson, run } from './bench-common.mjs';
import { check, log, median, ratio, seconds, timed } from './chain-bench.mjs';
import {
  RUNS,
  benchEngine,
  changeLibrary,
  checkoutHead,
  cloneWorkspace,
  createFleetWorkspace,
  engineId,
  installedNx,
  machine,
  removeSharedNxDataLater,
  secondsPerTarget,
  runFleetBenchmark,
  serviceNames,
  startCacheServer,
} from './fleet-common.mjs';

const commit = ['--base=HEAD~1', '--head=HEAD'];

async function fanOut(context) {
  const services = serviceNames(positiveInt('BENCH_SERVICES', 20));
  const prefix = `bench-${Date.now().toString(36)}`;
  const cache = await startCacheServer();
  context.cleanup(() => cache.stop());
  mkdirSync(join(context.base, 'runner-1'));
  const ws = createFleetWorkspace(join(context.base, 'runner-1'), context.environment, prefix, services, { sharedLibrary: true });
  context.nxVersion = installedNx(ws.root);
  removeSharedNxDataLater(context, ws.root);
  const engines = [0, 1].map((index) => benchEngine(join(context.base, `engine-${index + 1}`), engineId(index)));
  for (const engine of engines) {
    context.cleanup(() => engine.tearDown());
    await engine.setUp();
    engine.loadImage(context.environment.baseImage);
  }
  const clone = cloneWorkspace(ws, join(context.base, 'runner-2'));
  removeSharedNxDataLater(context, clone);
  const runners = [
    machine('runner 1', ws, ws.root, { dockerHost: engines[0].dockerHost, cache }),
    machine('runner 2', ws, clone, { dockerHost: engines[1].dockerHost, cache }),
  ];

  // Not timed: runner 1 publishes everything once (its engine builds the dependency layers, the
  // registry gets them); then one two-runner pass below, so that runner 2's engine too has built
  // its dependency layers from runner 1's Bentos and pushed them once, as on CI runners that keep
  // their engine. Without it, runner 2's first shard spent 145 s in docker-push in a trial run
  // (1.6 s on runner 1), most likely pushing its own build of the dependency layer.
  log(`runner 1: first publish of ${services.length} services (not timed)`);
  runners[0].nx(['run-many', '-t', 'publish', `--projects=${services.join(',')}`, '--parallel=1']);

  /** The digest each service's latest push recorded, read on the runner that published it. */
  const lastDigest = Object.fromEntries(services.map((s) => [s, ws.published(s).digest]));
  const expectNewDigests = (label, publishedBy) => {
    for (const s of services) {
      const digest = publishedBy(s).published(s).digest;
      check(digest && digest !== lastDigest[s], `${label}: ${s} has no new digest (${digest})`);
      lastDigest[s] = digest;
    }
  };

  const oneRunner = (round) => {
    changeLibrary(ws, `round ${round}, one runner`);
    const { total, tasks } = runners[0].nxProfiled(['affected', '-t', 'publish', ...commit, '--parallel=1']);
    expectNewDigests(`round ${round}, one runner`, () => runners[0]);
    log(`fan-out round ${round}: one runner ${total.toFixed(1)} s (${secondsPerTarget(tasks)})`);
    return { total, targets: secondsPerTarget(tasks) };
  };

  const twoRunners = async (round) => {
    changeLibrary(ws, `round ${round}, two runners`);
    checkoutHead(ws, clone);
    const tasksFile = ws.file('dist/bench-plan-tasks.json');
    const outputFile = ws.file('dist/bench-plan-output.txt');
    const [planSeconds] = timed(() => {
      runners[0].nx(['affected', '-t', 'plan', ...commit, '--parallel=1']);
      rmSync(tasksFile, { force: true });
      rmSync(outputFile, { force: true });
      runners[0].nx(['affected', '-t', 'plan', ...commit, `--graph=${tasksFile}`]);
      const program = ws.file('node_modules/nx-bentoml/src/ci/plan-shards.js');
      run('node', [program, `--tasks=${tasksFile}`, '--runners=2', `--output=${outputFile}`], { cwd: ws.root });
    });
    const plans = services.map((s) => readJson(ws.file(`dist/apps/${s}/plan/plan.json`), {}));
    check(
      plans.every((p) => p.action === 'build'),
      `round ${round}: not every plan says build: ${plans.map((p) => `${p.project} ${p.action}`).join(', ')}`,
    );
    const outputs = Object.fromEntries(
      readFileSync(outputFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const shards = JSON.parse(outputs.shards ?? '[]').map((shard) => shard.projects.split(','));
    const sharded = shards.flat().sort();
    check(
      shards.length === Math.min(2, services.length) &&
        JSON.stringify(sharded) === JSON.stringify([...services].sort()) &&
        !outputs['tag-only'],
      `round ${round}: the shards ${JSON.stringify(shards)} (tag only: ${outputs['tag-only']}) do not split the ${services.length} services between the runners`,
    );
    const t0 = performance.now();
    const results = await Promise.all(
      shards.map((projects, index) =>
        runners[index].nxAsync(['run-many', '-t', 'publish', `--projects=${projects.join(',')}`, '--parallel=1']),
      ),
    );
    const shardsSeconds = (performance.now() - t0) / 1000;
    const shardOf = (s) => runners[shards.findIndex((projects) => projects.includes(s))];
    expectNewDigests(`round ${round}, two runners`, shardOf);
    const secondOutput = results[1] ? `${results[1].stdout}${results[1].stderr}` : '';
    for (const s of shards[1] ?? [])
      check(
        new RegExp(`nx run ${s}:bento-build\\s+\\[remote cache\\]`).test(secondOutput),
        `round ${round}: ${s}'s Bento on runner 2 did not come from the remote cache`,
      );
    log(
      `fan-out round ${round}: plan job ${planSeconds.toFixed(1)} s, shards ${results.map((r, i) => `${shards[i].length} services ${r.seconds.toFixed(1)} s (${secondsPerTarget(r.tasks)})`).join(' and ')} (wall ${shardsSeconds.toFixed(1)} s)`,
    );
    return {
      plan: planSeconds,
      shards: shardsSeconds,
      total: planSeconds + shardsSeconds,
      perShard: results.map((r) => `${r.seconds.toFixed(1)} s (${secondsPerTarget(r.tasks)})`),
      sizes: shards.map((p) => p.length),
    };
  };

  log('one two-runner pass to warm both engines (not timed)');
  await twoRunners('warm-up');
  const one = [];
  const two = [];
  for (let round = 1; round <= RUNS; round++) {
    // Alternating, so neither side always runs on a machine warmed (or loaded) by the other.
    if (round % 2) {
      one.push(oneRunner(round));
      two.push(await twoRunners(round));
    } else {
      two.push(await twoRunners(round));
      one.push(oneRunner(round));
    }
  }
  const m = (key) => median(two.map((r) => r[key]));
  return [
    `### Fan-out: ${services.length} services changed through a shared library, 1 runner vs 2, ${RUNS} round(s)`,
    '',
    '| case | wall clock (s) | ratio to 1 runner |',
    '| --- | ---: | ---: |',
    `| 1 runner: \`nx affected -t publish\` | ${seconds(median(one.map((r) => r.total)))} | 1 |`,
    `| 2 runners: the plan job, then both shards at once | ${seconds(m('total'))} | ${ratio(m('total'), median(one.map((r) => r.total)))} |`,
    `| 2 runners: the shards alone (plan job left out) | ${seconds(m('shards'))} | ${ratio(m('shards'), median(one.map((r) => r.total)))} |`,
    '',
    `- the plan job (median): ${seconds(m('plan'))} s: \`nx affected -t plan\` (its bento-builds fill the remote cache), the same with --graph, plan-shards.js --runners=2`,
    `- 1 runner per round, tasks summed per target: ${one.map((r) => r.targets).join('; ')}`,
    `- shards per round, tasks summed per target: ${two.map((r) => r.perShard.map((s, i) => `${r.sizes[i]} services ${s}`).join(' + ')).join('; ')}`,
    `- each runner: its own Docker Engine (base image loaded, dependency layers built and pushed in an untimed two-runner pass before the rounds), BentoML home and Nx cache; shared: the remote cache, the registry, and this machine's ${os.availableParallelism()} CPUs, disk and network`,
    '- every service got a new digest in each pass; every shard-2 Bento came from the remote cache',
    '- ratio = 2 runners / 1 runner, wall clock (below 1: the fan-out is faster)',
  ];
}

await runFleetBenchmark('fan-out', fanOut);
