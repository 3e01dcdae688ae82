#!/usr/bin/env node
// P1-P4 on one workspace (one setup instead of four): `node bench/publish-bench.mjs [p1 p2 p3 p4]`,
// all four when no name is given. See chain-bench.mjs for the environment and bench/README.md.

import { runBenchmarks } from './chain-bench.mjs';
import { p1 } from './p1-no-change.mjs';
import { p2 } from './p2-one-changed.mjs';
import { p3 } from './p3-cold-publish.mjs';
import { p4 } from './p4-recontainerize.mjs';

const benchmarks = { p1, p2, p3, p4 };
const names = process.argv.slice(2).map((name) => name.toLowerCase());
const unknown = names.filter((name) => !benchmarks[name]);
if (unknown.length) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}; choose among ${Object.keys(benchmarks).join(', ')}.`);
  process.exit(2);
}
runBenchmarks((names.length ? names : Object.keys(benchmarks)).map((name) => benchmarks[name]));
