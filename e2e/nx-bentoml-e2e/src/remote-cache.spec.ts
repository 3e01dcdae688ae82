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
import { removeTempDir } from './support/temp-dir';

/**
 * The path by which teams outgrow one machine: machine 1 publishes with a self-hosted Nx remote
 * cache; machine 2, a fresh clone with an empty BentoML home, an empty Nx cache and none of the
 * service's images, publishes the next commit (a README edit: no input of the Bento changed).
 * Its Bento must come out of the remote cache (no `bentoml build`), the registry must keep machine
 * 1's digest, and the new commit tag must name that digest too.
 */
describe('a second machine publishes from the Nx remote cache', () => {
  let environment: ChainEnvironment;
  let workspace: ChainWorkspace;
  let cache: NxCacheServer;
  let secondMachineDir: string | undefined;
  const imageName = `remote-${Date.now().toString(36)}/alpha`;
  const repositoryUrl = 'https://git.example.com/ml/models.git';
  const read = (root: string, path: string) => JSON.parse(readFileSync(join(root, 'dist/apps/alpha', path), 'utf8'));

  beforeAll(async () => {
    environment = await requireChainEnvironment();
    cache = await startNxCacheServer(randomBytes(16).toString('hex'));
    workspace = createChainWorkspace('remote-cache-ws', environment);
    const git = (...args: string[]) =>
      runOrThrow('git', ['-c', 'user.email=e2e@nx-bentoml.test', '-c', 'user.name=e2e', ...args], workspace.root);
    runOrThrow(
      'npx',
      [
        'nx',
        'g',
        'nx-bentoml:service',
        'alpha',
        `--baseImage=${environment.baseImage}`,
        `--registry=${environment.registry}`,
        `--imageName=${imageName}`,
        '--tags={bentoVersion}',
        '--tags={gitShortSha}',
        '--tags=latest',
        '--no-interactive',
      ],
      workspace.root,
      undefined,
      workspace.taskEnv,
    );
    runOrThrow(
      join(workspace.root, '.venv/bin/python'),
      [join(workspace.root, 'apps/alpha/train.py')],
      workspace.root,
      undefined,
      workspace.taskEnv,
    );
    git('add', '-A');
    git('commit', '-q', '-m', 'alpha, trained');
    // Both machines are clones of one remote, whose URL becomes the image's source label.
    git('remote', 'add', 'origin', repositoryUrl);
  });

  afterAll(async () => {
    if (environment) await removeRepositoryImages(environment.docker, imageName);
    await cache?.close();
    removeTempDir(secondMachineDir);
    workspace?.cleanup();
  });

  it('takes the Bento from the remote cache on a fresh clone and keeps the digest machine 1 pushed, for every tag', async () => {
    // Nx shares one local cache between checkouts of a workspace on one machine; each machine gets its own.
    const localCache = (root: string) => ({ NX_CACHE_DIRECTORY: join(root, '.nx/cache') });
    await runNxAsync(workspace.root, ['run', 'alpha:publish'], { ...workspace.taskEnv, ...cache.env, ...localCache(workspace.root) });
    const first = { bento: read(workspace.root, 'bento/bento.json'), push: read(workspace.root, 'push/push.json') };
    expect(first.push.pushed[0].status).toBe('pushed');
    expect(cache.stored.length).toBeGreaterThan(0);
    // The next commit changes no input of the Bento, only the commit tag.
    appendFileSync(join(workspace.root, 'apps/alpha/README.md'), '\nMore documentation.\n');
    runOrThrow('git', ['-c', 'user.email=e2e@nx-bentoml.test', '-c', 'user.name=e2e', 'commit', '-qam', 'alpha: README'], workspace.root);

    // Machine 2: a clone beside the first (so the workspace's relative file: dependency on the
    // packed plugin resolves), its own BentoML home and Docker config, none of alpha's images.
    secondMachineDir = mkdtempSync(join(tmpdir(), 'nx-bentoml-e2e-'));
    const clone = join(secondMachineDir, basename(workspace.root));
    runOrThrow('git', ['clone', '-q', workspace.root, clone], secondMachineDir);
    runOrThrow('git', ['remote', 'set-url', 'origin', repositoryUrl], clone);
    runOrThrow('npm', ['ci', '--no-audit', '--no-fund'], clone);
    symlinkSync(dirname(dirname(environment.python)), join(clone, '.venv'));
    const secondEnv = {
      ...workspace.taskEnv,
      BENTOML_HOME: join(clone, '.bentoml-home'),
      DOCKER_CONFIG: join(clone, '.docker-config'),
      ...cache.env,
      ...localCache(clone),
    };
    mkdirSync(secondEnv.DOCKER_CONFIG);
    await removeRepositoryImages(environment.docker, imageName);
    expect(existsSync(join(clone, '.nx/cache'))).toBe(false);

    const servedBefore = cache.served.length;
    const result = await runNxAsync(clone, ['run', 'alpha:publish'], secondEnv);
    const output = result.stdout + result.stderr;

    // The Bento came out of the remote cache: no bentoml build ran, the store holds no Bento.
    expect(output).toMatch(/nx run alpha:bento-build\s+\[remote cache\]/);
    expect(cache.served.length).toBeGreaterThan(servedBefore);
    expect(existsSync(join(secondEnv.BENTOML_HOME, 'bentos')) ? readdirSync(join(secondEnv.BENTOML_HOME, 'bentos')) : []).toEqual([]);
    expect(read(clone, 'bento/bento.json').tag).toBe(first.bento.tag);

    // The image was really rebuilt here (none was left), yet the registry keeps machine 1's image.
    expect(read(clone, 'image/image.json').built).toBe(true);
    // The new commit tag is written in the registry with that image's manifest, not pushed from here.
    const second = read(clone, 'push/push.json');
    const digest = first.push.pushed[0].digest;
    const [bentoTag, firstCommitTag] = first.push.pushed.map((entry: { tag: string }) => entry.tag);
    const commitTag = runOrThrow('git', ['rev-parse', '--short=7', 'HEAD'], clone).stdout.trim();
    expect(second.imageId).not.toBe(first.push.imageId);
    expect(second.pushed.map((entry: { tag: string; digest: string; status: string }) => [entry.tag, entry.digest, entry.status])).toEqual([
      [bentoTag, digest, 'up-to-date'],
      [commitTag, digest, 'pushed'],
      ['latest', digest, 'up-to-date'],
    ]);
    expect(output).toContain(
      `Tagged ${environment.registry}/${imageName}:${commitTag} in the registry with the image built from the same inputs elsewhere`,
    );
    for (const tag of [bentoTag, firstCommitTag, commitTag, 'latest']) {
      await expect(registryManifestDigest(environment.registry, imageName, tag, environment)).resolves.toEqual({ status: 200, digest });
    }
  });
});
