import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tar from 'tar-stream';
import { fakeModelFiles, tarOf } from '../../testing/fake-bentoml';
import { modelDigest } from '../bentoml/bento-archive';
import { UserError } from '../errors';
import { assertBentoMatchesWorkspace, checkBento } from './bento-check';

describe('a restored Bento checked against the workspace', () => {
  let root: string;
  const archive = () => join(root, 'dist/apps/classifier/bento/bento.tar');
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const sources = () => ({ workspaceRoot: root, buildDir: join(root, 'apps/classifier/src') });
  const rebuild = 'nx run classifier:bento-build --skip-nx-cache';
  const bento = { tag: 'iris_classifier:nx1', modelDigests: {} as Record<string, string> };
  const pack = async (files: Record<string, string>) => writeFileSync(archive(), await tarOf(files));
  const refusal = async (record = bento) =>
    assertBentoMatchesWorkspace(archive(), record, sources(), rebuild).then(
      () => '',
      (error: Error) => (expect(error).toBeInstanceOf(UserError), error.message),
    );

  /** The Bento bento-build makes of the workspace: its files as BentoML copies them, and what BentoML writes itself. */
  const genuine = {
    'bento.yaml': 'service: serve:Classifier\n',
    'README.md': '# generated\n',
    'apis/openapi.yaml': 'openapi: 3.0.2\n',
    'env/python/requirements.txt': 'scikit-learn==1.5.0\n',
    'env/docker/Dockerfile': 'FROM python:3.11-slim\n',
    'src/bentofile.yaml': 'service: serve:Classifier\ninclude:\n  - "*.py"\n  - "features/**"\n',
    'src/serve.py': 'import bentoml\n',
    'src/util/text.py': 'def clean(x):\n    return x\n',
    'src/features/__init__.py': 'FEATURES = 4\n',
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'bento-check-'));
    write(
      'apps/classifier/src/bentofile.yaml',
      'service: serve:Classifier\ninclude:\n  - "*.py"\n  - "../../../libs/features/features/**"\n',
    );
    write('apps/classifier/src/serve.py', 'import bentoml\n');
    write('apps/classifier/src/util/text.py', 'def clean(x):\n    return x\n');
    write('libs/features/features/__init__.py', 'FEATURES = 4\n');
    mkdirSync(dirname(archive()), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("passes the Bento of the workspace's files, shared library included; what BentoML generates or rewrites is not compared", async () => {
    await pack(genuine);
    expect(await checkBento(archive(), bento, sources())).toEqual({ compared: 3, notInWorkspace: 0, mismatches: [] });
    expect(await refusal()).toBe('');
  });

  it('refuses a one-byte change in the service module, naming its workspace path, with nothing built and how to rebuild', async () => {
    await pack({ ...genuine, 'src/serve.py': 'import bentomL\n' });
    expect(await refusal()).toBe(
      'apps/classifier/src/serve.py differs from the file the Bento packs as src/serve.py (the Bento iris_classifier:nx1 in dist/apps/classifier/bento/bento.tar): ' +
        'the Bento restored from the Nx cache does not match the workspace, a poisoned or corrupted cache entry. Nothing was built or pushed. ' +
        'Build the Bento again with "nx run classifier:bento-build --skip-nx-cache", and check who can write to the remote cache: only CI runs on the default branch should.',
    );
  });

  it('names the shared library by its workspace path, and a second copy of a name that would overwrite the first', async () => {
    writeFileSync(
      archive(),
      Buffer.concat([
        (await tarOf({ ...genuine, 'src/features/__init__.py': 'FEATURES = 5\n' })).subarray(0, -1024),
        await tarOf({ 'src/serve.py': 'import os; os.system("curl evil")\n' }),
      ]),
    );
    const message = await refusal();
    expect(message).toContain(
      'libs/features/features/__init__.py differs from the file the Bento packs as src/features/__init__.py; apps/classifier/src/serve.py differs from the file the Bento packs as src/serve.py (',
    );
  });

  it('refuses a link where the workspace has a file, and an entry leading out of the Bento', async () => {
    const packer = tar.pack();
    packer.entry({ name: './src/serve.py', type: 'symlink', linkname: '../../evil.py' });
    packer.entry({ name: './src/../../escape.py' }, 'x');
    packer.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of packer) chunks.push(chunk as Buffer);
    writeFileSync(archive(), Buffer.concat(chunks));
    const { mismatches } = await checkBento(archive(), bento, sources());
    expect(mismatches).toEqual([
      { bentoPath: 'src/serve.py', workspacePath: 'apps/classifier/src/serve.py', problem: 'is a file, where the Bento packs a symlink' },
      { bentoPath: '../escape.py', problem: 'leads out of the Bento' },
    ]);
  });

  it('leaves out a src/ file the workspace lacks (excluded there, or ignored by git on the machine that built it)', async () => {
    await pack({ ...genuine, 'src/generated_schema.py': 'SCHEMA = {}\n' });
    expect(await checkBento(archive(), bento, sources())).toEqual({ compared: 3, notInWorkspace: 1, mismatches: [] });
  });

  it('reads the build file bento-build names, and leaves it out as the build file it restages', async () => {
    write('apps/classifier/pyproject.toml', '[tool.bentoml.build]\nservice = "src.serve:Classifier"\n');
    const record = {
      workspaceRoot: root,
      buildDir: join(root, 'apps/classifier'),
      bentofilePath: join(root, 'apps/classifier/pyproject.toml'),
    };
    writeFileSync(
      archive(),
      await tarOf({ 'src/pyproject.toml': '[tool.bentoml.build]\n# restaged\n', 'src/src/serve.py': 'import bentoml\n' }),
    );
    expect(await checkBento(archive(), bento, record)).toEqual({ compared: 1, notInWorkspace: 0, mismatches: [] });
  });

  describe('store models', () => {
    it('refuses a store model whose files have another digest than the one bento-build recorded, naming it', async () => {
      await pack({ ...genuine, ...fakeModelFiles });
      const record = { ...bento, modelDigests: { 'classifier_model:abc': 'sha256:recorded' } };
      expect(await refusal(record)).toMatch(
        /^models\/classifier_model\/abc holds the store model classifier_model:abc with the digest sha256:[0-9a-f]{64}, not the sha256:recorded bento-build recorded \(the Bento/,
      );
    });

    it('refuses a store model inside bento.tar even with the digest recorded beside it: one cache entry holds both', async () => {
      await pack({ ...genuine, ...fakeModelFiles });
      const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
      const digest = modelDigest([
        ['model.yaml', sha256(fakeModelFiles['models/classifier_model/abc/model.yaml'])],
        ['saved_model.pkl', sha256(fakeModelFiles['models/classifier_model/abc/saved_model.pkl'])],
      ]);
      expect((await checkBento(archive(), { modelDigests: { 'classifier_model:abc': digest } }, sources())).mismatches).toEqual([
        {
          bentoPath: 'models/classifier_model/abc',
          problem:
            'holds the store model classifier_model:abc, which bento-build leaves in the BentoML store: the image would be built with this copy instead',
        },
      ]);
    });
  });

  describe('a Bento from before bento.json recorded model digests', () => {
    const old = { tag: 'iris_classifier:nx1' };

    it('checks its source files all the same', async () => {
      await pack({ ...genuine, 'src/serve.py': 'import bentomL\n' });
      expect(await refusal(old as typeof bento)).toMatch(
        /^apps\/classifier\/src\/serve.py differs from the file the Bento packs as src\/serve.py/,
      );
      await pack(genuine);
      expect(await refusal(old as typeof bento)).toBe('');
    });

    it('refuses the models it packs, which nothing recorded can vouch for, and says to rebuild', async () => {
      await pack({ ...genuine, ...fakeModelFiles });
      expect(await refusal(old as typeof bento)).toMatch(
        /^models\/classifier_model\/abc holds the store model classifier_model:abc, which bento\.json records no digest for \(an nx-bentoml that kept models in bento\.tar wrote it, or it was altered\): it cannot be checked \(.*Build the Bento again with "nx run classifier:bento-build --skip-nx-cache"/,
      );
    });
  });

  it('refuses a missing or unreadable bento.tar as a damaged cache entry', async () => {
    expect(await refusal()).toMatch(
      /^dist\/apps\/classifier\/bento\/bento\.tar is missing: the Bento restored from the Nx cache does not match/,
    );
    writeFileSync(archive(), Buffer.alloc(700, 7));
    expect(await refusal()).toMatch(
      /^dist\/apps\/classifier\/bento\/bento\.tar is not a tar archive nx-bentoml can read \(.+\): the Bento restored/,
    );
  });

  it('reports a build config it cannot read as the build config, not as the cache entry', async () => {
    await pack(genuine);
    write('apps/classifier/src/bentofile.yaml', 'service: [unclosed');
    expect(await refusal()).toMatch(/^apps\/classifier\/src\/bentofile\.yaml:1:\d+/);
  });
});
