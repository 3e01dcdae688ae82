#!/usr/bin/env node
// The plan's time: BENCH_SERVICES services (default 20), each published once (not timed), so
// their Bentos are in the Nx cache and every registry tag is up to date. Each round times
//   - `nx run-many -t plan` over them: bento-build a cache hit, then one plan task per service
//     asking the engine and the registry what publish would do;
//   - `nx run-many -t publish` over the same, which in this state builds and pushes nothing: the
//     cheapest publish there is, and the one a plan would be run to avoid.
// It reports seconds per service and the ratio plan / publish. Never asserts on time; exits
// non-zero when a check fails: a plan.json missing or saying anything but up-to-date with 0 bytes,
// or a publish that built an image or moved a digest.
//
//   npm run bench:plan        (BENCH_SERVICES, BENCH_RUNS, BENCH_TARBALL; see bench/README.md)

import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { positiveInt, readJson } from './bench-common.mjs';
import { check, log, median, ratio, seconds, timed } from './chain-bench.mjs';
import {
  RUNS,
  createFleetWorkspace,
  installedNx,
  machine,
  removeImagesLater,
  removeSharedNxDataLater,
  runFleetBenchmark,
  serviceNames,
} from './fleet-common.mjs';

async function planBench(context) {
  const services = serviceNames(positiveInt('BENCH_SERVICES', 20));
  const prefix = `bench-${Date.now().toString(36)}`;
  mkdirSync(join(context.base, 'machine'));
  const ws = createFleetWorkspace(join(context.base, 'machine'), context.environment, prefix, services);
  context.nxVersion = installedNx(ws.root);
  removeImagesLater(context, ws, services);
  removeSharedNxDataLater(context, ws.root);
  const m = machine('machine', ws, ws.root);
  const projects = `--projects=${services.join(',')}`;
  log(`first publish of ${services.length} services (not timed)`);
  m.nx(['run-many', '-t', 'publish', projects, '--parallel=1']);
  const digests = () => services.map((s) => ws.published(s).digest);
  const published = digests();

  const plan = [];
  const publish = [];
  for (let round = 1; round <= RUNS; round++) {
    for (const s of services) rmSync(ws.file(`dist/apps/${s}/plan`), { recursive: true, force: true });
    const [p] = timed(() => m.nx(['run-many', '-t', 'plan', projects, '--parallel=1']));
    const plans = services.map((s) => readJson(ws.file(`dist/apps/${s}/plan/plan.json`), undefined));
    check(plans.every(Boolean), `round ${round}: ${plans.filter((x) => !x).length} plan.json missing`);
    const wrong = plans.filter((x) => x && (x.action !== 'up-to-date' || x.pushBytes !== 0));
    check(
      wrong.length === 0,
      `round ${round}: plans other than up-to-date: ${wrong.map((x) => `${x.project} ${x.action} ${x.pushBytes} B`).join(', ')}`,
    );
    const [q] = timed(() => m.nx(['run-many', '-t', 'publish', projects, '--parallel=1']));
    check(JSON.stringify(digests()) === JSON.stringify(published), `round ${round}: the publish moved a digest`);
    check(
      services.every((s) => ws.published(s).built === false),
      `round ${round}: the publish built an image`,
    );
    log(`plan round ${round}: nx run-many -t plan ${p.toFixed(1)} s, nx run-many -t publish ${q.toFixed(1)} s`);
    plan.push(p);
    publish.push(q);
  }
  const n = services.length;
  return [
    `### The plan's time: ${n} services, Bentos cached, everything up to date, ${RUNS} round(s)`,
    '',
    '| case | total (s) | per service (s) | ratio to publish |',
    '| --- | ---: | ---: | ---: |',
    `| \`nx run-many -t plan\` | ${seconds(median(plan))} | ${(median(plan) / n).toFixed(2)} | ${ratio(median(plan), median(publish))} |`,
    `| \`nx run-many -t publish\` (all up to date: nothing built or pushed) | ${seconds(median(publish))} | ${(median(publish) / n).toFixed(2)} | 1 |`,
    '',
    `- both with --parallel=1, as the ci generator's workflow runs them; every plan.json said up-to-date with 0 bytes, the publish moved no digest`,
    `- rounds: plan ${plan.map((s) => s.toFixed(1)).join(', ')} s; publish ${publish.map((s) => s.toFixed(1)).join(', ')} s`,
    '- ratio = plan / publish of the same services in the same state (below 1: the plan costs less than the cheapest publish)',
  ];
}

await runFleetBenchmark('plan', planBench);
