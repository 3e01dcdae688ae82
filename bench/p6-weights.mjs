#!/usr/bin/env node
// P6, P7, P9, P10: a service with a large model (BENCH_MODEL_MIB, default 300 MiB of random bytes,
// generated at setup, never committed), nx-bentoml against the guide's flow (bentoml build,
// bentoml containerize, docker tag, docker push) on the same files, side by side:
//
//   P6   bytes pushed and time after a serve.py-only change, and after a model-only change
//   P9   registry bytes for two services that pack the same model
//   P10  Nx cache bytes added by the serve.py-only change
//   P7   containerize vs bentoml containerize on the same Bento: time and image size
//
// Bytes pushed are the sizes of the blobs a new manifest names that the registry did not hold
// before (read from the registry's manifests), so they do not depend on timing. Like P1-P5 this
// never asserts on time; it exits non-zero only when a check fails (a model layer re-pushed on a
// code-only change, a publish that failed).
//
//   npm run bench:weights          (BENCH_TARBALL, BENCH_MODEL_MIB; see bench/README.md)

import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { positiveInt, removeTempDirs, run } from './bench-common.mjs';
import {
  check,
  createBareWorkspace,
  failures,
  guideEnv,
  guideImage,
  guideLogin,
  guidePublish,
  log,
  ratio,
  removeImages,
  requireEnvironment,
  seconds,
  timed,
} from './chain-bench.mjs';

const modelBytes = positiveInt('BENCH_MODEL_MIB', 300) * 2 ** 20;
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
const services = ['weights-a', 'weights-b'];

async function main() {
  const environment = requireEnvironment();
  const base = mkdtempSync(join(os.tmpdir(), 'nx-bentoml-bench-weights-'));
  const prefix = `bench-${Date.now().toString(36)}`;
  const modelName = `big_weights_${prefix.slice(6)}`;
  let ws;
  try {
    ws = createBareWorkspace(base, environment, prefix);
    const write = (path, content) => {
      mkdirSync(dirname(ws.file(path)), { recursive: true });
      writeFileSync(ws.file(path), content);
    };
    /** A new version of the model (another seed, other bytes), exported into both projects. */
    const train = (seed) => {
      const exported = ws.file('.bench-homes/big_weights.bentomodel');
      mkdirSync(dirname(exported), { recursive: true });
      rmSync(exported, { force: true });
      run(
        ws.file('.venv/bin/python'),
        [
          '-c',
          `import bentoml, random\nwith bentoml.models.create("${modelName}") as model:\n` +
            `    rng, weights = random.Random(${seed}), open(model.path_of("weights.bin"), "wb")\n` +
            `    for _ in range(${modelBytes / 2 ** 20}):\n        weights.write(rng.randbytes(2 ** 20))\n` +
            `    weights.close()\n` +
            `bentoml.models.export_model(model.tag, "${exported}")\n`,
        ],
        { cwd: ws.root, env: { ...process.env, ...ws.pluginEnv, BENTOML_HOME: ws.file('.bench-homes/trainer') } },
      );
      for (const service of services) copyFileSync(exported, ws.file(`apps/${service}/src/big_weights.bentomodel`));
    };
    for (const service of services) {
      write(
        `apps/${service}/src/serve.py`,
        `import os\n\nimport bentoml\n\n\n@bentoml.service(name="${service}")\nclass Weights:\n` +
          `    weights = bentoml.models.BentoModel("${modelName}:latest")\n\n` +
          `    def __init__(self):\n        self.weight_bytes = os.path.getsize(self.weights.path_of("weights.bin"))\n\n` +
          `    @bentoml.api\n    def size(self) -> int:\n        return self.weight_bytes\n`,
      );
      write(
        `apps/${service}/src/bentofile.yaml`,
        `service: "serve:Weights"\ninclude:\n  - "*.py"\ndocker:\n  base_image: "${environment.baseImage}"\n  python_version: "3.11"\n`,
      );
      // The images go to the benchmark's own repositories, which the registry reads below.
      write(
        `apps/${service}/project.json`,
        JSON.stringify({ name: service, targets: { containerize: { options: { imageName: `${prefix}/${service}` } } } }),
      );
      write(`apps/${service}/smoke-test.json`, JSON.stringify({ endpoint: '/size', request: {}, expect: modelBytes }));
    }
    log(`training a ${mib(modelBytes)} MiB model`);
    train(1);
    appendFileSync(ws.file('.gitignore'), '\n__pycache__/\n');
    ws.commit('two services, one large model');

    const registry = registryReader(environment);
    const plugin = (service) => `${prefix}/${service}`;
    // Without the gate: the guide's flow runs no smoke test either.
    const publish = (service) => timed(() => ws.nx(['run', `${service}:publish`, `--registry=${environment.registry}`, '--gate=false']))[0];
    const guide = (service) => {
      const { steps } = guidePublish(ws, service, { model: `apps/${service}/src/big_weights.bentomodel`, buildDir: `apps/${service}/src` });
      return steps.total;
    };
    const cacheBytes = () => directoryBytes(nxCacheDir(ws));

    log('cold publish of weights-a, both sides (not timed)');
    guideLogin(ws);
    publish('weights-a');
    guide('weights-a');

    // P6 and P10: a serve.py-only change.
    const rows = [];
    const change = async (name, edit) => {
      const before = { plugin: await registry.blobs(plugin('weights-a')), guide: await registry.blobs(guideImage(ws, 'weights-a')) };
      edit();
      const cacheBefore = cacheBytes();
      const pluginSeconds = publish('weights-a');
      const cacheAdded = cacheBytes() - cacheBefore;
      const guideSeconds = guide('weights-a');
      const pushed = {
        plugin: await registry.newBytes(plugin('weights-a'), before.plugin),
        guide: await registry.newBytes(guideImage(ws, 'weights-a'), before.guide),
      };
      log(
        `${name}: nx-bentoml ${seconds(pluginSeconds)} s, ${mib(pushed.plugin)} MiB pushed; guide ${seconds(guideSeconds)} s, ${mib(pushed.guide)} MiB`,
      );
      rows.push({ name, pluginSeconds, guideSeconds, pushed, cacheAdded });
      ws.commit(name);
    };
    await change('serve.py-only change', () =>
      appendFileSync(ws.file('apps/weights-a/src/serve.py'), '\n# bench P6: a change to the service code.\n'),
    );
    await change('model-only change', () => train(2));
    const [codeOnly, modelOnly] = rows;
    check(
      codeOnly.pushed.plugin < 0.05 * modelBytes,
      `P6: a code-only change pushed ${mib(codeOnly.pushed.plugin)} MiB, not under 5 % of the model`,
    );
    check(modelOnly.pushed.plugin >= modelBytes, `P6: a model-only change pushed ${mib(modelOnly.pushed.plugin)} MiB, less than the model`);

    // P9: a second service packing the same model.
    log('P9: publish weights-b, which packs the same model, both sides');
    const knownPlugin = await registry.blobs(plugin('weights-a'));
    const knownGuide = await registry.blobs(guideImage(ws, 'weights-a'));
    publish('weights-b');
    guide('weights-b');
    const addedByB = {
      plugin: await registry.newBytes(plugin('weights-b'), knownPlugin),
      guide: await registry.newBytes(guideImage(ws, 'weights-b'), knownGuide),
    };

    // P7: containerize of the same Bento, both images removed first, layer caches warm on both sides.
    log('P7: containerize weights-b vs bentoml containerize of the same Bento');
    removeImages(ws, plugin('weights-b'));
    // The target's own time (Nx's profile) is what compares with the BentoML CLI; Nx's start and graph come on top (the wall time).
    const containerizeRun = ws.nxProfiled(['run', 'weights-b:containerize', '--excludeTaskDependencies']);
    const pluginContainerize = containerizeRun.tasks['weights-b:containerize'];
    check(
      Number.isFinite(pluginContainerize),
      `P7: no weights-b:containerize task in Nx's profile: ${JSON.stringify(containerizeRun.tasks)}`,
    );
    const pluginImage = JSON.parse(readFileSync(ws.file('dist/apps/weights-b/image/image.json'), 'utf8')).imageId;
    const guideTag = run(ws.file('.venv/bin/bentoml'), ['list', '-o', 'json'], { cwd: ws.root, env: guideEnv(ws) });
    const bentoTag = JSON.parse(guideTag.stdout)
      .map((bento) => bento.tag)
      .filter((tag) => tag.startsWith('weights-b:'))
      .pop();
    removeImages(ws, guideImage(ws, 'weights-b'));
    const [guideContainerize] = timed(() =>
      run(ws.file('.venv/bin/bentoml'), ['containerize', bentoTag, '--image-tag', `${guideImage(ws, 'weights-b')}:latest`], {
        cwd: ws.root,
        env: guideEnv(ws),
      }),
    );
    const imageSize = (image) =>
      Number(run('docker', ['image', 'inspect', '--format', '{{.Size}}', image], { cwd: ws.root }).stdout.trim());
    const sizes = { plugin: imageSize(pluginImage), guide: imageSize(`${guideImage(ws, 'weights-b')}:latest`) };

    console.log(
      [
        `### P6, P9, P10, P7: a service with a ${mib(modelBytes)} MiB model`,
        '',
        '| measure | nx-bentoml | guide (bentoml containerize + docker push) | ratio | goal |',
        '| --- | ---: | ---: | ---: | --- |',
        ...rows.flatMap((row) => [
          `| P6 ${row.name}: bytes pushed (MiB) | ${mib(row.pushed.plugin)} | ${mib(row.pushed.guide)} | ${ratio(row.pushed.plugin, row.pushed.guide)} | ${row === codeOnly ? `≤ 5 % of the model: ${((100 * row.pushed.plugin) / modelBytes).toFixed(2)} %` : `${((100 * row.pushed.plugin) / modelBytes).toFixed(0)} % of the model`} |`,
          `| P6 ${row.name}: publish (s) | ${seconds(row.pluginSeconds)} | ${seconds(row.guideSeconds)} | ${ratio(row.pluginSeconds, row.guideSeconds)} | |`,
        ]),
        `| P9 registry bytes for two services with the same model, in models (1 + what the second added) | ${(1 + addedByB.plugin / modelBytes).toFixed(3)} | ${(1 + addedByB.guide / modelBytes).toFixed(3)} | | ≤ 1.05 |`,
        `| P10 Nx cache bytes added by the serve.py-only change (MiB; share of the model) | ${mib(codeOnly.cacheAdded)} (${((100 * codeOnly.cacheAdded) / modelBytes).toFixed(2)} %) | | | ≤ 5 % |`,
        `| P7 containerize of the same Bento: the target vs bentoml containerize (s) | ${seconds(pluginContainerize)} | ${seconds(guideContainerize)} | ${ratio(pluginContainerize, guideContainerize)} | ≤ 1.0 |`,
        `| P7 the same, \`nx run\` wall time with Nx's start and graph (s) | ${seconds(containerizeRun.total)} | ${seconds(guideContainerize)} | ${ratio(containerizeRun.total, guideContainerize)} | |`,
        `| P7 image size (MB) | ${(sizes.plugin / 1e6).toFixed(1)} | ${(sizes.guide / 1e6).toFixed(1)} | ${ratio(sizes.plugin, sizes.guide)} | ≤ 1.0 |`,
        '',
        `- publish runs with --gate=false: the guide's flow runs no smoke test either. The guide builds with the classic builder (no buildx here), nx-bentoml with BuildKit.`,
        `- machine: ${os.availableParallelism()} CPUs, load average ${os.loadavg()[0].toFixed(2)} at the end, ${new Date().toISOString()}`,
      ].join('\n'),
    );
  } catch (error) {
    failures.push(error.message);
  } finally {
    if (process.env.BENCH_KEEP === '1') log(`kept ${base} and its images (BENCH_KEEP=1): remove them by hand`);
    else {
      if (ws)
        for (const service of services) {
          removeImages(ws, `${prefix}/${service}`);
          removeImages(ws, guideImage(ws, service));
        }
      rmSync(base, { recursive: true, force: true });
    }
    removeTempDirs();
  }
  if (failures.length) {
    console.error(`\nFAILED: ${failures.length} problem(s):`);
    for (const failure of failures) console.error(`- ${failure}`);
    process.exit(1);
  }
}

/** The blobs (config and layers) a repository's tag names, and the bytes of those not in `known`. */
function registryReader({ registry, username, password }) {
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const accept = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';
  const blobs = async (repository, tag = 'latest') => {
    const response = await fetch(`http://${registry}/v2/${repository}/manifests/${tag}`, { headers: { authorization, accept } });
    if (response.status === 404) return new Map();
    if (!response.ok) throw new Error(`GET ${repository}/manifests/${tag} answered ${response.status}`);
    const manifest = await response.json();
    return new Map([manifest.config, ...manifest.layers].map((blob) => [blob.digest, blob.size]));
  };
  return {
    blobs,
    async newBytes(repository, known) {
      let bytes = 0;
      for (const [digest, size] of await blobs(repository)) if (!known.has(digest)) bytes += size;
      return bytes;
    },
  };
}

/** Where the workspace's Nx keeps its local cache, asked of that Nx. */
function nxCacheDir(ws) {
  return run('node', ['-e', "console.log(require('nx/src/utils/cache-directory').cacheDir)"], { cwd: ws.root }).stdout.trim();
}

function directoryBytes(dir) {
  let bytes = 0;
  const walk = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) bytes += statSync(child).size;
    }
  };
  try {
    walk(dir);
  } catch {
    // No cache yet.
  }
  return bytes;
}

await main();
