#!/usr/bin/env node
// P1: nothing changed since the last publish. nx-bentoml: `nx affected -t publish` (no project is
// affected, so nothing runs). The guide: its whole flow (import, build, containerize, push) for
// each of the five services, as its CI does on every push. Also shown, not part of the ratio:
// `nx run-many -t publish` over the five services, which is what the plugin costs when affected
// cannot narrow the run (every bento-build a cache hit, every image reused, every tag up to date).
//
//   npm run bench:p1        (see chain-bench.mjs for BENCH_RUNS, BENCH_KEEP, BENCH_TARBALL)

import {
  check,
  formatSteps,
  guidePublishAll,
  isMain,
  log,
  median,
  ratio,
  runBenchmarks,
  seconds,
  services,
  timed,
} from './chain-bench.mjs';

export function p1(ws, runs) {
  const plugin = [];
  const runMany = [];
  const guide = [];
  for (let round = 1; round <= runs; round++) {
    check(ws.affected().length === 0, `P1 round ${round}: expected no affected project, got ${ws.affected().join(', ')}`);
    const before = services.map((service) => ws.published(service));
    const [affectedSeconds] = timed(() => ws.nx(['affected', '-t', 'publish', '--base=HEAD', '--parallel=1']));
    const [runManySeconds] = timed(() => ws.nx(['run-many', '-t', 'publish', `--projects=${services.join(',')}`, '--parallel=1']));
    const after = services.map((service) => ws.published(service));
    check(
      JSON.stringify(after) === JSON.stringify(before.map((p) => ({ ...p, built: false }))),
      `P1 round ${round}: a publish without changes produced new Bentos, images or digests: ${JSON.stringify({ before, after })}`,
    );
    log(`P1 round ${round}: nx affected -t publish ${affectedSeconds.toFixed(1)} s, nx run-many -t publish ${runManySeconds.toFixed(1)} s`);
    const steps = guidePublishAll(ws);
    log(`P1 round ${round}: guide ${formatSteps(steps)}`);
    plugin.push(affectedSeconds);
    runMany.push(runManySeconds);
    guide.push(steps);
  }
  const guideStep = (key) => median(guide.map((steps) => steps[key]));
  return [
    `### P1: nothing changed, ${services.length} services, ${runs} round(s)`,
    '',
    '| case | nx-bentoml (s) | guide (s) | ratio |',
    '| --- | ---: | ---: | ---: |',
    `| \`nx affected -t publish\` vs the guide's flow for every service | ${seconds(median(plugin))} | ${seconds(guideStep('total'))} | ${ratio(median(plugin), guideStep('total'))} |`,
    `| \`nx run-many -t publish\` (all ${services.length}, all cached) vs the same | ${seconds(median(runMany))} | ${seconds(guideStep('total'))} | ${ratio(median(runMany), guideStep('total'))} |`,
    '',
    `- guide's flow, summed over the services (median): import ${seconds(guideStep('import'))} s, bentoml build ${seconds(guideStep('build'))} s, containerize ${seconds(guideStep('containerize'))} s, docker tag + push ${seconds(guideStep('push'))} s`,
    '- ratio = nx-bentoml / guide (below 1: nx-bentoml is faster)',
  ];
}

if (isMain(import.meta.url)) runBenchmarks([p1]);
