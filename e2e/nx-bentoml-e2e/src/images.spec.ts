import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ChainWorkspace, createChainWorkspace } from './support/chain-workspace';
import { removeRepositoryImages } from './support/container';
import { type ChainEnvironment, requireChainEnvironment } from './support/environment';
import { runNx, runNxUnchecked, runOrThrow } from './support/run';
import { filesUnder, searchStream } from './support/search';

interface PushHandoff {
  imageId: string;
  pushed: Array<{ tag: string; digest: string; status: string }>;
}

interface Manifest {
  layers: Array<{ digest: string; size: number }>;
}

/** Bytes of the model: random, so compression cannot hide a re-upload. */
const modelBytes = 40 * 1024 * 1024;

/**
 * Images as `bentoml containerize` builds them, with each model in a layer of its own: two
 * services written by hand that pack the same large store model, published to the authenticated
 * registry; what reaches the registry is read from its manifests and its own request log.
 */
describe('images as BentoML builds them, weights in their own layers', () => {
  let environment: ChainEnvironment;
  let workspace: ChainWorkspace;
  const run = Date.now().toString(36);
  const services = { a: { dir: 'models/weights-a', bento: `weights-a-${run}` }, b: { dir: 'models/weights-b', bento: `weights-b-${run}` } };
  const modelName = `big_weights_${run}`;
  /** A service whose build step reads a build-stage variable, as a private package index's token is read. */
  const secretService = { dir: 'models/build-secret', bento: `build-secret-${run}`, variable: 'NXB_INDEX_TOKEN' };
  const secretValue = `tok-${run}-f3a9c0de7b`;
  const file = (path: string) => join(workspace.root, path);
  const write = (path: string, content: string) => {
    mkdirSync(dirname(file(path)), { recursive: true });
    writeFileSync(file(path), content);
  };
  const nx = (args: string[]) => runNx(workspace.root, args, workspace.taskEnv);
  const auth = () => `Basic ${Buffer.from(`${environment.username}:${environment.password}`).toString('base64')}`;
  const manifest = async (repository: string, tag: string): Promise<Manifest> => {
    const response = await fetch(`http://${environment.registry}/v2/${repository}/manifests/${tag}`, {
      headers: {
        authorization: auth(),
        accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
      },
    });
    if (!response.ok) throw new Error(`GET ${repository}/manifests/${tag} answered ${response.status}`);
    return (await response.json()) as Manifest;
  };
  const pushed = (dir: string) => JSON.parse(readFileSync(file(`dist/${dir}/push/push.json`), 'utf8')) as PushHandoff;
  /** The registry's request log: each blob upload ends with a PUT naming the blob's digest. */
  const registryLog = () => readFileSync(join(process.env['NX_BENTOML_ENV_DIR'] as string, 'registry', 'registry.log'), 'utf8');
  const uploadsOf = (repository: string, digest: string) =>
    registryLog()
      .split('\n')
      .filter((line) => line.includes(`"PUT /v2/${repository}/blobs/uploads/`) && line.includes(`digest=${encodeURIComponent(digest)}`))
      .length;
  /** BentoML's Dockerfile ends with the model layers, the COPY of the Bento and one RUN: the only model is third from the end. */
  const modelLayer = (image: Manifest) => {
    const layer = image.layers[image.layers.length - 3];
    return layer && layer.size >= modelBytes && layer.size < modelBytes * 1.01 ? layer : undefined;
  };

  beforeAll(async () => {
    environment = await requireChainEnvironment();
    workspace = createChainWorkspace('images-ws', environment);
    // One model, exported once and kept by both projects, as a team shares a model file.
    const exported = file('shared/big_weights.bentomodel');
    mkdirSync(dirname(exported), { recursive: true });
    runOrThrow(
      environment.python,
      [
        '-c',
        `import bentoml, random\nwith bentoml.models.create("${modelName}") as model:\n` +
          `    open(model.path_of("weights.bin"), "wb").write(random.Random(7).randbytes(${modelBytes}))\n` +
          `bentoml.models.export_model(model.tag, "${exported}")\n`,
      ],
      workspace.root,
      undefined,
      workspace.taskEnv,
    );
    for (const { dir, bento } of Object.values(services)) {
      write(
        `${dir}/service.py`,
        `import os\n\nimport bentoml\n\n\n@bentoml.service(name="${bento}")\nclass Weights:\n` +
          `    weights = bentoml.models.BentoModel("${modelName}:latest")\n\n` +
          `    def __init__(self):\n        self.weight_bytes = os.path.getsize(self.weights.path_of("weights.bin"))\n\n` +
          `    @bentoml.api\n    def size(self) -> int:\n        return self.weight_bytes\n`,
      );
      write(
        `${dir}/bentofile.yaml`,
        `service: "service:Weights"\ninclude:\n  - "*.py"\ndocker:\n  base_image: "${environment.baseImage}"\n  python_version: "3.11"\n`,
      );
      write(`${dir}/smoke-test.json`, JSON.stringify({ endpoint: '/size', request: {}, expect: modelBytes }));
      copyFileSync(exported, file(`${dir}/big_weights.bentomodel`));
    }
    // BentoML prefixes each build command with the variable read from its secret mount.
    // Named after the run: BuildKit keys a step's cache without its secrets, so a step of an earlier run on this engine would be reused.
    const buildStep = `sh -c 'printf %s "$${secretService.variable}" | sha256sum > /home/bentoml/token-${run}.sha256'`;
    write(
      `${secretService.dir}/service.py`,
      `import bentoml\n\nimage = bentoml.images.Image(base_image="${environment.baseImage}", python_version="3.11").run(${JSON.stringify(buildStep)})\n\n\n` +
        `@bentoml.service(name="${secretService.bento}", image=image, envs=[{"name": "${secretService.variable}", "stage": "build"}])\n` +
        `class Echo:\n    @bentoml.api\n    def echo(self, text: str) -> str:\n        return text\n`,
    );
    appendFileSync(file('.gitignore'), '\n__pycache__/\n');
    runOrThrow('git', ['add', '-A'], workspace.root);
    runOrThrow('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'commit', '-qm', 'services'], workspace.root);
  });

  afterAll(async () => {
    if (environment)
      for (const { bento } of [...Object.values(services), secretService])
        await removeRepositoryImages(environment.docker, bento).catch(() => undefined);
    workspace?.cleanup();
  });

  it('publishes with BuildKit, the model in a layer of its own that the gate proves BentoML finds', async () => {
    const output = nx(['run', 'weights-a:publish', `--registry=${environment.registry}`]).stdout;
    expect(output).toMatch(new RegExp(`Building with BuildKit, models/${modelName} \\(\\d+\\.\\d MB\\) in layers of their own`));
    expect(output).toContain(`POST /size answered ${modelBytes}, as expected.`);
    const image = await manifest(services.a.bento, 'latest');
    expect(modelLayer(image)).toBeDefined();
    expect(statSync(file(`${services.a.dir}/big_weights.bentomodel`)).size).toBeGreaterThan(modelBytes);
  });

  it('a code-only change pushes only small layers: the model layer is the same blob', async () => {
    const before = await manifest(services.a.bento, 'latest');
    const model = modelLayer(before)!;
    appendFileSync(file(`${services.a.dir}/service.py`), '\n# A comment is a change of the service code.\n');
    const output = nx(['run', 'weights-a:publish', `--registry=${environment.registry}`]).stdout;
    // The same requirements: BentoML's lock of the first build, not a new resolution that could move the dependency layer.
    expect(output).toContain('Python packages: the lock resolved before for these same requirements');
    const after = await manifest(services.a.bento, 'latest');
    expect(pushed(services.a.dir).pushed.map((entry) => entry.status)).toEqual(['pushed', 'pushed']);
    expect(after).not.toEqual(before);
    expect(modelLayer(after)?.digest).toBe(model.digest);
    const known = new Set(before.layers.map((layer) => layer.digest));
    const newBytes = after.layers.filter((layer) => !known.has(layer.digest)).reduce((sum, layer) => sum + layer.size, 0);
    expect(newBytes).toBeGreaterThan(0);
    expect(newBytes).toBeLessThan(0.05 * modelBytes);
    expect(uploadsOf(services.a.bento, model.digest)).toBe(1);
  });

  it('two services packing the same model share its layer digest; the second push mounts it instead of uploading', async () => {
    const model = modelLayer(await manifest(services.a.bento, 'latest'))!;
    nx(['run', 'weights-b:publish', `--registry=${environment.registry}`]);
    expect(modelLayer(await manifest(services.b.bento, 'latest'))?.digest).toBe(model.digest);
    expect(uploadsOf(services.b.bento, model.digest)).toBe(0);
    expect(registryLog()).toContain(
      `"POST /v2/${services.b.bento}/blobs/uploads/?from=${services.a.bento}&mount=${encodeURIComponent(model.digest)}`,
    );
  });

  it('a build-stage variable reaches the build step as a BuildKit secret, and no layer, history, log, output or cache', async () => {
    const project = 'build-secret';
    const unset = runNxUnchecked(workspace.root, ['run', `${project}:containerize`], workspace.taskEnv);
    expect(unset.status).not.toBe(0);
    expect(unset.stdout + unset.stderr).toContain(
      `The Bento reads the build-stage environment variable ${secretService.variable} (envs with stage: build) in its build steps, and it is not set here`,
    );
    const classic = runNxUnchecked(workspace.root, ['run', `${project}:containerize`, '--builder=classic'], {
      ...workspace.taskEnv,
      [secretService.variable]: secretValue,
    });
    expect(classic.status).not.toBe(0);
    expect(classic.stdout + classic.stderr).toContain('which only BuildKit passes to a build, as secrets');

    const built = runNx(workspace.root, ['run', `${project}:containerize`], {
      ...workspace.taskEnv,
      [secretService.variable]: secretValue,
    });
    expect(built.stdout).toContain(`${secretService.variable} as BuildKit secrets.`);
    expect(built.stdout + built.stderr).not.toContain(secretValue);
    const imageId = JSON.parse(readFileSync(file(`dist/${secretService.dir}/image/image.json`), 'utf8')).imageId as string;
    const image = environment.docker.getImage(imageId);
    // The step read the secret: its digest is in a layer. The secret itself is in none (docker save), nor in the history.
    const found = await searchStream(await image.get(), [secretValue, createHash('sha256').update(secretValue).digest('hex')]);
    expect(found).toEqual([false, true]);
    expect(JSON.stringify(await image.history())).not.toContain(secretValue);
    const written = [...filesUnder(file('.nx')), ...filesUnder(file('dist'))].filter((path) => readFileSync(path).includes(secretValue));
    expect(written).toEqual([]);
  });

  it('the classic builder, forced, builds the same layout and the same model layer', async () => {
    const built = nx(['run', 'weights-b:containerize', '--builder=classic']).stdout;
    expect(built).toContain('Building with the classic builder');
    expect(built).toMatch(/^Step \d+\/\d+ : ADD layers\/01-models-/m);
    const imageId = JSON.parse(readFileSync(file(`dist/${services.b.dir}/image/image.json`), 'utf8')).imageId as string;
    const buildkitImage = pushed(services.b.dir).imageId;
    expect(imageId).not.toBe(buildkitImage);
    const layers = async (id: string) => (await environment.docker.getImage(id).inspect()).RootFS.Layers ?? [];
    // The model layer's content digest (diff id) is the same whichever builder made it.
    const modelDiffIds = (ids: string[]) => ids.slice(-3, -2);
    expect(modelDiffIds(await layers(imageId))).toEqual(modelDiffIds(await layers(buildkitImage)));
    expect(nx(['run', 'weights-b:smoke-test']).stdout).toContain(`POST /size answered ${modelBytes}, as expected.`);
  });
});
