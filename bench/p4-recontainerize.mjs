#!/usr/bin/env node
// P4: containerize again after a serve.py-only change, against a cold containerize of the same
// service. The cold build gets a new `envs` value in the bentofile (BENCH_MARKER, one per round),
// which BentoML writes into the Dockerfile before the dependency layers, so nothing below the
// service code can come from the layer cache. The serve.py edit changes only the Bento's files,
// which BentoML copies last, so the second build should reuse every layer up to and including the
// Python packages. The script checks that from the images' build steps.
//
//   npm run bench:p4        (see chain-bench.mjs for BENCH_RUNS, BENCH_KEEP, BENCH_TARBALL)

import { appendFileSync } from 'node:fs';
import { buildSteps, check, isMain, log, median, ratio, removeImages, runBenchmarks, seconds, soloService, timed } from './chain-bench.mjs';

const containerize = (ws) => timed(() => ws.nx(['run', `${soloService}:containerize`, '--excludeTaskDependencies']))[0];

export function p4(ws, runs) {
  const cold = [];
  const again = [];
  const reuse = [];
  for (let round = 1; round <= runs; round++) {
    ws.setMarker(soloService, `${ws.prefix}-p4-r${round}`);
    removeImages(ws, `${ws.prefix}/${soloService}`);
    ws.nx(['run', `${soloService}:bento-build`]);
    cold.push(containerize(ws));
    const first = ws.published(soloService);

    appendFileSync(ws.file(`apps/${soloService}/src/serve.py`), `\n# bench P4, round ${round}: a change to the service code.\n`);
    ws.nx(['run', `${soloService}:bento-build`]);
    again.push(containerize(ws));
    const second = ws.published(soloService);
    check(
      first.built === true && second.built === true && first.imageId !== second.imageId,
      `P4 round ${round}: expected two new images, got ${JSON.stringify({ first, second })}`,
    );

    // Steps of a local classic build carry the id of the image they produced; <missing> are the base image's.
    const firstSteps = buildSteps(ws, first.imageId);
    const firstIds = new Set(firstSteps.map((s) => s.id));
    // The marker, unique to this round, comes before the dependency layer: the cold build cannot have reused it.
    const markerAt = firstSteps.findIndex((s) => s.createdBy.includes('BENCH_MARKER'));
    const coldDependenciesAt = firstSteps.findIndex((s) => s.createdBy.includes('pip install -r'));
    check(
      markerAt >= 0 && markerAt < coldDependenciesAt,
      `P4 round ${round}: the cold build has no BENCH_MARKER step before its dependency layer`,
    );
    const steps = buildSteps(ws, second.imageId).filter((s) => s.id !== '<missing>');
    const dependencies = steps.find((s) => s.createdBy.includes('pip install -r'));
    const rebuilt = steps.filter((s) => !firstIds.has(s.id));
    check(
      dependencies && firstIds.has(dependencies.id),
      `P4 round ${round}: the dependency layer (uv pip install) was not reused: ${JSON.stringify(dependencies)}`,
    );
    const instruction = (s) =>
      s.createdBy
        .replace(/^\/bin\/sh -c (#\(nop\) )?/, '')
        .replace(/^\|\d+ (\S+=\S+ )+\/bin\/sh -c /, 'RUN ')
        .replace(/dir:[0-9a-f]+/, '<dir>')
        .trim()
        .slice(0, 50);
    const labels = rebuilt.filter((s) => instruction(s).startsWith('LABEL')).length;
    reuse.push({
      dependencies,
      rebuilt: [...rebuilt.map(instruction).filter((s) => !s.startsWith('LABEL')), ...(labels ? [`${labels} LABEL steps`] : [])],
      reused: steps.length - rebuilt.length,
      steps: steps.length,
    });
    log(
      `P4 round ${round}: cold containerize ${cold.at(-1).toFixed(1)} s, after a serve.py change ${again.at(-1).toFixed(1)} s; reused ${reuse.at(-1).reused}/${steps.length} build steps`,
    );
    ws.restore(soloService);
  }
  const last = reuse.at(-1);
  return [
    `### P4: containerize after a serve.py-only change vs a cold containerize, ${runs} round(s)`,
    '',
    '| case | nx-bentoml (s) | ratio to cold |',
    '| --- | ---: | ---: |',
    `| cold \`nx run ${soloService}:containerize\` (no layer of this Dockerfile in the engine) | ${seconds(median(cold))} | 1.000 |`,
    `| \`nx run ${soloService}:containerize\` after a serve.py edit | ${seconds(median(again))} | ${ratio(median(again), median(cold))} |`,
    '',
    `- both runs with --excludeTaskDependencies, after an untimed \`nx run ${soloService}:bento-build\``,
    `- last round: the second build reused ${last.reused} of its ${last.steps} build steps, among them the dependency layer (\`uv pip install\`, ${last.dependencies?.size ?? '?'}); it rebuilt ${last.steps - last.reused}: ${last.rebuilt.map((s) => `\`${s}\``).join(', ')}`,
  ];
}

if (isMain(import.meta.url)) runBenchmarks([p4]);
