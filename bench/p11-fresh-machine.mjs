#!/usr/bin/env node
// P11: a fresh CI runner publishes services that did not change. Machine 1 (the workspace on the
// shared engine) publishes BENCH_SERVICES services (default 5) once with a self-hosted Nx remote
// cache, not timed. Then each round times the same `nx run-many -t publish` over them:
//   - warm: on machine 1 again (Bentos in its local Nx cache, images in its engine, tags up to date);
//   - fresh: on machine 2, a clone with an empty Docker Engine of its own, an empty BentoML home and
//     an empty local Nx cache, sharing only the remote cache and the registry.
// Ratio fresh / warm (the goal: at most 1.5). Never asserts on time; exits non-zero when a
// check fails: on machine 2 a bento-build that did not come from the remote cache, an image built
// or pulled (its engine must hold no image, image.json must say built: false and name the
// registry's image), or a push.json digest other than machine 1's.
//
//   npm run bench:p11        (BENCH_SERVICES, BENCH_RUNS, BENCH_TARBALL; see bench/README.md)

import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { positiveInt, readJson } from './bench-common.mjs';
import { check, log, median, ratio, seconds, timed } from './chain-bench.mjs';
import {
  RUNS,
  benchEngine,
  cloneWorkspace,
  createFleetWorkspace,
  engineId,
  installedNx,
  machine,
  removeImagesLater,
  removeSharedNxDataLater,
  runFleetBenchmark,
  serviceNames,
  startCacheServer,
} from './fleet-common.mjs';

/** Every tag of a service's last push on machine `m` and its digest, as "tag@digest". */
const pushedDigests = (m, service) =>
  (readJson(m.file(`dist/apps/${service}/push/push.json`), {}).pushed ?? []).map((e) => `${e.tag}@${e.digest}`);

async function p11(context) {
  const services = serviceNames(positiveInt('BENCH_SERVICES', 5));
  const prefix = `bench-${Date.now().toString(36)}`;
  const cache = await startCacheServer();
  context.cleanup(() => cache.stop());
  mkdirSync(join(context.base, 'machine-1'));
  const ws = createFleetWorkspace(join(context.base, 'machine-1'), context.environment, prefix, services);
  context.nxVersion = installedNx(ws.root);
  removeImagesLater(context, ws, services);
  removeSharedNxDataLater(context, ws.root);
  const warm = machine('machine 1', ws, ws.root, { cache });
  const publish = ['run-many', '-t', 'publish', `--projects=${services.join(',')}`, '--parallel=1'];
  log(`machine 1: first publish of ${services.length} services with the remote cache (not timed)`);
  warm.nx(publish);
  const expected = Object.fromEntries(services.map((s) => [s, pushedDigests(warm, s)]));
  log(`remote cache after machine 1: ${cache.stats()}`);

  log('machine 2: a clone, npm ci, an empty Docker Engine of its own');
  const engine = benchEngine(join(context.base, 'engine'), engineId(0));
  context.cleanup(() => engine.tearDown());
  await engine.setUp();
  const clone = cloneWorkspace(ws, join(context.base, 'machine-2'));
  removeSharedNxDataLater(context, clone);
  const fresh = machine('machine 2', ws, clone, { dockerHost: engine.dockerHost, cache });

  const warmSeconds = [];
  const freshSeconds = [];
  for (let round = 1; round <= RUNS; round++) {
    const [w] = timed(() => warm.nx(publish));
    for (const s of services) check(pushedDigests(warm, s).join() === expected[s].join(), `round ${round}: machine 1 pushed ${s} anew`);
    // Each round starts from an empty machine 2: no Nx cache, no dist/, no BentoML store (the engine is checked empty below).
    fresh.forget();
    check(engine.images().length === 0, `round ${round}: machine 2's engine holds images before the publish`);
    const [f, result] = timed(() => fresh.nx(publish));
    const output = `${result.stdout}${result.stderr}`;
    const images = engine.images();
    check(images.length === 0, `round ${round}: machine 2 built or pulled ${images.length} image(s): ${images.join(', ')}`);
    const bentos = fresh.file('.bentoml-home/bentos');
    check(!existsSync(bentos) || readdirSync(bentos).length === 0, `round ${round}: machine 2 built Bentos (${bentos} is not empty)`);
    for (const s of services) {
      check(
        new RegExp(`nx run ${s}:bento-build\\s+\\[remote cache\\]`).test(output),
        `round ${round}: ${s}'s Bento on machine 2 did not come from the remote cache`,
      );
      const image = readJson(fresh.file(`dist/apps/${s}/image/image.json`), {});
      check(
        image.built === false && image.registryImage?.digest !== undefined,
        `round ${round}: ${s}'s image.json on machine 2 is not a registry image (built: ${image.built})`,
      );
      const digests = pushedDigests(fresh, s);
      check(
        digests.length > 0 && digests.join() === expected[s].join(),
        `round ${round}: ${s}'s push.json on machine 2 (${digests.join()}) differs from machine 1's (${expected[s].join()})`,
      );
    }
    log(`P11 round ${round}: warm machine 1 ${w.toFixed(1)} s, fresh machine 2 ${f.toFixed(1)} s`);
    warmSeconds.push(w);
    freshSeconds.push(f);
  }
  return [
    `### P11: ${services.length} unchanged services published on a fresh machine, ${RUNS} round(s)`,
    '',
    '| case | fresh machine 2 (s) | warm machine 1 (s) | ratio | goal |',
    '| --- | ---: | ---: | ---: | --- |',
    `| \`nx run-many -t publish\` over the ${services.length} | ${seconds(median(freshSeconds))} | ${seconds(median(warmSeconds))} | ${ratio(median(freshSeconds), median(warmSeconds))} | ≤ 1.5 |`,
    '',
    `- machine 2: a clone with an empty Docker Engine of its own, an empty BentoML home and an empty local Nx cache; the remote cache (${cache.stats()} at the end) and the registry are shared`,
    "- checked on machine 2 in every round: each bento-build a remote cache hit, no Bento in its store, no image in its engine, image.json `built: false` with the registry image, every push.json tag and digest equal to machine 1's",
    `- rounds: fresh ${freshSeconds.map((s) => s.toFixed(1)).join(', ')} s; warm ${warmSeconds.map((s) => s.toFixed(1)).join(', ')} s`,
    "- ratio = fresh / warm (the issue's goal: at most 1.5)",
  ];
}

await runFleetBenchmark('p11', p11);
