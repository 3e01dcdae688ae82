import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ChainWorkspace, createChainWorkspace } from './support/chain-workspace';
import { pullImage, removeImageEverywhere, removeRepositoryImages } from './support/container';
import { type ChainEnvironment, requireChainEnvironment } from './support/environment';
import { solidPng } from './support/png';
import { runNx, runNxUnchecked, runOrThrow } from './support/run';

const project = 'vision';
/** As scripts/setup-environment.sh pins it for the workspace's interpreter; the image installs the same. */
const pillow = 'pillow==13.0.0';
const smokeTestLabel = 'dev.nx-bentoml.smoke-test';

/** An upload API as BentoML 1.4's docs write one: a PIL image and a plain field, as multipart/form-data. */
const classifyApi = `
    @bentoml.api
    def classify(self, image: Image, threshold: float = 0.5) -> dict:
        """Colour statistics of an uploaded image; bright when its mean brightness passes the threshold."""
        rgb = np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0
        mean = rgb.mean(axis=(0, 1))
        return {
            "size": [image.width, image.height],
            "format": image.format,
            "mean": [round(float(value), 6) for value in mean],
            "bright": bool(mean.mean() > threshold),
        }
`;

/** The generated predict request, and an upload of samples/orange.png (4x2, RGB 200,100,50: mean 0.784, 0.392, 0.196) with a field. */
const upload = (expectSubset: unknown) => ({
  requests: [
    { endpoint: '/predict', request: { input: [[5.1, 3.5, 1.4, 0.2]] }, expect: ['setosa'] },
    {
      name: 'upload',
      endpoint: '/classify',
      multipart: { image: { file: 'samples/orange.png' }, threshold: 0.4 },
      expectSubset,
      tolerance: { absolute: 0.01 },
    },
  ],
});

/**
 * A service whose API takes an image upload (Pillow), published to the authenticated registry and
 * smoke-tested from the registry's image with a multipart request; a wrong expectation fails with
 * one message and leaves no container.
 */
describe('smoke-testing an image-upload API', () => {
  let environment: ChainEnvironment;
  let workspace: ChainWorkspace;
  const imageName = `upload-${Date.now().toString(36)}/${project}`;
  const file = (path: string) => join(workspace.root, path);
  const smokeTest = (sampleRequest: string) =>
    // The image under test is the one image.json names, pulled back from the registry: no containerize before it.
    runNxUnchecked(
      workspace.root,
      ['run', `${project}:smoke-test`, `--sampleRequest=apps/${project}/${sampleRequest}`, '--excludeTaskDependencies'],
      workspace.taskEnv,
    );
  const smokeTestContainers = () =>
    environment.docker.listContainers({ all: true, filters: { label: [`${smokeTestLabel}=${project}`] } }).then((list) => list.length);

  beforeAll(async () => {
    environment = await requireChainEnvironment();
    workspace = createChainWorkspace('upload-ws', environment);
    runNx(
      workspace.root,
      [
        'g',
        'nx-bentoml:service',
        project,
        `--baseImage=${environment.baseImage}`,
        `--registry=${environment.registry}`,
        `--imageName=${imageName}`,
        '--pythonPackages=scikit-learn==1.9.1',
        `--pythonPackages=${pillow}`,
        '--no-interactive',
      ],
      workspace.taskEnv,
    );
    const servePy = file(`apps/${project}/src/serve.py`);
    const generated = readFileSync(servePy, 'utf8');
    expect(generated).toContain('import numpy as np\n');
    writeFileSync(
      servePy,
      `${generated.replace('import numpy as np\n', 'import numpy as np\nfrom PIL.Image import Image\n')}${classifyApi}`,
    );
    mkdirSync(file(`apps/${project}/samples`));
    writeFileSync(file(`apps/${project}/samples/orange.png`), solidPng(4, 2, [200, 100, 50]));
    writeFileSync(
      file(`apps/${project}/smoke-test.json`),
      JSON.stringify(upload({ size: [4, 2], format: 'PNG', mean: [0.78, 0.39, 0.2], bright: true }), null, 2),
    );
    writeFileSync(file(`apps/${project}/smoke-test-wrong.json`), JSON.stringify(upload({ size: [4, 2], bright: false }), null, 2));
    runOrThrow(file('.venv/bin/python'), [file(`apps/${project}/train.py`)], workspace.root, undefined, workspace.taskEnv);
  });

  afterAll(async () => {
    if (environment) await removeRepositoryImages(environment.docker, imageName).catch(() => undefined);
    workspace?.cleanup();
  });

  it('publishes the service with pillow and checks the image pulled back from the registry with a multipart upload', async () => {
    expect(readFileSync(file(`apps/${project}/src/bentofile.yaml`), 'utf8')).toContain(`- "${pillow}"`);
    runNx(workspace.root, ['run', `${project}:publish`], workspace.taskEnv);
    const push = JSON.parse(readFileSync(file(`dist/apps/${project}/push/push.json`), 'utf8')) as {
      imageId: string;
      pushed: Array<{ reference: string }>;
    };
    await removeImageEverywhere(environment.docker, push.imageId);
    await pullImage(environment.docker, push.pushed[0].reference, {
      username: environment.username,
      password: environment.password,
      serveraddress: environment.registry,
    });

    const result = smokeTest('smoke-test.json');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Request 1/2: POST /predict answered ["setosa"], as expected.');
    expect(result.stdout).toContain(
      'Request 2/2 "upload": POST /classify answered {"size":[4,2],"format":"PNG","mean":[0.784314,0.392157,0.196078],"bright":true}, as expected.',
    );
    expect(await smokeTestContainers()).toBe(0);
  });

  it('fails on a wrong expectation with one message naming the request, what was sent and what came back, and removes the container', async () => {
    const result = smokeTest('smoke-test-wrong.json');
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.status).not.toBe(0);
    const png = solidPng(4, 2, [200, 100, 50]).length;
    expect(output).toContain(
      [
        '1 of 2 requests in apps/vision/smoke-test-wrong.json did not answer as expected.',
        'Request 2/2 "upload" (POST /classify) failed: at $.bright: expected false, got true.',
        `  sent:     POST /classify, multipart/form-data image=@samples/orange.png (image/png, ${png} bytes), threshold="0.4"`,
        '  expected: HTTP 2xx, JSON containing {"size":[4,2],"bright":false} (numbers ±0.01)',
        // As BentoML wrote it.
        '  answered: HTTP 200 (application/json) {"size": [4, 2], "format": "PNG", "mean": [0.784314, 0.392157, 0.196078], "bright": true}',
      ].join('\n'),
    );
    expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(await smokeTestContainers()).toBe(0);
  });
});
