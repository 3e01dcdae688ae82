#!/usr/bin/env node
// P4: containerize again after a serve.py-only change, against a cold containerize of the same
// service. The cold build gets a new `envs` value in the bentofile (BENCH_MARKER, one per round),
// which BentoML writes into the Dockerfile before the dependency layers, so nothing below the
// service code can come from the layer cache. The serve.py edit changes only the Bento's files,
// which BentoML copies last, so the second build should reuse every layer up to and including the
// Python packages. The script checks that from BuildKit's steps in containerize's output (CACHED).
//
//   npm run bench:p4        (see chain-bench.mjs for BENCH_RUNS, BENCH_KEEP, BENCH_TARBALL)

import { appendFileSync } from 'node:fs';
import { check, isMain, log, median, ratio, removeImages, runBenchmarks, seconds, soloService, timed } from './chain-bench.mjs';

const containerize = (ws) => timed(() => ws.nx(['run', `${soloService}:containerize`, '--excludeTaskDependencies']).stdout);

/**
 * BuildKit's steps in containerize's output: "#<n> [stage i/m] INSTRUCTION", and "#<n> CACHED"
 * for the steps it took from the layer cache.
 */
function buildkitSteps(output) {
  const steps = new Map();
  for (const line of output.split('\n')) {
    const named = /^#(\d+) \[[^\]]*\d+\/\d+\] (.*)$/.exec(line);
    if (named) steps.set(named[1], { instruction: named[2], cached: false });
    const cached = /^#(\d+) CACHED$/.exec(line);
    if (cached && steps.has(cached[1])) steps.get(cached[1]).cached = true;
  }
  return [...steps.values()];
}

export function p4(ws, runs) {
  const cold = [];
  const again = [];
  const reuse = [];
  for (let round = 1; round <= runs; round++) {
    ws.setMarker(soloService, `${ws.prefix}-p4-r${round}`);
    removeImages(ws, `${ws.prefix}/${soloService}`);
    ws.nx(['run', `${soloService}:bento-build`]);
    const [coldSeconds, coldOutput] = containerize(ws);
    cold.push(coldSeconds);
    const first = ws.published(soloService);

    appendFileSync(ws.file(`apps/${soloService}/src/serve.py`), `\n# bench P4, round ${round}: a change to the service code.\n`);
    ws.nx(['run', `${soloService}:bento-build`]);
    const [againSeconds, againOutput] = containerize(ws);
    again.push(againSeconds);
    const second = ws.published(soloService);
    check(
      first.built === true && second.built === true && first.imageId !== second.imageId,
      `P4 round ${round}: expected two new images, got ${JSON.stringify({ first, second })}`,
    );

    // The marker, unique to this round, comes before the dependency layer: the cold build cannot have reused it.
    const coldSteps = buildkitSteps(coldOutput);
    const coldDependencies = coldSteps.find((step) => step.instruction.includes('pip install -r'));
    check(coldDependencies && !coldDependencies.cached, `P4 round ${round}: the cold build took its dependency layer from the cache`);
    const steps = buildkitSteps(againOutput);
    const dependencies = steps.find((step) => step.instruction.includes('pip install -r'));
    check(dependencies?.cached, `P4 round ${round}: the dependency layer (uv pip install) was not reused: ${JSON.stringify(dependencies)}`);
    reuse.push({
      rebuilt: steps.filter((step) => !step.cached).map((step) => step.instruction.slice(0, 50)),
      reused: steps.filter((step) => step.cached).length,
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
    `- last round: BuildKit took ${last.reused} of the ${last.steps} build steps from its cache, among them the dependency layer (\`uv pip install\`); it ran ${last.rebuilt.length}: ${last.rebuilt.map((s) => `\`${s}\``).join(', ')}`,
  ];
}

if (isMain(import.meta.url)) runBenchmarks([p4]);
