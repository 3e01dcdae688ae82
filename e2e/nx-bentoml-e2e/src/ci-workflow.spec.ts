import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { run, runNx, runOrThrow } from './support/run';
import { type TestWorkspace, createWorkspace } from './support/workspace';

const repositoryRoot = resolve(__dirname, '../../..');
// Pinned in scripts/lint-python.sh, with GitHub's workflow schema vendored: the check needs no network.
const checkJsonschema = join(repositoryRoot, '.venv-lint/bin/check-jsonschema');

interface Workflow {
  jobs: Record<string, { strategy?: { matrix: unknown }; steps: Array<{ id?: string; run?: string }> }>;
}

/**
 * The workflows `nx g nx-bentoml:ci` writes in a fresh workspace, checked against GitHub's workflow
 * schema, and the sharded workflow's split step run as the runner would run it.
 */
describe('the ci generator writes workflows GitHub accepts', () => {
  let workspace: TestWorkspace;
  let scratch: string;
  const path = (file: string) => join(workspace.root, file);
  const checkWorkflow = (file: string) => run(checkJsonschema, ['--builtin-schema', 'vendor.github-workflows', path(file)], workspace.root);

  beforeAll(() => {
    // Installs the pinned check-jsonschema when missing, and fails here (not later) when it cannot.
    runOrThrow('bash', [join(repositoryRoot, 'scripts/lint-python.sh'), '--tools'], repositoryRoot);
    workspace = createWorkspace('ci-ws');
    // The runner's RUNNER_TEMP, beside the workspace: removed with it.
    scratch = mkdtempSync(join(dirname(workspace.root), 'runner-'));
    runNx(workspace.root, ['g', 'nx-bentoml:init', '--no-interactive']);
    runNx(workspace.root, ['g', 'nx-bentoml:ci', '--registry=ghcr.io/acme', '--no-interactive']);
    runNx(workspace.root, ['g', 'nx-bentoml:ci', 'sharded', '--runners=3', '--remoteCache', '--registry=ghcr.io/acme', '--no-interactive']);
    const git = (...args: string[]) =>
      runOrThrow('git', ['-c', 'user.email=e2e@nx-bentoml.test', '-c', 'user.name=e2e', ...args], workspace.root);
    git('add', '-A');
    git('commit', '-q', '-m', 'publish workflows');
  });

  afterAll(() => workspace?.cleanup());

  it.each([
    ['one job (--runners=1)', '.github/workflows/publish-models.yml'],
    ['a plan job and a matrix of shards (--runners=3)', '.github/workflows/sharded.yml'],
  ])('writes %s valid against the vendored GitHub workflow schema', (_, file) => {
    const check = checkWorkflow(file);
    expect([check.status, check.stdout.trim()]).toEqual([0, 'ok -- validation done']);
  });

  it('has the schema check refuse a workflow GitHub would refuse', () => {
    // A matrix job whose strategy is misspelled: the check is not one that passes anything.
    writeFileSync(
      path('broken.yml'),
      readFileSync(path('.github/workflows/sharded.yml'), 'utf8').replace('    strategy:\n', '    strategie:\n'),
    );
    const check = checkWorkflow('broken.yml');
    expect(check.status).toBe(1);
    expect(check.stdout).toContain("'strategie' was unexpected");
  });

  it('writes a split step whose commands run in the workspace: nothing affected, no shard and nothing to tag', () => {
    const workflow = parse(readFileSync(path('.github/workflows/sharded.yml'), 'utf8')) as Workflow;
    expect(Object.keys(workflow.jobs)).toEqual(['plan', 'publish']);
    const split = workflow.jobs['plan'].steps.find((step) => step.id === 'shards')!;
    const output = join(scratch, 'github-output');
    const summary = join(scratch, 'step-summary.md');
    // As the runner runs a `run:` script (bash -e), with the variables it and nx-set-shas set.
    runOrThrow('bash', ['-e', '-c', split.run!], workspace.root, undefined, {
      NX_BASE: 'HEAD',
      NX_HEAD: 'HEAD',
      RUNNER_TEMP: scratch,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(readFileSync(output, 'utf8')).toBe('shards=[]\ntag-only=\n');
    expect(readFileSync(summary, 'utf8')).toContain('Plan of 0 services');
  });
});
