import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { type ChainWorkspace, createChainWorkspace } from './support/chain-workspace';
import { removeRepositoryImages } from './support/container';
import { type ChainEnvironment, requireChainEnvironment } from './support/environment';
import { type NxCacheServer, startNxCacheServer } from './support/nx-cache-server';
import { registryManifestDigest } from './support/registry';
import { runNxAsync } from './support/run-async';
import { runOrThrow } from './support/run';
import { SecondEngine } from './support/second-engine';
import { removeTempDir } from './support/temp-dir';

/**
 * The path by which teams outgrow one machine: machine 1 publishes three services with a
 * self-hosted Nx remote cache; machine 2, a fresh clone with an empty BentoML home, an empty Nx
 * cache and an empty Docker Engine of its own, plans the next commit (alpha: a README edit, so a
 * new commit tag only; beta: a code change; gamma: untouched) and publishes the unchanged ones.
 * Their Bentos come out of the remote cache (no `bentoml build`), no image is built or pulled,
 * and the new commit tag names machine 1's digest, written in the registry alone.
 */
describe('a second machine publishes from the Nx remote cache', () => {
  let environment: ChainEnvironment;
  let workspace: ChainWorkspace;
  let cache: NxCacheServer;
  let secondMachineDir: string | undefined;
  let secondEngine: SecondEngine | undefined;
  const prefix = `remote-${Date.now().toString(36)}`;
  const imageName = `${prefix}/alpha`;
  const repositoryUrl = 'https://git.example.com/ml/models.git';
  const read = (root: string, path: string) => JSON.parse(readFileSync(join(root, 'dist/apps/alpha', path), 'utf8'));

  beforeAll(async () => {
    environment = await requireChainEnvironment();
    cache = await startNxCacheServer(randomBytes(16).toString('hex'));
    workspace = createChainWorkspace('remote-cache-ws', environment);
    const git = (...args: string[]) =>
      runOrThrow('git', ['-c', 'user.email=e2e@nx-bentoml.test', '-c', 'user.name=e2e', ...args], workspace.root);
    const generate = (name: string, tags: string[]) => {
      const extra = tags.map((tag) => `--tags=${tag}`);
      runOrThrow(
        'npx',
        [
          'nx',
          'g',
          'nx-bentoml:service',
          name,
          `--baseImage=${environment.baseImage}`,
          `--registry=${environment.registry}`,
          `--imageName=${prefix}/${name}`,
          ...extra,
          '--no-interactive',
        ],
        workspace.root,
        undefined,
        workspace.taskEnv,
      );
      runOrThrow(
        join(workspace.root, '.venv/bin/python'),
        [join(workspace.root, `apps/${name}/train.py`)],
        workspace.root,
        undefined,
        workspace.taskEnv,
      );
    };
    // alpha has a commit tag (every commit writes one); beta and gamma the defaults, {bentoVersion} and latest.
    generate('alpha', ['{bentoVersion}', '{gitShortSha}', 'latest']);
    generate('beta', []);
    generate('gamma', []);
    git('add', '-A');
    git('commit', '-q', '-m', 'alpha, trained');
    // Both machines are clones of one remote, whose URL becomes the image's source label.
    git('remote', 'add', 'origin', repositoryUrl);
  });

  afterAll(async () => {
    if (environment) for (const name of ['alpha', 'beta', 'gamma']) await removeRepositoryImages(environment.docker, `${prefix}/${name}`);
    await secondEngine?.tearDown();
    await cache?.close();
    removeTempDir(secondMachineDir);
    workspace?.cleanup();
  });

  it('plans build, tag only and up to date on a fresh clone, and publishes the unchanged services with nothing built or pulled', async () => {
    // Nx shares one local cache between checkouts of a workspace on one machine; each machine gets its own.
    const localCache = (root: string) => ({ NX_CACHE_DIRECTORY: join(root, '.nx/cache') });
    await runNxAsync(workspace.root, ['run-many', '-t', 'publish', '-p', 'alpha', 'beta', 'gamma', '--parallel=1'], {
      ...workspace.taskEnv,
      ...cache.env,
      ...localCache(workspace.root),
    });
    const first = { bento: read(workspace.root, 'bento/bento.json'), push: read(workspace.root, 'push/push.json') };
    expect(first.push.pushed[0].status).toBe('pushed');
    const gammaDigest = JSON.parse(readFileSync(join(workspace.root, 'dist/apps/gamma/push/push.json'), 'utf8')).pushed[0].digest;
    expect(cache.stored.length).toBeGreaterThan(0);
    // The next commit changes no input of alpha's Bento (a new commit tag only), and beta's service code.
    appendFileSync(join(workspace.root, 'apps/alpha/README.md'), '\nMore documentation.\n');
    appendFileSync(join(workspace.root, 'apps/beta/src/serve.py'), '\n# A change to the service code.\n');
    runOrThrow(
      'git',
      ['-c', 'user.email=e2e@nx-bentoml.test', '-c', 'user.name=e2e', 'commit', '-qam', 'alpha: README, beta: code'],
      workspace.root,
    );

    // Machine 2: a clone beside the first (so the workspace's relative file: dependency on the
    // packed plugin resolves), its own BentoML home, Docker config and an empty Docker Engine.
    secondMachineDir = mkdtempSync(join(tmpdir(), 'nx-bentoml-e2e-'));
    const clone = join(secondMachineDir, basename(workspace.root));
    runOrThrow('git', ['clone', '-q', workspace.root, clone], secondMachineDir);
    runOrThrow('git', ['remote', 'set-url', 'origin', repositoryUrl], clone);
    runOrThrow('npm', ['ci', '--no-audit', '--no-fund'], clone);
    symlinkSync(dirname(dirname(environment.python)), join(clone, '.venv'));
    secondEngine = new SecondEngine(join(secondMachineDir, 'engine'), 100 + (process.pid % 50));
    await secondEngine.setUp();
    const secondEnv = {
      ...workspace.taskEnv,
      BENTOML_HOME: join(clone, '.bentoml-home'),
      DOCKER_CONFIG: join(clone, '.docker-config'),
      DOCKER_HOST: secondEngine.dockerHost,
      ...cache.env,
      ...localCache(clone),
    };
    mkdirSync(secondEnv.DOCKER_CONFIG);
    expect(existsSync(join(clone, '.nx/cache'))).toBe(false);

    // The plan: asks, builds nothing (beta's Bento is built, its image is not).
    const servedBefore = cache.served.length;
    const planned = await runNxAsync(clone, ['run-many', '-t', 'plan', '-p', 'alpha', 'beta', 'gamma', '--parallel=1'], secondEnv);
    // The Bentos came out of the remote cache: no bentoml build ran, the store holds no Bento.
    expect(planned.stdout).toMatch(/nx run alpha:bento-build\s+\[remote cache\]/);
    expect(planned.stdout).toMatch(/nx run gamma:bento-build\s+\[remote cache\]/);
    expect(cache.served.length).toBeGreaterThan(servedBefore);
    const plan = (name: string) => JSON.parse(readFileSync(join(clone, `dist/apps/${name}/plan/plan.json`), 'utf8'));
    expect([plan('alpha').action, plan('beta').action, plan('gamma').action]).toEqual(['tag', 'build', 'up-to-date']);
    expect(plan('alpha').pushBytes).toBe(0);
    expect(plan('beta').pushBytes).toBeGreaterThan(0);
    expect(await secondEngine.docker.listImages()).toEqual([]);

    const result = await runNxAsync(
      clone,
      ['run-many', '-t', 'publish', '-p', 'alpha', 'gamma', '--parallel=1', '--output-style=static'],
      secondEnv,
    );
    const output = result.stdout + result.stderr;
    expect(output).toMatch(/nx run alpha:bento-build\s+\[local cache\]/);
    // Only beta's Bento was built here (by the plan: its inputs changed); alpha's and gamma's came from the cache.
    expect(existsSync(join(secondEnv.BENTOML_HOME, 'bentos')) ? readdirSync(join(secondEnv.BENTOML_HOME, 'bentos')) : []).toEqual(['beta']);
    expect(read(clone, 'bento/bento.json').tag).toBe(first.bento.tag);

    // No image was built or pulled: the engine is as empty as it started, and image.json names the registry's image.
    expect(await secondEngine.docker.listImages()).toEqual([]);
    const digest = first.push.pushed[0].digest;
    expect(read(clone, 'image/image.json')).toMatchObject({ built: false, registryImage: { digest } });
    expect(output).toContain('nothing to build or pull');
    expect(output).not.toContain('Testing the image before');
    // The new commit tag is written in the registry with that image's manifest, not pushed from here.
    const second = read(clone, 'push/push.json');
    const [bentoTag, firstCommitTag] = first.push.pushed.map((entry: { tag: string }) => entry.tag);
    const commitTag = runOrThrow('git', ['rev-parse', '--short=7', 'HEAD'], clone).stdout.trim();
    expect(second.pushed.map((entry: { tag: string; digest: string; status: string }) => [entry.tag, entry.digest, entry.status])).toEqual([
      [bentoTag, digest, 'up-to-date'],
      [commitTag, digest, 'pushed'],
      ['latest', digest, 'up-to-date'],
    ]);
    expect(output).toContain(
      `Tagged ${environment.registry}/${imageName}:${commitTag} in the registry with ${environment.registry}/${imageName}@${digest}`,
    );
    for (const tag of [bentoTag, firstCommitTag, commitTag, 'latest']) {
      await expect(registryManifestDigest(environment.registry, imageName, tag, environment)).resolves.toEqual({ status: 200, digest });
    }
    const gamma = JSON.parse(readFileSync(join(clone, 'dist/apps/gamma/push/push.json'), 'utf8'));
    expect(gamma.pushed.map((entry: { digest: string; status: string }) => [entry.digest, entry.status])).toEqual([
      [gammaDigest, 'up-to-date'],
      [gammaDigest, 'up-to-date'],
    ]);
  });
});
