#!/usr/bin/env node
// P1 on Nx 24 after a README-only commit: P1's workspace (five services, published once by both
// sides) moved to Nx BENCH_NX24_VERSION (default 24.0.6, the e2e suite's highestNx). Each round
// commits an edit to one service's README.md, then times `nx affected -t publish` over that commit
// (Nx 24's task-level affected: the project is affected, but no task of the chain takes the README
// as an input) against the guide's flow for the five services, as P1 does. Never asserts on time;
// exits non-zero when a check fails: a chain task selected (read from the task graph Nx prints
// with --graph=stdout), or a Bento, image or digest that changed.
//
//   npm run bench:p1-nx24        (BENCH_NX24_VERSION, and chain-bench.mjs's BENCH_RUNS, BENCH_KEEP, BENCH_TARBALL)

import { appendFileSync } from 'node:fs';
import { check, formatSteps, guidePublishAll, log, median, ratio, runBenchmarks, seconds, services, timed } from './chain-bench.mjs';

const nxVersion = process.env.BENCH_NX24_VERSION || '24.0.6';

function p1Nx24(ws, runs) {
  const plugin = [];
  const guide = [];
  const affectedProjects = [];
  const commit = ['--base=HEAD~1', '--head=HEAD'];
  for (let round = 1; round <= runs; round++) {
    const changed = services[(round - 1) % services.length];
    appendFileSync(ws.file(`apps/${changed}/README.md`), `\nbench P1 on Nx 24, round ${round}: documentation only.\n`);
    ws.commit(`bench P1 Nx 24 round ${round}: ${changed}/README.md`);
    const { stdout } = ws.nx(['show', 'projects', '--affected', ...commit, '--json']);
    affectedProjects.push(JSON.parse(stdout.slice(stdout.indexOf('['))).join(', ') || 'none');
    // The tasks Nx selects for this commit, printed instead of run (as the e2e suite's foundations.spec.ts reads them).
    const printed = ws.nx(['affected', '-t', 'publish', ...commit, '--graph=stdout']).stdout;
    let graph;
    try {
      graph = JSON.parse(printed.slice(printed.indexOf('{')));
    } catch {
      graph = undefined;
    }
    check(graph?.tasks?.tasks !== undefined, `round ${round}: nx affected --graph=stdout printed no task graph`);
    const tasks = Object.keys(graph?.tasks?.tasks ?? {});
    check(tasks.length === 0, `round ${round}: the README-only commit selected ${tasks.join(', ')}`);
    const before = services.map((service) => ws.published(service));
    const [affectedSeconds] = timed(() => ws.nx(['affected', '-t', 'publish', ...commit, '--parallel=1']));
    const after = services.map((service) => ws.published(service));
    check(JSON.stringify(after) === JSON.stringify(before), `round ${round}: the README-only commit changed a Bento, image or digest`);
    log(
      `P1 Nx 24 round ${round} (${changed}/README.md): nx affected -t publish ${affectedSeconds.toFixed(1)} s, tasks selected: ${tasks.length}`,
    );
    const steps = guidePublishAll(ws);
    log(`P1 Nx 24 round ${round}: guide ${formatSteps(steps)}`);
    plugin.push(affectedSeconds);
    guide.push(steps);
  }
  const guideTotal = median(guide.map((steps) => steps.total));
  return [
    `### P1 on Nx ${nxVersion}: a README-only commit, ${services.length} services, ${runs} round(s)`,
    '',
    '| case | nx-bentoml (s) | guide (s) | ratio |',
    '| --- | ---: | ---: | ---: |',
    `| \`nx affected -t publish\` over the commit vs the guide's flow for every service | ${seconds(median(plugin))} | ${seconds(guideTotal)} | ${ratio(median(plugin), guideTotal)} |`,
    '',
    `- projects Nx calls affected (\`nx show projects --affected\`), per round: ${affectedProjects.join('; ')}; tasks of the chain selected: none in any round (checked on the task list of \`--graph=stdout\`)`,
    '- ratio = nx-bentoml / guide (below 1: nx-bentoml is faster)',
  ];
}

runBenchmarks([p1Nx24], { nxVersion });
