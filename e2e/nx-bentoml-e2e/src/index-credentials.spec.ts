import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { type ChainWorkspace, createChainWorkspace } from './support/chain-workspace';
import { removeImageEverywhere, removeRepositoryImages } from './support/container';
import { type ChainEnvironment, requireChainEnvironment } from './support/environment';
import { startNx } from './support/background';
import { runOrThrow } from './support/run';
import { runNxAsync } from './support/run-async';
import { filesUnder, searchStream } from './support/search';

/**
 * A private package index as CI hands it over: UV_EXTRA_INDEX_URL with credentials, PyPI still
 * the main index. The index is a PEP 503 page over one wheel built here, asking for Basic
 * credentials; it listens on the Docker bridge's gateway, which this machine (bento-build's lock)
 * and the build's RUN steps (BuildKit on the bridge) both reach. The publish works, and the
 * password is in no task output, dist/, the Nx cache, the BentoML store, bento.tar or the image.
 */
describe('a package index with credentials', () => {
  let environment: ChainEnvironment;
  let workspace: ChainWorkspace;
  let index: Server;
  let indexUrl = '';
  const run = Date.now().toString(36);
  const password = `pw-${run}-5be0c7d19a`;
  const project = { dir: 'models/private-dep', name: 'private-dep', bento: `private-dep-${run}` };
  const wheelName = 'nxb_index_probe-0.1.0-py3-none-any.whl';
  const file = (path: string) => join(workspace.root, path);
  const write = (path: string, content: string) => {
    mkdirSync(dirname(file(path)), { recursive: true });
    writeFileSync(file(path), content);
  };
  const withIndex = () => ({ ...workspace.taskEnv, UV_EXTRA_INDEX_URL: indexUrl.replace('://', `://ci:${password}@`) });
  /** Every file bento-build and containerize write, and Nx's cache and workspace data, that holds the password. */
  const writtenWithPassword = () =>
    ['.nx', 'dist', '.bentoml-home'].flatMap((dir) => filesUnder(file(dir))).filter((path) => readFileSync(path).includes(password));

  beforeAll(async () => {
    environment = await requireChainEnvironment();
    workspace = createChainWorkspace('index-credentials-ws', environment);
    const wheel = file(`wheels/${wheelName}`);
    mkdirSync(dirname(wheel), { recursive: true });
    runOrThrow(environment.python, ['-c', wheelProgram, wheel], workspace.root);
    const wheelBytes = readFileSync(wheel);
    const expected = `Basic ${Buffer.from(`ci:${password}`).toString('base64')}`;
    index = createServer((request, response) => {
      if (request.headers.authorization !== expected) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="private"' }).end();
      } else if (request.url?.replace(/\/?$/, '/') === '/simple/nxb-index-probe/') {
        const sha256 = createHash('sha256').update(wheelBytes).digest('hex');
        response.writeHead(200, { 'content-type': 'text/html' }).end(`<a href="/files/${wheelName}#sha256=${sha256}">${wheelName}</a>`);
      } else if (request.url === `/files/${wheelName}`) {
        response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(wheelBytes);
      } else {
        response.writeHead(404).end();
      }
    });
    // The bridge's gateway: this machine's address that the build's RUN steps reach too (127.0.0.1 is theirs).
    const bridge = await environment.docker.getNetwork('bridge').inspect();
    const gateway = bridge.IPAM?.Config?.[0]?.Gateway;
    if (!gateway) throw new Error("The Docker Engine's bridge network has no gateway address for the build to reach the index at.");
    await new Promise<void>((resolve) => index.listen(0, gateway, resolve));
    indexUrl = `http://${gateway}:${(index.address() as AddressInfo).port}/simple`;

    write(
      `${project.dir}/service.py`,
      `import bentoml\n\nimage = bentoml.images.Image(base_image="${environment.baseImage}", python_version="3.11").python_packages("nxb-index-probe==0.1.0")\n\n\n` +
        `@bentoml.service(name="${project.bento}", image=image)\nclass Private:\n    @bentoml.api\n    def value(self) -> int:\n` +
        `        import nxb_index_probe\n\n        return nxb_index_probe.VALUE\n`,
    );
    write(`${project.dir}/smoke-test.json`, JSON.stringify({ endpoint: '/value', request: {}, expect: 42 }));
    runOrThrow('git', ['add', '-A'], workspace.root);
    runOrThrow('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'commit', '-qm', 'service'], workspace.root);
  });

  afterAll(async () => {
    index?.close();
    if (environment) await removeRepositoryImages(environment.docker, project.bento).catch(() => undefined);
    workspace?.cleanup();
  });

  it('publishes with the credentials as a BuildKit secret; the Bento records the index without them', async () => {
    // Nx runs beside this process, which serves the index meanwhile.
    const published = await runNxAsync(
      workspace.root,
      ['run', `${project.name}:publish`, `--registry=${environment.registry}`],
      withIndex(),
    );
    expect(published.stdout).toContain('UV_EXTRA_INDEX_URL as BuildKit secrets.');
    expect(published.stdout).toContain('POST /value answered 42, as expected.');
    expect(published.stdout + published.stderr).not.toContain(password);

    const lock = runOrThrow(
      'tar',
      ['-xOf', file(`dist/${project.dir}/bento/bento.tar`), '--wildcards', '*env/python/requirements.txt'],
      workspace.root,
    ).stdout;
    expect(lock).toContain(`--extra-index-url ${indexUrl}\n`);
    expect(lock).toContain(`# nx-bentoml: index credentials removed for ${new URL(indexUrl).origin}`);
    expect(writtenWithPassword()).toEqual([]);

    const imageId = JSON.parse(readFileSync(file(`dist/${project.dir}/image/image.json`), 'utf8')).imageId as string;
    const image = environment.docker.getImage(imageId);
    // Every layer (docker save), the history and the config: the package is there, the password nowhere.
    expect(await searchStream(await image.get(), [password, 'nxb_index_probe'])).toEqual([false, true]);
    expect(JSON.stringify([await image.history(), await image.inspect()])).not.toContain(password);
  });

  it('refuses the build, nothing built, where containerize has no credentials for the index or only the classic builder', async () => {
    // Without the image of the first test, which containerize would otherwise reuse.
    const built = JSON.parse(readFileSync(file(`dist/${project.dir}/image/image.json`), 'utf8')).imageId as string;
    await removeImageEverywhere(environment.docker, built);
    const unset = await startNx(workspace.root, ['run', `${project.name}:containerize`, '--skip-nx-cache'], workspace.taskEnv).done;
    expect(unset.status).not.toBe(0);
    expect(unset.stdout + unset.stderr).toContain(
      `The Bento installs Python packages from ${new URL(indexUrl).origin}, whose credentials bento-build kept out of the Bento`,
    );
    expect(unset.stdout + unset.stderr).toContain('No uv setting here holds credentials for it: set the one bento-build had');

    const classic = await startNx(
      workspace.root,
      ['run', `${project.name}:containerize`, '--skip-nx-cache', '--builder=classic'],
      withIndex(),
    ).done;
    expect(classic.status).not.toBe(0);
    expect(classic.stdout + classic.stderr).toContain('This build uses the classic builder: set "builder": "buildkit"');
    expect(classic.stdout + classic.stderr + unset.stdout + unset.stderr).not.toContain(password);
    expect(writtenWithPassword()).toEqual([]);
  });
});

/** A pure-Python wheel: one module, VALUE = 42, and the dist-info a wheel needs. */
const wheelProgram = `
import base64, hashlib, sys, zipfile
info = "nxb_index_probe-0.1.0.dist-info"
files = {
    "nxb_index_probe/__init__.py": "VALUE = 42\\n",
    f"{info}/METADATA": "Metadata-Version: 2.1\\nName: nxb-index-probe\\nVersion: 0.1.0\\n",
    f"{info}/WHEEL": "Wheel-Version: 1.0\\nGenerator: e2e\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
digest = lambda text: base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
record = [f"{path},sha256={digest(text)},{len(text)}" for path, text in files.items()] + [f"{info}/RECORD,,"]
files[f"{info}/RECORD"] = "\\n".join(record) + "\\n"
with zipfile.ZipFile(sys.argv[1], "w") as wheel:
    for path, text in files.items():
        wheel.writestr(path, text)
`;
