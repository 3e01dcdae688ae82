import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { type ChainWorkspace, createChainWorkspace } from './support/chain-workspace';
import { predictWithContainer, removeRepositoryImages, requestWithoutNetwork } from './support/container';
import { type ChainEnvironment, requireChainEnvironment } from './support/environment';
import { startStandInHub } from './support/hugging-face-hub';
import { registryManifestDigest } from './support/registry';
import { runNx, runNxUnchecked, runOrThrow } from './support/run';
import { runNxAsync } from './support/run-async';

interface BentoHandoff {
  tag: string;
  version: string;
  models: string[];
}

interface PushHandoff {
  imageName: string;
  pushed: Array<{ reference: string; tag: string; digest: string; status: string }>;
}

/**
 * BentoML services as their authors write them from BentoML 1.4's docs, none made by the
 * plugin's generator: a pyproject.toml build, a service.py alone with its image in code, and a
 * bentofile naming the service by its file ("service.py:Adder"); and a service whose model lives
 * only in the BentoML store, as BentoML's own tutorials keep it.
 */
describe('existing BentoML projects in every build config form', () => {
  let environment: ChainEnvironment;
  let workspace: ChainWorkspace;
  // Fresh Bento (and so image) names per run: the registry outlives the test.
  const run = Date.now().toString(36);
  const projects = {
    pyproject: { dir: 'models/adder-pyproject', bento: `adder-pyproject-${run}` },
    code: { dir: 'models/adder-code', bento: `adder-code-${run}` },
    bentofile: { dir: 'models/adder-bentofile', bento: `adder-bentofile-${run}` },
  };
  const file = (path: string) => join(workspace.root, path);
  const write = (path: string, content: string) => {
    mkdirSync(dirname(file(path)), { recursive: true });
    writeFileSync(file(path), content);
  };
  const nx = (args: string[]) => runNx(workspace.root, args, workspace.taskEnv);
  const service = (name: string, decorator = `@bentoml.service(name="${name}")`) =>
    `import bentoml\n\n\n${decorator}\nclass Adder:\n    @bentoml.api\n    def add(self, a: float, b: float) -> float:\n        return a + b\n`;
  const sample = { endpoint: '/add', request: { a: 1.5, b: 2 }, expect: 3.5 };
  const store = { dir: 'models/store-adder', bento: `store-adder-${run}`, model: `offset_${run}` };
  const hf = { dir: 'models/hf-tiny', bento: `hf-tiny-${run}`, repository: 'acme/tiny-classifier' };
  /** Services that name a base image no engine has; the plugin's baseImage alone lets them build. */
  const overridden = {
    code: { dir: 'models/override-code', bento: `override-code-${run}` },
    pyproject: { dir: 'models/override-pyproject', bento: `override-pyproject-${run}` },
    baseImage: `nx-bentoml/python:override-${run}`,
  };
  const readHandoff = <T>(dir: string, kind: 'bento' | 'push') =>
    JSON.parse(readFileSync(file(`dist/${dir}/${kind}/${kind}.json`), 'utf8')) as T;
  /** The Hugging Face models the built Bento records, read from its bento.yaml in the store. */
  const revisionInBento = (tag: string) => {
    const [name, version] = tag.split(':');
    const bentoYaml = parse(readFileSync(`${workspace.taskEnv.BENTOML_HOME}/bentos/${name}/${version}/bento.yaml`, 'utf8'));
    return bentoYaml.services[0].models.map((model: { metadata: { model_id: string; revision: string } }) => model.metadata);
  };
  /** Saves a new version of the store model, as a training script using bentoml.models.create does. */
  const train = (offset: number) =>
    runOrThrow(
      environment.python,
      [
        '-c',
        `import bentoml\nwith bentoml.models.create("${store.model}") as model:\n    open(model.path_of("offset.txt"), "w").write("${offset}")\nprint(model.tag)`,
      ],
      workspace.root,
      undefined,
      workspace.taskEnv,
    ).stdout.trim();

  beforeAll(async () => {
    environment = await requireChainEnvironment();
    workspace = createChainWorkspace('forms-ws', environment);
    const base = environment.baseImage;

    write(
      `${projects.pyproject.dir}/pyproject.toml`,
      `[project]\nname = "${projects.pyproject.bento}"\nversion = "0.1.0"\ndependencies = []\n\n` +
        // A shared library of the workspace, packed as addkit/ (BentoML itself refuses "../").
        `[tool.bentoml.build]\nservice = "service:Adder"\ninclude = ["*.py", "../../libs/addkit/addkit/**/*.py"]\n\n` +
        `[tool.bentoml.build.docker]\nbase_image = "${base}"\npython_version = "3.11"\n`,
    );
    write(
      `${projects.pyproject.dir}/service.py`,
      'import addkit\nimport bentoml\n\n\n@bentoml.service\nclass Adder:\n    @bentoml.api\n    def add(self, a: float, b: float) -> float:\n        return addkit.add(a, b)\n',
    );
    write('libs/addkit/project.json', JSON.stringify({ name: 'addkit' }));
    write('libs/addkit/addkit/__init__.py', 'def add(a: float, b: float) -> float:\n    return a + b\n');

    write(`${projects.code.dir}/requirements.txt`, '# BentoML alone serves this service.\n');
    write(
      `${projects.code.dir}/service.py`,
      service(
        projects.code.bento,
        `@bentoml.service(\n    name="${projects.code.bento}",\n` +
          `    image=bentoml.images.Image(base_image="${base}", python_version="3.11").requirements_file("requirements.txt"),\n)`,
      ),
    );

    write(
      `${projects.bentofile.dir}/bentofile.yaml`,
      `service: "service.py:Adder"\nname: ${projects.bentofile.bento}\ninclude:\n  - "*.py"\ndocker:\n  base_image: "${base}"\n  python_version: "3.11"\n`,
    );
    write(`${projects.bentofile.dir}/service.py`, service(projects.bentofile.bento, '@bentoml.service'));

    write(
      `${store.dir}/service.py`,
      `import bentoml\n\n\n@bentoml.service(name="${store.bento}", image=bentoml.images.Image(base_image="${base}", python_version="3.11"))\n` +
        `class Adder:\n    weights = bentoml.models.BentoModel("${store.model}:latest")\n\n` +
        `    def __init__(self):\n        self.offset = float(open(self.weights.path_of("offset.txt")).read())\n\n` +
        `    @bentoml.api\n    def add(self, a: float, b: float) -> float:\n        return a + b + self.offset\n`,
    );

    write(
      `${hf.dir}/service.py`,
      `import bentoml\nfrom bentoml.models import HuggingFaceModel\n\n\n` +
        // As BentoML's Hugging Face examples do (through transformers): huggingface_hub in the image.
        `@bentoml.service(name="${hf.bento}", image=bentoml.images.Image(base_image="${base}", python_version="3.11").python_packages("huggingface_hub"))\n` +
        `class Tiny:\n    model_dir = HuggingFaceModel("${hf.repository}")\n\n` +
        `    @bentoml.api\n    def config(self) -> str:\n        return open(f"{self.model_dir}/config.json").read()\n`,
    );

    for (const { dir } of Object.values(projects)) write(`${dir}/smoke-test.json`, JSON.stringify(sample));
    appendFileSync(file('.gitignore'), '\n__pycache__/\n');
    runOrThrow('git', ['add', '-A'], workspace.root);
    runOrThrow('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'commit', '-qm', 'services'], workspace.root);
  });

  afterAll(async () => {
    if (environment) {
      for (const { bento } of [...Object.values(projects), store, hf, overridden.code, overridden.pyproject]) {
        await removeRepositoryImages(environment.docker, bento).catch(() => undefined);
      }
      await environment.docker
        .getImage(overridden.baseImage)
        .remove()
        .catch(() => undefined);
    }
    workspace?.cleanup();
  });

  it('infers one project per build directory, named as the directory, with the BentoML targets', () => {
    const names = JSON.parse(nx(['show', 'projects', '--json']).stdout) as string[];
    expect(names).toEqual(expect.arrayContaining(['adder-pyproject', 'adder-code', 'adder-bentofile']));
    const code = JSON.parse(nx(['show', 'project', 'adder-code', '--json']).stdout);
    expect(code.targets['bento-build'].options).toEqual(expect.objectContaining({ buildDir: 'models/adder-code' }));
    expect(code.targets['bento-build'].options).not.toHaveProperty('bentofile');
    expect(code.targets['bento-build'].inputs).toContain('{workspaceRoot}/models/adder-code/requirements.txt');
  });

  it('a service whose store model this machine lacks fails before building, naming the model and the ways to provide it', () => {
    const result = runNxUnchecked(workspace.root, ['run', 'store-adder:bento-build'], workspace.taskEnv);
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.status).not.toBe(0);
    expect(output).toContain(
      `${store.dir}/service.py asks for the model ${store.model}:latest, which is not in the BentoML store: none of the project's model files holds it.`,
    );
    expect(output).toContain('"bentoml models import <file>", or "bentoml models pull"');
    expect(output).not.toContain('Building the Bento');
    expect(output).not.toMatch(/Traceback|\n\s+at /);
    expect(existsSync(file(`dist/${store.dir}/bento`))).toBe(false);
  });

  it('publishes each form to the authenticated registry, and each image answers from the registry', async () => {
    nx(['run-many', '-t', 'publish', '--projects=adder-*', `--registry=${environment.registry}`, '--parallel=1']);
    for (const [form, { dir, bento }] of Object.entries(projects)) {
      const push = JSON.parse(readFileSync(file(`dist/${dir}/push/push.json`), 'utf8')) as PushHandoff;
      expect([form, push.imageName]).toEqual([form, bento]);
      const latest = push.pushed.find((entry) => entry.tag === 'latest')!;
      expect(latest.reference).toBe(`${environment.registry}/${bento}:latest`);
      const auth = { username: environment.username, password: environment.password };
      expect([form, await registryManifestDigest(environment.registry, bento, 'latest', auth)]).toEqual([
        form,
        { status: 200, digest: latest.digest },
      ]);
      expect([form, await predictWithContainer(environment.docker, latest.reference, '/add', sample.request)]).toEqual([form, 3.5]);
    }
    const smoke = nx(['run-many', '-t', 'smoke-test', '--projects=adder-*', '--parallel=1', '--output-style=static']).stdout;
    expect(smoke.match(/answered 3\.5, as expected/g)).toHaveLength(3);
  });

  it('rebuilds only the project whose Bento inputs changed, whatever its form', () => {
    // The projects whose bento-build ran (Nx's cache missed) in one run-many.
    const rebuilt = (output: string) => {
      const ran = [...output.matchAll(/nx run (adder-\w+):bento-build(.*)$/gm)]
        .filter((match) => !match[2].includes('cache]'))
        .map((match) => match[1]);
      const names = [...new Set(ran)];
      // The whole output, when the names are not the expected ones, says why.
      return { names, output: names.length === 1 ? '' : output.slice(-4000) };
    };
    // A file the image in code reads, outside any include rule.
    appendFileSync(file(`${projects.code.dir}/requirements.txt`), '# touched\n');
    expect(rebuilt(nx(['run-many', '-t', 'bento-build', '--projects=adder-*']).stdout)).toEqual({ names: ['adder-code'], output: '' });
    appendFileSync(file(`${projects.pyproject.dir}/pyproject.toml`), '\n# touched\n');
    expect(rebuilt(nx(['run-many', '-t', 'bento-build', '--projects=adder-*']).stdout)).toEqual({ names: ['adder-pyproject'], output: '' });
    appendFileSync(file(`${projects.bentofile.dir}/service.py`), '\n# touched\n');
    expect(rebuilt(nx(['run-many', '-t', 'bento-build', '--projects=adder-*']).stdout)).toEqual({ names: ['adder-bentofile'], output: '' });
    // Nothing changed: every Bento comes from the cache.
    expect(rebuilt(nx(['run-many', '-t', 'bento-build', '--projects=adder-*']).stdout).names).toEqual([]);
  });

  it('publishes a service whose model lives only in the BentoML store; retraining it rebuilds', async () => {
    const first = train(10);
    nx(['run', 'store-adder:publish', `--registry=${environment.registry}`]);
    const bento = readHandoff<BentoHandoff>(store.dir, 'bento');
    expect(bento.models).toEqual([first]);
    const latest = readHandoff<PushHandoff>(store.dir, 'push').pushed.find((entry) => entry.tag === 'latest')!;
    const auth = { username: environment.username, password: environment.password };
    expect(await registryManifestDigest(environment.registry, store.bento, 'latest', auth)).toEqual({ status: 200, digest: latest.digest });
    expect(await predictWithContainer(environment.docker, latest.reference, '/add', sample.request)).toBe(13.5);

    // Nothing changed: the Bento comes from the cache.
    expect(nx(['run', 'store-adder:bento-build']).stdout).toContain('[local cache]');
    const retrained = train(20);
    const rebuilt = nx(['run', 'store-adder:bento-build']).stdout;
    expect(rebuilt).not.toContain('[local cache]');
    expect(rebuilt).toContain(`Building the Bento of ${store.dir}`);
    expect(rebuilt).toContain(`Model ${store.model}:latest from the BentoML store: ${retrained}`);
    const after = readHandoff<BentoHandoff>(store.dir, 'bento');
    expect(after.models).toEqual([retrained]);
    expect(after.version).not.toBe(bento.version);
  });

  it('a change to project.json alone keeps the Bento version, the image and the pushed digest', () => {
    const dir = projects.bentofile.dir;
    nx(['run', 'adder-bentofile:publish', `--registry=${environment.registry}`]);
    const before = { bento: readHandoff<BentoHandoff>(dir, 'bento'), push: readHandoff<PushHandoff>(dir, 'push') };
    write(`${dir}/project.json`, JSON.stringify({ name: 'adder-bentofile', tags: ['team:math'] }, null, 2));
    const output = nx(['run', 'adder-bentofile:publish', `--registry=${environment.registry}`]).stdout;
    // Nx's task hash changed (the project's configuration is part of it), the Bento's inputs did not.
    expect(output).toContain(`Bento ${before.bento.tag} already built from these inputs; not rebuilding.`);
    expect(output).not.toContain('Building the Bento');
    expect(readHandoff<BentoHandoff>(dir, 'bento').version).toBe(before.bento.version);
    const push = readHandoff<PushHandoff>(dir, 'push');
    expect(push.pushed.map(({ tag, digest, status }) => ({ tag, digest, status }))).toEqual(
      before.push.pushed.map(({ tag, digest }) => ({ tag, digest, status: 'up-to-date' })),
    );
  });

  it('builds a Hugging Face model service offline from the local cache; a new commit of the revision rebuilds; its image starts offline', async () => {
    // A Hugging Face cache as huggingface_hub writes it; no hub is reachable here.
    const cache = file('.hf-cache');
    const env = { ...workspace.taskEnv, HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '1' };
    const repo = `${cache}/models--${hf.repository.replace('/', '--')}`;
    const commit = (sha: string, config: string) => {
      write(`.hf-cache/models--${hf.repository.replace('/', '--')}/snapshots/${sha}/config.json`, config);
      write(`.hf-cache/models--${hf.repository.replace('/', '--')}/refs/main`, sha);
    };

    const missing = runNxUnchecked(workspace.root, ['run', 'hf-tiny:bento-build'], env);
    expect(missing.status).not.toBe(0);
    expect(`${missing.stdout}\n${missing.stderr}`).toContain(
      `${hf.dir}/service.py asks for the Hugging Face model ${hf.repository} at revision main, which is not in this machine's Hugging Face cache`,
    );

    const first = 'a'.repeat(40);
    commit(first, '{"labels": 2}');
    const built = runNx(workspace.root, ['run', 'hf-tiny:bento-build'], env).stdout;
    expect(built).toContain(`Hugging Face model ${hf.repository}@main: commit ${first} in the local cache`);
    const bento = readHandoff<BentoHandoff>(hf.dir, 'bento');
    expect(revisionInBento(bento.tag)).toEqual([expect.objectContaining({ model_id: hf.repository, revision: first })]);
    expect(runNx(workspace.root, ['run', 'hf-tiny:bento-build'], env).stdout).toContain('[local cache]');

    const second = 'b'.repeat(40);
    commit(second, '{"labels": 3}');
    expect(existsSync(repo)).toBe(true);
    const rebuilt = runNx(workspace.root, ['run', 'hf-tiny:bento-build'], env).stdout;
    expect(rebuilt).not.toContain('[local cache]');
    const after = readHandoff<BentoHandoff>(hf.dir, 'bento');
    expect(after.version).not.toBe(bento.version);
    expect(revisionInBento(after.tag)).toEqual([expect.objectContaining({ model_id: hf.repository, revision: second })]);

    // The image holds the weights (hf-models/, a layer of its own): it starts and reads the model with no network at all.
    const containerized = runNx(workspace.root, ['run', 'hf-tiny:containerize'], env).stdout;
    expect(containerized).toMatch(
      new RegExp(`hf-models/models--${hf.repository.replace('/', '--')} \\(\\d+\\.\\d KB\\) in layers of their own`),
    );
    const image = JSON.parse(readFileSync(file(`dist/${hf.dir}/image/image.json`), 'utf8')).imageId as string;
    expect(await requestWithoutNetwork(environment.docker, image, '/config', {})).toMatch(/\{\\?"labels\\?": 3\}/);
  });

  it('publishes a Hugging Face model service from an empty Hugging Face cache through a reachable hub; a new commit on main publishes anew', async () => {
    // A private model on a stand-in hub; this machine's Hugging Face cache is empty.
    const token = `hf_${randomBytes(12).toString('hex')}`;
    const hub = await startStandInHub(hf.repository, token);
    const hfHome = mkdtempSync(join(tmpdir(), 'nx-bentoml-hf-home-'));
    const env = { ...workspace.taskEnv, HF_HOME: hfHome, HF_ENDPOINT: hub.endpoint, HF_TOKEN: token };
    const publish = async () => {
      const result = await runNxAsync(workspace.root, ['run', 'hf-tiny:publish', `--registry=${environment.registry}`], env);
      const latest = readHandoff<PushHandoff>(hf.dir, 'push').pushed.find((entry) => entry.tag === 'latest')!;
      return { output: `${result.stdout}\n${result.stderr}`, bento: readHandoff<BentoHandoff>(hf.dir, 'bento'), latest };
    };
    const snapshot = (commit: string) =>
      join(hfHome, 'hub', `models--${hf.repository.replace('/', '--')}`, 'snapshots', commit, 'config.json');
    try {
      const first = hub.commit({ 'config.json': '{"labels": 4}' });
      const before = await publish();
      expect(before.output).toContain(`Hugging Face model ${hf.repository}@main: commit ${first} at ${hub.endpoint}`);
      expect(revisionInBento(before.bento.tag)).toEqual([
        expect.objectContaining({ model_id: hf.repository, revision: first, endpoint: hub.endpoint }),
      ]);
      // Fetched as BentoML fetches it: huggingface_hub's snapshot into this machine's cache, then into the image.
      expect(readFileSync(snapshot(first), 'utf8')).toBe('{"labels": 4}');
      expect(await requestWithoutNetwork(environment.docker, before.latest.reference, '/config', {})).toMatch(/\{\\?"labels\\?": 4\}/);

      // The hub asked again, the same commit: the Bento comes from Nx's cache.
      expect((await runNxAsync(workspace.root, ['run', 'hf-tiny:bento-build'], env)).stdout).toContain('[local cache]');

      const second = hub.commit({ 'config.json': '{"labels": 6}' });
      const after = await publish();
      expect(after.output).toContain(`Hugging Face model ${hf.repository}@main: commit ${second} at ${hub.endpoint}`);
      expect(after.output).toContain(`Building the Bento of ${hf.dir}`);
      expect(after.bento.version).not.toBe(before.bento.version);
      expect(revisionInBento(after.bento.tag)).toEqual([expect.objectContaining({ model_id: hf.repository, revision: second })]);
      expect(after.latest.digest).not.toBe(before.latest.digest);
      expect(await requestWithoutNetwork(environment.docker, after.latest.reference, '/config', {})).toMatch(/\{\\?"labels\\?": 6\}/);

      // The token reached the hub only: no output, hand-off, cache entry, Bento, Hugging Face cache or image holds it.
      for (const output of [before.output, after.output]) expect(output).not.toContain(token);
      const holding = [file('dist'), file('.nx'), workspace.taskEnv.BENTOML_HOME, hfHome].flatMap((dir) => filesHolding(dir, token));
      expect(holding).toEqual([]);
      const image = await environment.docker.getImage(after.latest.reference).inspect();
      expect(JSON.stringify(image)).not.toContain(token);
    } finally {
      await hub.close();
      rmSync(hfHome, { recursive: true, force: true });
    }
  });

  it('nx affected names exactly the project whose files changed, whatever its form, and the services of a shared library', () => {
    runOrThrow('git', ['add', '-A'], workspace.root);
    runOrThrow('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'commit', '-qm', 'after the builds'], workspace.root);
    const changes = {
      'adder-pyproject': `${projects.pyproject.dir}/pyproject.toml`,
      'adder-code': `${projects.code.dir}/service.py`,
      'adder-bentofile': `${projects.bentofile.dir}/bentofile.yaml`,
      'store-adder': `${store.dir}/service.py`,
      'hf-tiny': `${hf.dir}/service.py`,
    };
    for (const [project, changed] of Object.entries(changes)) {
      appendFileSync(file(changed), '\n# touched\n');
      const affected = JSON.parse(nx(['show', 'projects', '--affected', '--base=HEAD', '--json']).stdout) as string[];
      runOrThrow('git', ['checkout', '--', changed], workspace.root);
      expect([changed, affected]).toEqual([changed, [project]]);
    }
    // The pyproject service packs the shared library: a change there affects both, and no other.
    appendFileSync(file('libs/addkit/addkit/__init__.py'), '\n# touched\n');
    const affected = JSON.parse(nx(['show', 'projects', '--affected', '--base=HEAD', '--json']).stdout) as string[];
    runOrThrow('git', ['checkout', '--', 'libs/addkit/addkit/__init__.py'], workspace.root);
    expect(affected.sort()).toEqual(['adder-pyproject', 'addkit']);
  });

  it("builds every form on the plugin's baseImage from nx.json, whatever base image the service names", async () => {
    // A second tag of the machine's base image: the same layers under a name only the option gives.
    const [repo, tag] = overridden.baseImage.split(':');
    await environment.docker.getImage(environment.baseImage).tag({ repo, tag });
    const missing = 'absent/python:3.11';
    write(
      `${overridden.code.dir}/service.py`,
      service(
        overridden.code.bento,
        `@bentoml.service(name="${overridden.code.bento}", image=bentoml.images.Image(base_image="${missing}", python_version="3.11"))`,
      ),
    );
    write(
      `${overridden.pyproject.dir}/pyproject.toml`,
      `[project]\nname = "${overridden.pyproject.bento}"\nversion = "0.1.0"\ndependencies = []\n\n` +
        `[tool.bentoml.build]\nservice = "service:Adder"\n\n[tool.bentoml.build.docker]\nbase_image = "${missing}"\npython_version = "3.11"\n`,
    );
    write(`${overridden.pyproject.dir}/service.py`, service(overridden.pyproject.bento, '@bentoml.service'));
    const nxJson = readFileSync(file('nx.json'), 'utf8');
    const config = JSON.parse(nxJson) as { plugins: Array<string | { plugin: string; options?: object }> };
    config.plugins = config.plugins.map((entry) =>
      (typeof entry === 'string' ? entry : entry.plugin) === 'nx-bentoml'
        ? { plugin: 'nx-bentoml', options: { ...(typeof entry === 'string' ? {} : entry.options), baseImage: overridden.baseImage } }
        : entry,
    );
    writeFileSync(file('nx.json'), JSON.stringify(config, null, 2));
    try {
      const shown = JSON.parse(nx(['show', 'project', 'override-code', '--json']).stdout);
      expect(shown.targets['bento-build'].options).toEqual(expect.objectContaining({ baseImage: overridden.baseImage }));
      nx(['run-many', '-t', 'containerize', '--projects=override-*', '--parallel=1']);
      const baseLayers = (await environment.docker.getImage(overridden.baseImage).inspect()).RootFS.Layers ?? [];
      for (const { dir } of [overridden.code, overridden.pyproject]) {
        const bento = JSON.parse(readFileSync(file(`dist/${dir}/bento/bento.json`), 'utf8')) as { baseImage?: { image: string } };
        expect([dir, bento.baseImage?.image]).toEqual([dir, overridden.baseImage]);
        const imageId = JSON.parse(readFileSync(file(`dist/${dir}/image/image.json`), 'utf8')).imageId as string;
        const layers = (await environment.docker.getImage(imageId).inspect()).RootFS.Layers ?? [];
        expect([dir, layers.slice(0, baseLayers.length)]).toEqual([dir, baseLayers]);
      }
    } finally {
      writeFileSync(file('nx.json'), nxJson);
    }
  });
});

/** The files under `dir` (symbolic links not followed) whose bytes contain `text`. */
function filesHolding(dir: string, text: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((path) => join(dir, path))
    .filter((path) => lstatSync(path).isFile() && readFileSync(path).includes(text));
}
