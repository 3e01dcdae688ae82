import { useTempDir } from '../../testing/temp-dir';
import { bentoKey, resolveInputSelection } from './bento-key';

describe('resolveInputSelection', () => {
  const workspace = useTempDir('bento-key-');

  it("applies each group's negations to that group only, and leaves out what no Bento packs", async () => {
    for (const file of ['apps/svc/serve.py', 'apps/svc/notes.md', 'apps/svc/.venv/lib/x.py', 'libs/text/notes.md']) workspace.write(file);
    const resolved = await resolveInputSelection(workspace.dir, {
      fileSets: [
        { globs: ['apps/svc/**/*'], negations: ['apps/svc/*.md'] },
        { globs: ['libs/text/**/*'], negations: [] },
      ],
      values: [],
    });
    expect(resolved.files.sort()).toEqual(['apps/svc/serve.py', 'libs/text/notes.md']);
  });

  it("reads the values in the selection's order: a command's output, an env value, a package version", async () => {
    process.env['BENTO_KEY_TEST'] = 'a';
    try {
      const resolved = await resolveInputSelection(workspace.dir, {
        fileSets: [],
        // A string, not a number: console.log colours numbers where FORCE_COLOR is set (Nx sets it for tasks).
        values: [
          { runtime: 'node -e "console.log(String(1 + 1))"' },
          { env: 'BENTO_KEY_TEST' },
          { external: 'npm:left-pad', version: '1.3.0' },
        ],
      });
      expect(resolved.values).toEqual(['runtime\n2\n', 'env BENTO_KEY_TEST=a', 'external npm:left-pad=1.3.0']);
    } finally {
      delete process.env['BENTO_KEY_TEST'];
    }
  });
});

describe('bentoKey', () => {
  const workspace = useTempDir('bento-key-');

  it('hashes file contents, values and options, whatever order they were found in', async () => {
    workspace.write('a.py', 'a');
    workspace.write('b.py', 'b');
    const key = (files: string[], values = ['env X=1'], options: object = { outputPath: 'dist', python: 'python3' }) =>
      bentoKey(workspace.dir, { files, values }, { options, modelFiles: [] }).then((result) => result.key);
    const base = await key(['a.py', 'b.py']);
    expect(await key(['b.py', 'a.py'], ['env X=1'], { python: 'python3', outputPath: 'dist' })).toBe(base);
    expect(await key(['a.py'])).not.toBe(base);
    expect(await key(['a.py', 'b.py'], ['env X=2'])).not.toBe(base);
    workspace.write('b.py', 'changed');
    expect(await key(['a.py', 'b.py'])).not.toBe(base);
  });
});

describe('bentoKey across plugin versions', () => {
  const workspace = useTempDir('bento-key-pin-');

  // A changed key gives every service a new Bento version on upgrade: a rebuild and a new digest
  // everywhere. The value is the one the executor's own key code (bento-inputs-key.ts, until
  // 2026-12-06) gave for these inputs, with the version line its runtime input printed; change it
  // only on purpose, and say so in the release.
  it('keeps the key of a default project', async () => {
    workspace.write('apps/svc/src/serve.py', 'import bentoml\n');
    workspace.write('apps/svc/src/bentofile.yaml', 'service: "serve:Svc"\n');
    const inputs = {
      files: ['apps/svc/src/serve.py', 'apps/svc/src/bentofile.yaml'],
      values: ['runtime\nbentoml 1.4.39\n', 'runtime\niris:latest iris:v1 0123456789abcdef\n'],
    };
    const { key } = await bentoKey(workspace.dir, inputs, {
      options: { outputPath: 'dist/apps/svc/bento', buildDir: 'apps/svc/src' },
      modelFiles: [],
    });
    expect(key).toBe('07b3daa92751396172501ea29a450b1f87d79e8be6d9fd3ab031fb9fe38f4eec');
  });
});
