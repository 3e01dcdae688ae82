import { type Tree, addProjectConfiguration, readNxJson, updateNxJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import { bentomlVersion } from '../../lib/pinned-versions';
import { ciGenerator, planShardsProgram } from './generator';
import type { CiGeneratorSchema } from './schema';

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

interface Job {
  name?: string;
  needs?: string;
  if?: string;
  'runs-on': string;
  outputs?: Record<string, string>;
  strategy?: { 'fail-fast': boolean; matrix: unknown };
  steps: Step[];
}

const workflowPath = '.github/workflows/publish-models.yml';
/** The remote cache token of a run: the read-write one on the default branch, a read-only one anywhere else. */
const readOnlyOffMain =
  "${{ github.ref == 'refs/heads/main' && secrets.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN || secrets.NX_SELF_HOSTED_REMOTE_CACHE_READ_ONLY_TOKEN }}";

// An absolute cacheDirectory of this test's own: Nx may create it.
const absoluteCacheDirectory = join(tmpdir(), `nx-bentoml-ci-spec-${process.pid}`, 'nx-cache');
afterAll(() => rmSync(dirname(absoluteCacheDirectory), { recursive: true, force: true }));

describe('ci generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  async function generate(options: Partial<CiGeneratorSchema> = {}, path = workflowPath) {
    await ciGenerator(tree, { skipFormat: true, ...options });
    const text = tree.read(path, 'utf-8')!;
    const workflow = parse(text);
    const steps: Step[] = workflow.jobs.publish.steps;
    const publish = steps.find((step) => step.run?.startsWith('npx nx affected'))!;
    return { text, workflow, steps, publish };
  }

  it('writes a workflow that publishes only affected services', async () => {
    const { workflow, steps, publish } = await generate();
    expect(workflow.on).toEqual({ push: { branches: ['main'] }, workflow_dispatch: null });
    expect(steps.map((step) => step.uses ?? step.run)).toEqual([
      'actions/checkout@v4',
      'actions/setup-node@v4',
      'npm ci',
      'nrwl/nx-set-shas@v4',
      'actions/setup-python@v5',
      'python -m venv .venv && .venv/bin/pip install -r requirements.txt',
      'actions/cache/restore@v4',
      'npx nx affected -t publish --base=$NX_BASE --head=$NX_HEAD --parallel=1',
      'actions/cache/save@v4',
    ]);
    expect(publish.name).toBe('Publish affected model services');
  });

  it('compares with the last successful run on the default branch, with the whole history checked out', async () => {
    const { steps } = await generate();
    expect(steps[0].with).toEqual({ 'fetch-depth': 0 });
    expect(steps.find((step) => step.uses === 'nrwl/nx-set-shas@v4')?.with).toEqual({ 'main-branch-name': 'main' });
  });

  it('triggers on the defaultBase of nx.json', async () => {
    updateNxJson(tree, { ...readNxJson(tree), defaultBase: 'master' });
    const { workflow, steps } = await generate();
    expect(workflow.on.push.branches).toEqual(['master']);
    expect(steps.find((step) => step.uses === 'nrwl/nx-set-shas@v4')?.with).toEqual({ 'main-branch-name': 'master' });
  });

  it('sets up Node with the npm cache and Python with BentoML in the workspace .venv', async () => {
    const { steps } = await generate({ nodeVersion: '22', pythonVersion: '3.12', requirements: 'ci/requirements.txt' });
    expect(steps[1].with).toEqual({ 'node-version': '22', cache: 'npm' });
    expect(steps[4].with).toEqual({ 'python-version': '3.12' });
    expect(steps[5].run).toBe('python -m venv .venv && .venv/bin/pip install -r ci/requirements.txt');
  });

  it('logs in to the registry from secrets through the environment of the publish step, without docker login', async () => {
    const { text, workflow, publish } = await generate();
    expect(publish.env).toEqual({
      NX_BENTOML_REGISTRY_USERNAME: '${{ secrets.REGISTRY_USERNAME }}',
      NX_BENTOML_REGISTRY_PASSWORD: '${{ secrets.REGISTRY_PASSWORD }}',
    });
    expect(workflow.jobs.publish.env).toBeUndefined();
    expect(text).not.toMatch(/docker login|docker\/login-action/);
  });

  it('uses the secrets it is given, and github.actor with GITHUB_TOKEN for ghcr.io', async () => {
    expect((await generate({ usernameSecret: 'GAR_USER', passwordSecret: 'GAR_KEY', force: true })).publish.env).toEqual({
      NX_BENTOML_REGISTRY_USERNAME: '${{ secrets.GAR_USER }}',
      NX_BENTOML_REGISTRY_PASSWORD: '${{ secrets.GAR_KEY }}',
    });
    expect((await generate({ registry: 'ghcr.io/my-org', passwordSecret: 'GITHUB_TOKEN', force: true })).publish.env).toEqual({
      NX_BENTOML_REGISTRY_USERNAME: '${{ github.actor }}',
      NX_BENTOML_REGISTRY_PASSWORD: '${{ secrets.GITHUB_TOKEN }}',
    });
  });

  it('grants the token read access and package writes only', async () => {
    const { workflow } = await generate();
    expect(workflow.permissions).toEqual({ actions: 'read', contents: 'read', packages: 'write' });
    expect(workflow.concurrency).toEqual({ group: '${{ github.workflow }}-${{ github.ref }}', 'cancel-in-progress': false });
  });

  it('passes the registry and the parallelism to nx affected', async () => {
    const { publish } = await generate({ registry: 'europe-west6-docker.pkg.dev/my-project/models', parallel: 2 });
    expect(publish.run).toBe(
      'npx nx affected -t publish --base=$NX_BASE --head=$NX_HEAD --registry=europe-west6-docker.pkg.dev/my-project/models --parallel=2',
    );
  });

  it('runs the publish target under the name registered in nx.json', async () => {
    updateNxJson(tree, { ...readNxJson(tree), plugins: [{ plugin: 'nx-bentoml', options: { publishTargetName: 'release' } }] });
    const { publish } = await generate();
    expect(publish.run).toMatch(/^npx nx affected -t release /);
  });

  it('keeps the Nx cache between runs', async () => {
    const { steps } = await generate();
    expect(steps.find((step) => step.uses === 'actions/cache/restore@v4')?.with).toEqual({
      path: '.nx/cache',
      key: '${{ runner.os }}-nx-${{ github.sha }}',
      'restore-keys': '${{ runner.os }}-nx-',
    });
  });

  it('caches the cacheDirectory of nx.json', async () => {
    updateNxJson(tree, { ...readNxJson(tree), cacheDirectory: 'tmp/nx-cache' });
    const { steps } = await generate();
    expect(steps.find((step) => step.uses === 'actions/cache/restore@v4')?.with?.['path']).toBe('tmp/nx-cache');
  });

  /**
   * Where the installed Nx (the repository's nx 24) keeps a workspace's task cache and task
   * database, given the workspace's nx.json and the environment the workflow sets; both are
   * decided together by Nx (shared ~/.nx/<id>, or the configured directories).
   */
  function nxDirectoriesUnder(env: Record<string, string>, nxJson: object) {
    // A checkout as in CI: a git repository with a remote, which gives Nx a workspace id to share data under.
    const root = mkdtempSync(join(tmpdir(), 'ci-generator-'));
    execFileSync('git', ['init', '-q'], { cwd: root });
    execFileSync('git', ['remote', 'add', 'origin', 'https://git.example.com/ml/models.git'], { cwd: root });
    const saved = { ...process.env };
    const nx = require('nx/src/utils/cache-directory') as {
      sharedDataDirectory(root: string, kind: 'cache' | 'workspace-data'): string;
      resetSharedRootCacheForTesting(): void;
    };
    try {
      writeFileSync(join(root, 'nx.json'), JSON.stringify(nxJson));
      Object.assign(process.env, env);
      nx.resetSharedRootCacheForTesting();
      const cache = nx.sharedDataDirectory(root, 'cache');
      const workspaceData = nx.sharedDataDirectory(root, 'workspace-data');
      // Without the workflow's variables Nx makes ~/.nx/<id>/{cache,databases} for this test's workspace id:
      // only that is removed (an absolute cacheDirectory's parent is the machine's, e.g. /var/cache).
      const sharedRoot = join(homedir(), '.nx') + sep;
      if (cache.startsWith(sharedRoot)) rmSync(dirname(cache), { recursive: true, force: true });
      return { root, cache, workspaceData };
    } finally {
      for (const key of Object.keys(env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      nx.resetSharedRootCacheForTesting();
      rmSync(root, { recursive: true, force: true });
    }
  }

  it.each([
    ['the default location', undefined],
    ['the cacheDirectory of nx.json', 'tmp/nx-cache'],
    ['an absolute cacheDirectory of nx.json', absoluteCacheDirectory],
  ])('caches the directories the installed Nx uses for its cache and task database, with %s', async (_, cacheDirectory) => {
    if (cacheDirectory) updateNxJson(tree, { ...readNxJson(tree), cacheDirectory });
    const { workflow, steps } = await generate();
    const cachedPath = steps.find((step) => step.uses === 'actions/cache/restore@v4')?.with?.['path'] as string;
    expect(workflow.env).toEqual({
      NX_CACHE_DIRECTORY: cachedPath,
      NX_WORKSPACE_DATA_DIRECTORY: `${cachedPath}/workspace-data`,
    });
    const nx = nxDirectoriesUnder(workflow.env, readNxJson(tree) ?? {});
    // actions/cache resolves a relative path against the checkout, the workspace root.
    expect(nx.cache).toBe(resolve(nx.root, cachedPath));
    expect(nx.workspaceData).toBe(resolve(nx.root, cachedPath, 'workspace-data'));
    if (!cacheDirectory) {
      // What the workflow would restore without them: nothing Nx reads.
      const withoutEnv = nxDirectoriesUnder({}, readNxJson(tree) ?? {});
      expect(withoutEnv.cache).not.toBe(resolve(withoutEnv.root, cachedPath));
    }
  });

  it('reads the self-hosted remote cache from secrets only with --remoteCache', async () => {
    expect((await generate()).text).not.toContain('NX_SELF_HOSTED_REMOTE_CACHE');
    const { publish } = await generate({ remoteCache: true, force: true });
    expect(publish.env).toMatchObject({
      NX_SELF_HOSTED_REMOTE_CACHE_SERVER: '${{ secrets.NX_SELF_HOSTED_REMOTE_CACHE_SERVER }}',
      NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: readOnlyOffMain,
    });
  });

  describe('only runs on the default branch write a cache (a poisoned entry would reach it, CVE-2025-36852)', () => {
    it('restores the Nx cache in every run and saves it only on the default branch, and not over an exact hit', async () => {
      updateNxJson(tree, { ...readNxJson(tree), defaultBase: 'trunk' });
      const { steps } = await generate();
      const restore = steps.find((step) => step.uses === 'actions/cache/restore@v4')!;
      expect(restore.id).toBe('nx-cache');
      expect(steps.at(-1)).toEqual({
        uses: 'actions/cache/save@v4',
        if: "github.ref == 'refs/heads/trunk' && steps.nx-cache.outputs.cache-hit != 'true'",
        with: { path: '.nx/cache', key: '${{ steps.nx-cache.outputs.cache-primary-key }}' },
      });
    });

    it('saves the entry of each job of the sharded workflow on the default branch only', async () => {
      await ciGenerator(tree, { skipFormat: true, runners: 2 });
      const { jobs } = parse(tree.read(workflowPath, 'utf-8')!) as { jobs: Record<string, Job> };
      for (const job of Object.values(jobs)) {
        expect(job.steps.filter((step) => step.uses?.startsWith('actions/cache')).map((step) => step.uses)).toEqual([
          'actions/cache/restore@v4',
          'actions/cache/save@v4',
        ]);
        expect(job.steps.at(-1)?.if).toBe("github.ref == 'refs/heads/main' && steps.nx-cache.outputs.cache-hit != 'true'");
      }
    });

    it('reads the remote cache with a read-only token off the default branch, and says which secrets to create', async () => {
      updateNxJson(tree, { ...readNxJson(tree), defaultBase: "it's-main" });
      const { publish, text } = await generate({ remoteCache: true });
      expect(publish.env?.['NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN']).toBe(
        "${{ github.ref == 'refs/heads/it''s-main' && secrets.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN || secrets.NX_SELF_HOSTED_REMOTE_CACHE_READ_ONLY_TOKEN }}",
      );
      expect(text).toContain(
        "# The self-hosted Nx remote cache: runs on it's-main write it with the secret\n# NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN; any other run only reads it, with\n" +
          '# NX_SELF_HOSTED_REMOTE_CACHE_READ_ONLY_TOKEN, a token your cache server must refuse writes for.\n',
      );
      expect((await generate({ force: true })).text).not.toContain('READ_ONLY_TOKEN');
    });
  });

  it('writes the workflow under the name it is given', async () => {
    await generate({ name: 'models' }, '.github/workflows/models.yml');
    await generate({ name: 'release.yaml' }, '.github/workflows/release.yaml');
    expect(tree.exists(workflowPath)).toBe(false);
  });

  it('ends the workflow with one newline, with or without the remote cache', async () => {
    expect((await generate()).text).toMatch(/cache-primary-key }}\n$/);
    expect((await generate({ remoteCache: true, force: true })).text).toMatch(/cache-primary-key }}\n$/);
  });

  it('refuses to overwrite an existing workflow without --force', async () => {
    tree.write(workflowPath, 'name: mine\n');
    await expect(ciGenerator(tree, { skipFormat: true })).rejects.toThrow(
      '.github/workflows/publish-models.yml already exists. Edit it, or run again with --force to replace it.',
    );
    expect(tree.read(workflowPath, 'utf-8')).toBe('name: mine\n');
    await ciGenerator(tree, { skipFormat: true, force: true });
    expect(tree.read(workflowPath, 'utf-8')).toContain('nrwl/nx-set-shas@v4');
  });

  it('writes a requirements file with BentoML and the services it finds when there is none', async () => {
    addProjectConfiguration(tree, 'classifier', { root: 'apps/classifier' });
    tree.write('apps/classifier/src/bentofile.yaml', 'service: "serve:ClassifierService"\n');
    tree.write('apps/classifier/requirements.txt', 'bentoml\n');
    addProjectConfiguration(tree, 'web', { root: 'apps/web' });
    tree.write('apps/web/requirements.txt', 'flask\n');
    await generate();
    expect(tree.read('requirements.txt', 'utf-8')).toBe(
      '# Python packages the publish workflow installs into .venv: BentoML and what the services import.\n' +
        `bentoml==${bentomlVersion}\n-r apps/classifier/requirements.txt\n`,
    );
    await generate({ requirements: 'ci/requirements.txt', force: true });
    expect(tree.read('ci/requirements.txt', 'utf-8')).toContain('-r ../apps/classifier/requirements.txt\n');
  });

  it('leaves an existing requirements file alone', async () => {
    tree.write('requirements.txt', 'bentoml==1.4.0\n');
    await generate();
    expect(tree.read('requirements.txt', 'utf-8')).toBe('bentoml==1.4.0\n');
  });

  it.each([
    [{ registry: 'https://ghcr.io' }, /Invalid registry/],
    [{ usernameSecret: 'registry-user' }, /Invalid usernameSecret "registry-user": give the name of a repository secret/],
    [{ passwordSecret: '1PASSWORD' }, /Invalid passwordSecret "1PASSWORD"/],
    [{ passwordSecret: 'GITHUB_PAT' }, /GitHub reserves secret names starting with GITHUB_/],
    [{ name: '../deploy' }, /Invalid name "..\/deploy"/],
    [{ nodeVersion: 'twenty' }, /Invalid nodeVersion/],
    [{ pythonVersion: '3' }, /Invalid pythonVersion/],
    [{ requirements: 'req.txt; rm -rf /' }, /Invalid requirements/],
    [{ requirements: '../requirements.txt' }, /Invalid requirements/],
    [{ parallel: 0 }, /Invalid parallel/],
    [
      { runners: 0 },
      /^Invalid runners "0": give the number of runners to publish on at once, from 1 \(one job\) to 256 \(GitHub runs at most 256 jobs of a matrix\)\.$/,
    ],
    [{ runners: 257 }, /Invalid runners "257"/],
    [{ runners: 2.5 }, /Invalid runners "2.5"/],
  ])('rejects %j with a clear message and writes nothing', async (options, message) => {
    await expect(ciGenerator(tree, { skipFormat: true, ...options })).rejects.toThrow(message);
    expect(tree.exists('.github')).toBe(false);
    expect(tree.exists('requirements.txt')).toBe(false);
  });

  describe('--runners', () => {
    async function generateSharded(options: Partial<CiGeneratorSchema> = {}) {
      await ciGenerator(tree, { skipFormat: true, runners: 3, ...options });
      const text = tree.read(workflowPath, 'utf-8')!;
      const workflow = parse(text) as { jobs: Record<string, Job>; env: Record<string, string> };
      const { plan, publish } = workflow.jobs;
      const step = (job: Job, name: string) => job.steps.find((s) => s.name === name)!;
      return { text, workflow, plan, publish, step };
    }
    const credentials = {
      NX_BENTOML_REGISTRY_USERNAME: '${{ secrets.REGISTRY_USERNAME }}',
      NX_BENTOML_REGISTRY_PASSWORD: '${{ secrets.REGISTRY_PASSWORD }}',
    };

    it('writes one publish job with --runners=1, as without the option', async () => {
      const { text } = await generate();
      const { text: withOne, workflow } = await generate({ runners: 1, force: true });
      expect(withOne).toBe(text);
      expect(Object.keys(workflow.jobs)).toEqual(['publish']);
    });

    it('plans in a first job, then publishes a matrix of shards that needs it', async () => {
      const { workflow, plan, publish } = await generateSharded();
      expect(Object.keys(workflow.jobs)).toEqual(['plan', 'publish']);
      expect(plan.outputs).toEqual({ shards: '${{ steps.shards.outputs.shards }}' });
      expect(publish.needs).toBe('plan');
      expect(publish.if).toBe("needs.plan.outputs.shards != '[]'");
      expect(publish.strategy).toEqual({ 'fail-fast': false, matrix: { include: '${{ fromJSON(needs.plan.outputs.shards) }}' } });
      expect(publish.name).toBe('Publish shard ${{ matrix.shard }}');
      expect([plan['runs-on'], publish['runs-on']]).toEqual(['ubuntu-latest', 'ubuntu-latest']);
    });

    it('plans the affected services, splits them with the shipped program and tags what needs no build', async () => {
      const { plan, step } = await generateSharded({ registry: 'ghcr.io/my-org', parallel: 2 });
      expect(plan.steps.map((s) => s.uses ?? s.name)).toEqual([
        'actions/checkout@v4',
        'actions/setup-node@v4',
        undefined, // npm ci
        'nrwl/nx-set-shas@v4',
        'actions/setup-python@v5',
        'Install BentoML',
        'actions/cache/restore@v4',
        'Plan affected model services',
        'Split the services to build into 3 shards',
        'Tag the services the registries hold',
        'actions/cache/save@v4',
      ]);
      expect(plan.steps[0].with).toEqual({ 'fetch-depth': 0 });
      expect(step(plan, 'Plan affected model services').run).toBe(
        'npx nx affected -t plan --base=$NX_BASE --head=$NX_HEAD --registry=ghcr.io/my-org --parallel=2',
      );
      const split = step(plan, 'Split the services to build into 3 shards');
      expect(split.id).toBe('shards');
      expect(split.run).toBe(
        'npx nx affected -t plan --base=$NX_BASE --head=$NX_HEAD --graph="$RUNNER_TEMP/plan-tasks.json"\n' +
          'node node_modules/nx-bentoml/src/ci/plan-shards.js --tasks="$RUNNER_TEMP/plan-tasks.json" --runners=3 --output="$GITHUB_OUTPUT" --summary="$GITHUB_STEP_SUMMARY"\n',
      );
      const tag = step(plan, 'Tag the services the registries hold');
      expect(tag.if).toBe("steps.shards.outputs.tag-only != ''");
      expect(tag.run).toBe(
        'npx nx run-many -t publish --projects=${{ steps.shards.outputs.tag-only }} --registry=ghcr.io/my-org --parallel=2',
      );
    });

    it("runs the plugin's shard program where the package manager installs it", () => {
      expect(planShardsProgram).toBe('node_modules/nx-bentoml/src/ci/plan-shards.js');
      // Compiled with the package from this source (tsconfig.lib.json), beside the package.json of that name.
      expect(existsSync(join(__dirname, '../../ci/plan-shards.ts'))).toBe(true);
      expect(require('../../../package.json').name).toBe('nx-bentoml');
    });

    it("publishes each shard's projects on a runner of its own, with a shallow checkout and no base", async () => {
      const { publish, step } = await generateSharded({ registry: 'ghcr.io/my-org' });
      expect(publish.steps.map((s) => s.uses ?? s.name)).toEqual([
        'actions/checkout@v4',
        'actions/setup-node@v4',
        undefined,
        'actions/setup-python@v5',
        'Install BentoML',
        'actions/cache/restore@v4',
        'Publish the services of this shard',
        'actions/cache/save@v4',
      ]);
      expect(publish.steps[0].with).toBeUndefined();
      expect(step(publish, 'Publish the services of this shard').run).toBe(
        'npx nx run-many -t publish --projects=${{ matrix.projects }} --registry=ghcr.io/my-org --parallel=1',
      );
    });

    it('sets up Node, Python and BentoML alike in both jobs', async () => {
      const { plan, publish } = await generateSharded({ nodeVersion: '22', pythonVersion: '3.12', requirements: 'ci/requirements.txt' });
      for (const job of [plan, publish]) {
        expect(job.steps.find((s) => s.uses === 'actions/setup-node@v4')?.with).toEqual({ 'node-version': '22', cache: 'npm' });
        expect(job.steps.find((s) => s.uses === 'actions/setup-python@v5')?.with).toEqual({ 'python-version': '3.12' });
        expect(job.steps.find((s) => s.name === 'Install BentoML')?.run).toBe(
          'python -m venv .venv && .venv/bin/pip install -r ci/requirements.txt',
        );
      }
    });

    it('gives every step that runs a target the registry credentials, and the remote cache with --remoteCache', async () => {
      const nxSteps = (job: Job) =>
        job.steps.filter(
          (s) =>
            s.run?.startsWith('npx nx affected -t plan --base=$NX_BASE --head=$NX_HEAD --parallel') || s.run?.startsWith('npx nx run-many'),
        );
      const { plan, publish, text } = await generateSharded();
      expect([...nxSteps(plan), ...nxSteps(publish)].map((s) => s.env)).toEqual([credentials, credentials, credentials]);
      expect(text).not.toContain('NX_SELF_HOSTED_REMOTE_CACHE');
      const remote = await generateSharded({ remoteCache: true, force: true });
      const withCache = {
        ...credentials,
        NX_SELF_HOSTED_REMOTE_CACHE_SERVER: '${{ secrets.NX_SELF_HOSTED_REMOTE_CACHE_SERVER }}',
        NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: readOnlyOffMain,
      };
      expect([...nxSteps(remote.plan), ...nxSteps(remote.publish)].map((s) => s.env)).toEqual([withCache, withCache, withCache]);
      expect(remote.text).toMatch(/cache-primary-key }}\n$/);
    });

    it("keeps one Nx cache entry per job, a shard starting from the plan job's of the commit", async () => {
      updateNxJson(tree, { ...readNxJson(tree), cacheDirectory: 'tmp/nx-cache' });
      const { workflow, plan, publish } = await generateSharded();
      const cacheOf = (job: Job) => job.steps.find((s) => s.uses === 'actions/cache/restore@v4')?.with;
      expect(cacheOf(plan)).toEqual({
        path: 'tmp/nx-cache',
        key: '${{ runner.os }}-nx-${{ github.sha }}-plan',
        'restore-keys': '${{ runner.os }}-nx-',
      });
      expect(cacheOf(publish)).toEqual({
        path: 'tmp/nx-cache',
        key: '${{ runner.os }}-nx-${{ github.sha }}-shard-${{ matrix.shard }}',
        'restore-keys': '${{ runner.os }}-nx-${{ github.sha }}-\n${{ runner.os }}-nx-\n',
      });
      expect(workflow.env).toEqual({ NX_CACHE_DIRECTORY: 'tmp/nx-cache', NX_WORKSPACE_DATA_DIRECTORY: 'tmp/nx-cache/workspace-data' });
    });

    it('runs the publish target under the name registered in nx.json', async () => {
      updateNxJson(tree, { ...readNxJson(tree), plugins: [{ plugin: 'nx-bentoml', options: { publishTargetName: 'release' } }] });
      const { plan, publish, step } = await generateSharded();
      expect(step(plan, 'Tag the services the registries hold').run).toMatch(/^npx nx run-many -t release /);
      expect(step(publish, 'Publish the services of this shard').run).toMatch(/^npx nx run-many -t release /);
    });

    it('runs the plan target under the name registered in nx.json', async () => {
      updateNxJson(tree, { ...readNxJson(tree), plugins: [{ plugin: 'nx-bentoml', options: { planTargetName: 'preview' } }] });
      const { text } = await generateSharded();
      expect(text).toMatch(/npx nx affected -t preview /);
      expect(text).not.toMatch(/-t plan /);
    });

    it('says in the header how the work is split', async () => {
      const { text } = await generateSharded({ runners: 4 });
      expect(text).toMatch(/^# Publishes the BentoML model services that changed, on up to 4 runners at once\./);
      expect(text).toContain('# Written by `nx g nx-bentoml:ci --runners=4`.\n');
    });
  });
});
