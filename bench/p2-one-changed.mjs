#!/usr/bin/env node
// P2: one of the five services changed (a serve.py edit). nx-bentoml: `nx affected -t publish`
// rebuilds, containerizes and pushes that service alone. The guide: its whole flow for each of
// the five services, as its CI does on every push. Each round edits the next service and commits
// the edit afterwards, so every round starts from a clean, published tree. The plugin runs with
// --gate=false: the guide's CI runs no smoke test either.
//
//   npm run bench:p2        (see chain-bench.mjs for BENCH_RUNS, BENCH_KEEP, BENCH_TARBALL)

import { appendFileSync } from 'node:fs';
import {
  check,
  formatSteps,
  formatTasks,
  guidePublishAll,
  isMain,
  log,
  median,
  ratio,
  runBenchmarks,
  seconds,
  services,
} from './chain-bench.mjs';

export function p2(ws, runs) {
  const plugin = [];
  const guide = [];
  const changedServices = [];
  const changedTasks = [];
  for (let round = 1; round <= runs; round++) {
    const changed = services[(round - 1) % services.length];
    changedServices.push(changed);
    appendFileSync(ws.file(`apps/${changed}/src/serve.py`), `\n# bench P2, round ${round}: a change to the service code.\n`);
    const affected = ws.affected();
    check(
      JSON.stringify(affected) === JSON.stringify([changed]),
      `P2 round ${round}: expected only ${changed} to be affected, got ${affected.join(', ') || 'none'}`,
    );

    const before = Object.fromEntries(services.map((service) => [service, ws.published(service)]));
    const { total: pluginSeconds, tasks } = ws.nxProfiled(['affected', '-t', 'publish', '--base=HEAD', '--parallel=1', '--gate=false']);
    for (const service of services) {
      const after = ws.published(service);
      const isChanged = service === changed;
      for (const field of ['bentoTag', 'imageId', 'digest']) {
        check(
          (after[field] !== before[service][field]) === isChanged,
          `P2 round ${round}: ${service} ${isChanged ? 'should have' : 'should not have'} a new ${field} (${before[service][field]} -> ${after[field]})`,
        );
      }
    }
    log(`P2 round ${round} (${changed} changed): nx affected -t publish ${pluginSeconds.toFixed(1)} s (${formatTasks(tasks, changed)})`);
    changedTasks.push(
      Object.fromEntries(
        Object.entries(tasks)
          .filter(([id]) => id.startsWith(`${changed}:`))
          .map(([id, s]) => [id.split(':')[1], s]),
      ),
    );

    const steps = guidePublishAll(ws);
    log(`P2 round ${round}: guide ${formatSteps(steps)}`);
    ws.commit(`bench P2 round ${round}: ${changed}/src/serve.py`);
    plugin.push(pluginSeconds);
    guide.push(steps);
  }
  const guideStep = (key) => median(guide.map((steps) => steps[key]));
  return [
    `### P2: one of ${services.length} services changed (serve.py), ${runs} round(s)`,
    '',
    '| case | nx-bentoml (s) | guide (s) | ratio |',
    '| --- | ---: | ---: | ---: |',
    `| \`nx affected -t publish\` vs the guide's flow for every service | ${seconds(median(plugin))} | ${seconds(guideStep('total'))} | ${ratio(median(plugin), guideStep('total'))} |`,
    '',
    `- changed: ${changedServices.join(', ')} (a comment appended to src/serve.py); nx-bentoml rebuilt, containerized and pushed that service only, checked on Bento tags, image ids and digests`,
    `- guide's flow, summed over the services (median): import ${seconds(guideStep('import'))} s, bentoml build ${seconds(guideStep('build'))} s, containerize ${seconds(guideStep('containerize'))} s, docker tag + push ${seconds(guideStep('push'))} s`,
    `- nx-bentoml's targets for the changed service (median, from NX_PROFILE): ${['bento-build', 'containerize', 'docker-push', 'publish'].map((t) => `${t} ${seconds(median(changedTasks.map((tasks) => tasks[t] ?? Number.NaN)))} s`).join(', ')}; the rest is Nx itself`,
    "- nx affected runs with --gate=false: the guide's CI runs no smoke test either (with the gate on, the changed service's publish adds its smoke-test task's time)",
    '- ratio = nx-bentoml / guide (below 1: nx-bentoml is faster)',
  ];
}

if (isMain(import.meta.url)) runBenchmarks([p2]);
