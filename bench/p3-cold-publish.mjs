#!/usr/bin/env node
// P3: a cold publish of one service, nx-bentoml against the raw CLI sequence doing the same work,
// i.e. the plugin's overhead. Cold on both sides: an empty BentoML home, no image of the service
// (its tags are removed) and, for nx-bentoml, no Nx cache (`nx reset`, .nx/cache removed). Each
// side gives the service's bentofile its own `envs` value (BENCH_MARKER, one per side and round),
// which BentoML writes into the Dockerfile before its dependency layers: neither side can reuse a
// layer of the other or of an earlier round, so both install the Python packages from scratch.
// The plugin publishes with --gate=false: the raw sequence runs no smoke test either.
//
//   npm run bench:p3        (see chain-bench.mjs for BENCH_RUNS, BENCH_KEEP, BENCH_TARBALL)

import { rmSync } from 'node:fs';
import {
  check,
  formatSteps,
  formatTasks,
  guideImage,
  guidePublish,
  isMain,
  log,
  median,
  ratio,
  removeImages,
  runBenchmarks,
  seconds,
  soloService,
} from './chain-bench.mjs';

function pluginColdPublish(ws, round) {
  ws.setMarker(soloService, `${ws.prefix}-p3-r${round}-plugin`);
  removeImages(ws, `${ws.prefix}/${soloService}`);
  ws.nx(['reset']);
  for (const dir of ['.nx/cache', '.nx/workspace-data', `dist/apps/${soloService}`]) rmSync(ws.file(dir), { recursive: true, force: true });
  const result = ws.nxProfiled(['run', `${soloService}:publish`, '--gate=false'], {
    BENTOML_HOME: ws.file(`.bench-homes/p3-r${round}-plugin`),
  });
  const published = ws.published(soloService);
  check(
    published.built === true && /^sha256:/.test(published.digest ?? ''),
    `P3 round ${round}: nx-bentoml did not build and push a new image: ${JSON.stringify(published)}`,
  );
  return result;
}

function guideColdPublish(ws, round) {
  ws.setMarker(soloService, `${ws.prefix}-p3-r${round}-guide`);
  removeImages(ws, guideImage(ws, soloService));
  return guidePublish(ws, soloService, { home: ws.file(`.bench-homes/p3-r${round}-guide`) }).steps;
}

export function p3(ws, runs) {
  const plugin = [];
  const guide = [];
  for (let round = 1; round <= runs; round++) {
    // Alternate which side goes first, so that both see the same machine load over the rounds.
    const sides = [() => plugin.push(pluginColdPublish(ws, round)), () => guide.push(guideColdPublish(ws, round))];
    for (const side of round % 2 ? sides : sides.reverse()) side();
    ws.restore(soloService);
    rmSync(ws.file('.bench-homes'), { recursive: true, force: true });
    log(
      `P3 round ${round}: nx run ${soloService}:publish ${plugin.at(-1).total.toFixed(1)} s (${formatTasks(plugin.at(-1).tasks, soloService)}); guide ${formatSteps(guide.at(-1))}`,
    );
  }
  const p = median(plugin.map((r) => r.total));
  const g = median(guide.map((s) => s.total));
  const task = (name) => median(plugin.map((r) => r.tasks[`${soloService}:${name}`] ?? Number.NaN));
  const step = (key) => median(guide.map((s) => s[key]));
  return [
    `### P3: cold publish of one service, ${runs} round(s)`,
    '',
    '| case | nx-bentoml (s) | raw CLI (s) | ratio |',
    '| --- | ---: | ---: | ---: |',
    `| \`nx run ${soloService}:publish\` vs import, build, containerize, tag, push | ${seconds(p)} | ${seconds(g)} | ${ratio(p, g)} |`,
    `| bento-build vs models import + bentoml build | ${seconds(task('bento-build'))} | ${seconds(step('import') + step('build'))} | ${ratio(task('bento-build'), step('import') + step('build'))} |`,
    `| containerize vs bentoml containerize | ${seconds(task('containerize'))} | ${seconds(step('containerize'))} | ${ratio(task('containerize'), step('containerize'))} |`,
    `| docker-push vs docker tag + push | ${seconds(task('docker-push'))} | ${seconds(step('push'))} | ${ratio(task('docker-push'), step('push'))} |`,
    '',
    `- overhead of the plugin: ${seconds(p - g)} s (median totals); the per-target rows come from Nx's NX_PROFILE trace, the rest of nx-bentoml's total is Nx itself (start, project graph, the publish summary)`,
    "- publish runs with --gate=false: the raw sequence runs no smoke test either (with the gate on, publish adds the smoke-test task's time)",
    '- ratio = nx-bentoml / raw CLI (above 1: the plugin costs more)',
  ];
}

if (isMain(import.meta.url)) runBenchmarks([p3]);
