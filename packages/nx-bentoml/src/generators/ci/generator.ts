import { type GeneratorCallback, type Tree, formatFiles, generateFiles, getProjects, joinPathFragments, readNxJson } from '@nx/devkit';
import { join, posix } from 'node:path';
import { bentofileName } from '../../lib/bentoml/build-config';
import { UserError } from '../../lib/errors';
import { buildDirCandidates } from '../../lib/project-layout';
import { assertRegistry } from '../../lib/registry/reference';
import { bentomlVersion, defaultPythonVersion } from '../../lib/pinned-versions';
import { pluginName, readRegisteredOptions } from '../plugin-registration';
import type { CiGeneratorSchema } from './schema';

// GitHub Actions reads workflows from this directory only (not from subdirectories).
const workflowsDir = '.github/workflows';
const secretName = /^[A-Z_][A-Z0-9_]*$/;
/** GitHub runs at most 256 jobs of one matrix. */
const maxRunners = 256;
/**
 * The plugin's shard program (src/ci/plan-shards.ts), where npm, pnpm and Yarn install the plugin:
 * a path that stays the same across versions, unlike the resolved one.
 */
export const planShardsProgram = `node_modules/${pluginName}/src/ci/plan-shards.js`;
/** The secret holding a remote cache token the server accepts for reads only: what runs off the default branch use. */
export const readOnlyTokenSecret = 'NX_SELF_HOSTED_REMOTE_CACHE_READ_ONLY_TOKEN';
// The task graph of the plan run, for the shard program; the runner's temporary directory.
const planTasksFile = '$RUNNER_TEMP/plan-tasks.json';

export async function ciGenerator(tree: Tree, schema: CiGeneratorSchema): Promise<GeneratorCallback> {
  const options = normalizeOptions(tree, schema);
  const workflowPath = joinPathFragments(workflowsDir, options.workflowFile);
  if (tree.exists(workflowPath) && !schema.force) {
    throw new UserError(`${workflowPath} already exists. Edit it, or run again with --force to replace it.`);
  }

  generateFiles(tree, join(__dirname, 'files'), workflowsDir, {
    ...options,
    commands: workflowCommands(options),
    jobs: workflowJobs(options.runners),
    quote: JSON.stringify,
    tmpl: '',
  });
  if (!tree.exists(options.requirements)) writeRequirements(tree, options.requirements);

  if (!schema.skipFormat) await formatFiles(tree);
  return () => undefined;
}

function normalizeOptions(tree: Tree, schema: CiGeneratorSchema) {
  const name = schema.name?.trim() || 'publish-models';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new UserError(
      `Invalid name "${name}": give a file name such as "publish-models" (GitHub reads workflows from ${workflowsDir} only, not from subdirectories).`,
    );
  }
  const workflowFile = /\.ya?ml$/.test(name) ? name : `${name}.yml`;

  const registry = schema.registry?.trim() || undefined;
  if (registry) assertRegistry(registry);
  const passwordSecret = schema.passwordSecret ?? 'REGISTRY_PASSWORD';
  assertSecretName(passwordSecret, 'passwordSecret');
  if (schema.usernameSecret !== undefined) assertSecretName(schema.usernameSecret, 'usernameSecret');
  // GITHUB_TOKEN belongs to the user or app that started the run; ghcr.io takes that name with it.
  const username =
    schema.usernameSecret === undefined && passwordSecret === 'GITHUB_TOKEN'
      ? '${{ github.actor }}'
      : `\${{ secrets.${schema.usernameSecret ?? 'REGISTRY_USERNAME'} }}`;

  const nodeVersion = String(schema.nodeVersion ?? '20').trim();
  if (!/^(?:\d+(?:\.(?:\d+|x)){0,2}|lts\/(?:\*|[a-z]+)|node|latest)$/.test(nodeVersion)) {
    throw new UserError(
      `Invalid nodeVersion "${nodeVersion}": give a version actions/setup-node accepts, such as "20", "22.x" or "lts/*".`,
    );
  }
  const pythonVersion = String(schema.pythonVersion ?? defaultPythonVersion).trim();
  if (!/^3\.\d{1,2}(?:\.\d+)?$/.test(pythonVersion)) {
    throw new UserError(`Invalid pythonVersion "${pythonVersion}": give a version such as "3.11" (the one your services' bentofiles use).`);
  }
  const requirements = posix.normalize(schema.requirements?.trim() || 'requirements.txt');
  if (!/^[\w.@+-][\w./@+-]*$/.test(requirements) || requirements.split('/').includes('..')) {
    throw new UserError(
      `Invalid requirements "${schema.requirements}": give a path inside the workspace, such as "requirements.txt" (letters, digits, ".", "_", "-", "/").`,
    );
  }
  const parallel = schema.parallel ?? 1;
  if (!Number.isInteger(parallel) || parallel < 1) {
    throw new UserError(`Invalid parallel "${parallel}": give the number of tasks nx may run at once, 1 or more.`);
  }
  const runners = schema.runners ?? 1;
  if (!Number.isInteger(runners) || runners < 1 || runners > maxRunners) {
    throw new UserError(
      `Invalid runners "${runners}": give the number of runners to publish on at once, from 1 (one job) to ${maxRunners} (GitHub runs at most ${maxRunners} jobs of a matrix).`,
    );
  }

  const nxJson = readNxJson(tree);
  const branch = nxJson?.defaultBase ?? nxJson?.affected?.defaultBase ?? 'main';
  // Nx's own order: nx.json's cacheDirectory, then the one of the (pre-Nx 17) default tasks runner.
  const cacheDirectory = posix
    .normalize(
      nxJson?.cacheDirectory ?? (nxJson?.tasksRunnerOptions?.['default']?.options?.cacheDirectory as string | undefined) ?? '.nx/cache',
    )
    .replace(/(.)\/$/, '$1');

  const pluginOptions = readRegisteredOptions(tree);
  // A "'" in the branch name is doubled, as in any string of a GitHub expression.
  const onDefaultBranch = `github.ref == 'refs/heads/${branch.replace(/'/g, "''")}'`;
  return {
    workflowFile,
    registry,
    // The environment of every step that runs nx: registry credentials and the remote cache's.
    stepEnv: {
      NX_BENTOML_REGISTRY_USERNAME: username,
      NX_BENTOML_REGISTRY_PASSWORD: `\${{ secrets.${passwordSecret} }}`,
      ...(schema.remoteCache
        ? {
            NX_SELF_HOSTED_REMOTE_CACHE_SERVER: '${{ secrets.NX_SELF_HOSTED_REMOTE_CACHE_SERVER }}',
            // Runs on the default branch write the remote cache; any other run reads it with a token
            // the cache server refuses writes for (Nx 24 has no read-only switch of its own).
            NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: `\${{ ${onDefaultBranch} && secrets.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN || secrets.${readOnlyTokenSecret} }}`,
          }
        : {}),
    },
    nodeVersion,
    pythonVersion,
    requirements,
    parallel,
    runners,
    branch,
    onDefaultBranch,
    remoteCache: schema.remoteCache === true,
    cacheDirectory,
    // The task database indexes the cache: a cache restored without it is never hit, so it is kept inside.
    workspaceDataDirectory: posix.join(cacheDirectory, 'workspace-data'),
    publishTarget: pluginOptions.publishTargetName,
    planTarget: pluginOptions.planTargetName,
  };
}

type WorkflowOptions = ReturnType<typeof normalizeOptions>;

/** The command lines of the workflow's steps: one job's, or the plan job's and each shard's. */
function workflowCommands(options: WorkflowOptions) {
  const affected = '--base=$NX_BASE --head=$NX_HEAD';
  const publishOptions = [...(options.registry ? [`--registry=${options.registry}`] : []), `--parallel=${options.parallel}`].join(' ');
  const publishProjects = (projects: string) => `npx nx run-many -t ${options.publishTarget} --projects=${projects} ${publishOptions}`;
  return {
    publishAffected: `npx nx affected -t ${options.publishTarget} ${affected} ${publishOptions}`,
    planAffected: `npx nx affected -t ${options.planTarget} ${affected} ${publishOptions}`,
    planGraph: `npx nx affected -t ${options.planTarget} ${affected} --graph="${planTasksFile}"`,
    splitPlan: `node ${planShardsProgram} --tasks="${planTasksFile}" --runners=${options.runners} --output="$GITHUB_OUTPUT" --summary="$GITHUB_STEP_SUMMARY"`,
    publishTagOnly: publishProjects('${{ steps.shards.outputs.tag-only }}'),
    publishShard: publishProjects('${{ matrix.projects }}'),
  };
}

/**
 * The jobs: one that publishes every affected service, or with more runners a plan job and a
 * publish job over its shards. Each job keeps its own entry of the Nx cache (jobs of one run that
 * saved under one key would race), and a shard starts from the plan job's entry of the commit.
 */
function workflowJobs(runners: number) {
  const nxCache = '${{ runner.os }}-nx-';
  const thisCommit = `${nxCache}\${{ github.sha }}`;
  if (runners === 1) return [{ id: 'publish', kind: 'single', cacheKey: thisCommit, restoreKeys: [nxCache] }];
  return [
    { id: 'plan', kind: 'plan', cacheKey: `${thisCommit}-plan`, restoreKeys: [nxCache] },
    { id: 'publish', kind: 'shard', cacheKey: `${thisCommit}-shard-\${{ matrix.shard }}`, restoreKeys: [`${thisCommit}-`, nxCache] },
  ];
}

function assertSecretName(name: string, option: string) {
  if (!secretName.test(name)) {
    throw new UserError(
      `Invalid ${option} "${name}": give the name of a repository secret in capitals, digits and "_", such as "REGISTRY_PASSWORD".`,
    );
  }
  if (name.startsWith('GITHUB_') && name !== 'GITHUB_TOKEN') {
    throw new UserError(
      `Invalid ${option} "${name}": GitHub reserves secret names starting with GITHUB_ (only GITHUB_TOKEN exists). Choose another name.`,
    );
  }
}

/**
 * A requirements file the workflow can install: BentoML and what each BentoML service project
 * already lists in its requirements.txt (bentoml build imports the service module).
 */
function writeRequirements(tree: Tree, requirements: string) {
  const from = posix.dirname(requirements);
  const services = [...getProjects(tree).values()]
    .map((project) => joinPathFragments(project.root, 'requirements.txt'))
    .filter((file) => file !== requirements && tree.exists(file) && hasBentofile(tree, posix.dirname(file)))
    .sort();
  const lines = [
    '# Python packages the publish workflow installs into .venv: BentoML and what the services import.',
    `bentoml==${bentomlVersion}`,
    ...services.map((file) => `-r ${posix.relative(from, file)}`),
  ];
  tree.write(requirements, `${lines.join('\n')}\n`);
}

function hasBentofile(tree: Tree, projectRoot: string) {
  return buildDirCandidates.some((dir) => tree.exists(joinPathFragments(projectRoot, dir, bentofileName)));
}

export default ciGenerator;
