import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors';
import { type CommandResult, runCommand } from '../process/run-command';
import { huggingFaceHubCacheOrder } from './hugging-face-cache';
import { buildError, commandError, isUnreadableArchive, unreadableModelError } from './failures';
import { pythonProgram } from './python-programs';
import { bentomlHome, withStoreLock } from './store-lock';
import { assertSupportedBentoml } from './supported-version';

/** The BentoML CLI, run as `<python> -m bentoml` so that the project's interpreter decides. */
export interface BentomlClient {
  /** The installed BentoML's version; a UserError when it is outside the range package.json states (supported-version.ts). */
  version(): Promise<string>;
  /** Imports a .bentomodel file; a model already in the store is not an error. */
  importModel(file: string): Promise<{ tag: string; state: 'imported' | 'present' }>;
  /** Finds a Bento of any name with this version in the store. */
  findBentoByVersion(version: string): Promise<string | undefined>;

  /**
   * bento-build's BentoML commands in one process (python/build_session.py): import the model
   * files, build `contextDir` from `bentofile` (bentofile.yaml or pyproject.toml; without one, as
   * BentoML finds the build config there) unless the store has a Bento with this version, describe
   * it and export it. Each command's output is read as when it runs alone, so failures read the
   * same; `sourceBentofile` names the build config in messages when `bentofile` is a staged copy.
   */
  buildBento(options: BuildBentoOptions): Promise<BuiltBento>;
  /**
   * Writes into `output` the build context `bentoml containerize` would build for the exported
   * Bento `archive`, with BentoML's own Dockerfile for BuildKit or the classic builder and every
   * model resolved into it (BentoML's construct_containerfile): store models from the store,
   * after importing `modelFiles` if the store lacks one, Hugging Face models from their cache.
   */
  buildContext(options: { archive: string; output: string; buildkit: boolean; modelFiles?: string[] }): Promise<BentoBuildContext>;
  /** Runs `bentoml serve` in the foreground until it exits or is stopped; resolves to its exit code. */
  serve(options: { contextDir: string; host: string; port: number; pythonPath?: string[] }): Promise<number>;
}

export interface BuildBentoOptions {
  modelFiles: string[];
  contextDir: string;
  bentofile?: string;
  sourceBentofile?: string;
  version: string;
  exportTo: string;
  /** The service's module, workspace-relative (apps/x/src/serve.py): failures name it. */
  serviceModule?: string;
  /** Where the build keeps its Python package locks, to reuse one for the same requirements (python/python_locks.py). */
  lockCache?: string;
  /** The base image of every form, whatever the build config or the service's Image names (python/base_image.py). */
  baseImage?: string;
  /** The commit of each Hugging Face model by "repository@revision", as resolved for the hash: the Bento records these (python/hugging_face_revisions.py). */
  huggingFaceCommits?: Record<string, string>;
}

export interface BuiltBento {
  models: Array<{ file: string; tag: string; state: 'imported' | 'present' }>;
  tag: string;
  /** False when the store already held a Bento with this version. */
  built: boolean;
  /** The build took its Python package lock from `lockCache` instead of resolving the requirements again. */
  lockReused: boolean;
  info: BentoInfo;
}

const sessionResultSchema = z.union([
  z.object({ args: z.array(z.string()), exitCode: z.number(), stdout: z.string(), stderr: z.string(), lockReused: z.boolean().optional() }),
  z.object({ existing: z.string() }),
]);
const sessionMarker = '---nx-bentoml-session---';

const bentoInfoSchema = z.looseObject({
  name: z.string(),
  version: z.string(),
  bentoml_version: z.string().optional(),
  services: z.array(z.looseObject({ models: z.array(z.looseObject({ tag: z.string() })).default([]) })).default([]),
  models: z.array(z.looseObject({ tag: z.string() })).default([]),
});
export type BentoInfo = z.infer<typeof bentoInfoSchema>;

const buildContextSchema = z.object({
  dockerfile: z.string(),
  buildEnvs: z.array(z.object({ name: z.string(), default: z.string() })).default([]),
  modelBytesCopied: z.number().default(0),
});
/** The build context of a Bento: its Dockerfile's path in the context, and the BuildKit secrets its build steps read. */
export interface BentoBuildContext {
  dockerfile: string;
  /** The build-stage environment variables by name: bentoml containerize's values, the environment's else the build config's. */
  secrets: ReadonlyMap<string, Buffer>;
  /** The model bytes copied into the context where the file system refused a hard link to the store's files (0 when all were linked). */
  modelBytesCopied: number;
}

/** The Bento needs build-stage environment variables (`envs` with `stage: build`), which a build takes as BuildKit secrets. */
export class BuildStageEnvsError extends Error {
  override name = 'BuildStageEnvsError';
  constructor(readonly names: string[]) {
    super(`The Bento needs the build-stage environment variables ${names.join(', ')}.`);
  }
}

const contextFailureSchema = z.discriminatedUnion('error', [
  z.object({ error: z.literal('build-stage-envs'), names: z.array(z.string()) }),
  z.object({ error: z.literal('build-stage-envs-unset'), names: z.array(z.string()) }),
  z.object({ error: z.literal('store-models-missing'), models: z.array(z.string()) }),
  z.object({ error: z.literal('index-credentials'), reason: z.enum(['no-secrets', 'classic', 'unset']), indexes: z.array(z.string()) }),
  z.object({
    error: z.literal('hugging-face-model-missing'),
    models: z.array(z.object({ id: z.string(), revision: z.string() })),
    detail: z.string(),
  }),
]);

/** What the build context needs that this machine does not have (a model, a build-stage variable), and how to get it. */
function contextFailureError(failure: z.infer<typeof contextFailureSchema>): Error {
  if (failure.error === 'build-stage-envs') return new BuildStageEnvsError(failure.names);
  if (failure.error === 'build-stage-envs-unset') {
    const names = failure.names.join(', ');
    const plural = failure.names.length > 1;
    return new UserError(
      `The Bento reads the build-stage environment variable${plural ? 's' : ''} ${names} (envs with stage: build) in its build steps, ` +
        `and ${plural ? 'they are' : 'it is'} not set here, nor given a value in its build config. ` +
        `Set ${names} in the environment of containerize (as bentoml containerize reads ${plural ? 'them' : 'it'}): ` +
        `${plural ? 'they reach the build as BuildKit secrets' : 'it reaches the build as a BuildKit secret'}, in no layer, log or cache.`,
    );
  }
  if (failure.error === 'index-credentials') return indexCredentialsError(failure.reason, failure.indexes);
  if (failure.error === 'store-models-missing') {
    const models = failure.models.join(', ');
    return new UserError(
      `The BentoML store on this machine has no ${models}, which the Bento packs, and no model file of the project holds ${failure.models.length > 1 ? 'them' : 'it'}: ` +
        `the Bento was built on another machine (a cache hit). Import the model here (bentoml models import <file>, or bentoml models pull ${failure.models[0]}), ` +
        `or build the Bento again on this machine (bento-build with --skip-nx-cache).`,
    );
  }
  const models = failure.models.map((model) => `${model.id} at ${model.revision}`).join(', ');
  const downloads = failure.models.map((model) => `hf download ${model.id} --revision ${model.revision}`).join('; ');
  return new UserError(
    `The Hugging Face model${failure.models.length > 1 ? 's' : ''} ${models} ${failure.models.length > 1 ? 'are' : 'is'} not all in this machine's Hugging Face cache ` +
      `(${huggingFaceHubCacheOrder}), and the hub cannot be asked (${failure.detail.split('\n')[0]}). ` +
      `Let containerize fetch ${failure.models.length > 1 ? 'them' : 'it'} from the hub (HF_HUB_OFFLINE unset, HF_ENDPOINT reaching the hub, HF_TOKEN for a private model), ` +
      `or download ${failure.models.length > 1 ? 'them' : 'it'} first: ${downloads}`,
  );
}

/** The uv settings by which containerize hands the build an index's credentials (python/index_credentials.py). */
const uvIndexSettings = 'UV_INDEX_URL, UV_DEFAULT_INDEX, UV_EXTRA_INDEX_URL, UV_INDEX or UV_FIND_LINKS';

/**
 * The Bento's lock names package indexes whose credentials bento-build kept out of it, and this
 * build cannot have them as BuildKit secrets. `indexes` are scheme://host[:port], never with credentials.
 */
function indexCredentialsError(reason: 'no-secrets' | 'classic' | 'unset', indexes: string[]): UserError {
  const plural = indexes.length > 1;
  const where =
    `The Bento installs Python packages from ${indexes.join(', ')}, whose credentials bento-build kept out of the Bento ` +
    `(they reach a build only as BuildKit secrets, never its layers). Nothing was built. `;
  if (reason === 'classic') {
    return new UserError(
      where +
        `This build uses the classic builder: set "builder": "buildkit" (or "auto") in the containerize options on an engine with BuildKit.`,
    );
  }
  if (reason === 'unset') {
    return new UserError(
      where +
        `No uv setting here holds credentials for ${plural ? 'them' : 'it'}: set the one bento-build had (${uvIndexSettings}, ` +
        `e.g. UV_EXTRA_INDEX_URL=${indexes[0].replace('://', '://user:token@')}/simple) in the environment of containerize ` +
        `(a Bento restored from the Nx cache was built where it was set).`,
    );
  }
  return new UserError(
    where +
      `The Dockerfile BentoML generates for this Bento mounts no secret where it installs packages (a Bento without an image spec: ` +
      `conda, docker.cuda_version, docker.dockerfile_template or python.wheels in its build config, or a BentoML older than build-stage envs). ` +
      `Either give the service a bentoml.images.Image (and drop those options) on a BentoML with envs of stage: build, ` +
      `make ${plural ? 'these indexes' : 'the index'} reachable from the build without credentials (e.g. a proxy on the build's network that adds them), ` +
      `or install the private packages into a base image of your own, built with the credentials as a secret, name it in the baseImage option ` +
      `and build the Bento without the private packages in its requirements and without the index in bento-build's uv settings.`,
  );
}

export interface BentomlClientOptions {
  python: string;
  cwd: string;
  env?: Record<string, string | undefined>;
}

export function createBentomlClient(options: BentomlClientOptions): BentomlClient {
  // Parsed output must be plain: Nx sets FORCE_COLOR for tasks, and Rich wraps at 80 columns.
  // Quiet mode would drop the lines the tags are read from ("Successfully built Bento(tag=...)").
  const {
    FORCE_COLOR: _forceColor,
    CLICOLOR_FORCE: _clicolorForce,
    BENTOML_QUIET: _quiet,
    BENTOML_VERBOSITY: _verbosity,
    ...inherited
  } = process.env;
  const env = { ...inherited, NO_COLOR: '1', BENTOML_DO_NOT_TRACK: 'true', COLUMNS: '200', ...options.env };
  // Store commands take turns with other tasks on the same BentoML home (see withStoreLock).
  const home = bentomlHome(env);
  const bentoml = (args: string[]) =>
    withStoreLock(home, () => runCommand(options.python, ['-m', 'bentoml', ...args], { cwd: options.cwd, env }));
  return {
    async version() {
      const result = await runCommand(options.python, [pythonProgram('bentoml_version.py')], { cwd: options.cwd, env });
      if (result.exitCode !== 0) {
        throw new UserError(
          `BentoML is not installed for ${options.python}. Install it with "${options.python} -m pip install bentoml", ` +
            `or point the "python" option at an interpreter that has it (a .venv in the project or workspace is found automatically).`,
        );
      }
      // "bentoml 1.4.39": the last word.
      const version = result.stdout.trim().split(/\s+/).pop() ?? '';
      assertSupportedBentoml(version, options.python);
      return version;
    },

    async importModel(file) {
      return importedModel(file, await bentoml(['models', 'import', file]), options.cwd);
    },

    async findBentoByVersion(version) {
      // The store's own layout (bentos/<name>/<version>/bento.yaml): no BentoML process to ask.
      const bentos = join(home, 'bentos');
      const names = existsSync(bentos) ? readdirSync(bentos) : [];
      const name = names.find((candidate) => existsSync(join(bentos, candidate, version, 'bento.yaml')));
      return name && `${name}:${version}`;
    },

    async buildBento(build) {
      const program = pythonProgram('build_session.py');
      const request = {
        modelFiles: build.modelFiles,
        version: build.version,
        build: buildArgs(build),
        exportTo: build.exportTo,
        lockCache: build.lockCache,
        baseImage: build.baseImage,
        huggingFaceCommits: build.huggingFaceCommits,
      };
      const session = await withStoreLock(home, () =>
        runCommand(options.python, [program, JSON.stringify(request)], { cwd: options.cwd, env }),
      );
      const answer = session.stdout.split(`${sessionMarker}\n`)[1];
      if (answer === undefined) throw commandError(['build (session)', build.contextDir], session);
      const results = z.array(sessionResultSchema).parse(JSON.parse(answer));
      // Read in order, each as the command alone would be: the first failure is the one reported.
      const models = build.modelFiles.map((file, index) => {
        const result = results[index];
        if (!result || !('args' in result)) throw commandError(['models', 'import', file], session);
        return { file, ...importedModel(file, result, options.cwd) };
      });
      const buildResult = results[models.length];
      if (!buildResult) throw commandError(['build', build.contextDir], session);
      const tag = 'existing' in buildResult ? buildResult.existing : builtTag(buildResult, build, options.cwd);
      const [get, exported] = results.slice(models.length + 1);
      if (!get || !('args' in get) || get.exitCode !== 0) throw commandError(['get', tag], get && 'args' in get ? get : session);
      if (!exported || !('args' in exported) || exported.exitCode !== 0) {
        throw commandError(['export', tag], exported && 'args' in exported ? exported : session);
      }
      return {
        models,
        tag,
        built: !('existing' in buildResult),
        lockReused: 'lockReused' in buildResult && buildResult.lockReused === true,
        info: bentoInfoSchema.parse(JSON.parse(get.stdout)),
      };
    },

    async buildContext({ archive, output, buildkit, modelFiles = [] }) {
      const program = pythonProgram('build_context.py');
      // It reads the store, and imports into it what it lacks: in turn with other store commands.
      const result = await withStoreLock(home, () =>
        runCommand(options.python, [program, JSON.stringify({ archive, output, buildkit, modelFiles })], { cwd: options.cwd, env }),
      );
      const answer = result.stdout.trim().split('\n').pop() ?? '';
      if (result.exitCode === 3 && answer.startsWith('{')) throw contextFailureError(contextFailureSchema.parse(JSON.parse(answer)));
      if (result.exitCode !== 0 || !answer.startsWith('{')) {
        throw commandError(
          ['containerize (build context)', archive],
          result,
          'Check that the Bento was exported by the same BentoML version.',
        );
      }
      const { dockerfile, buildEnvs, modelBytesCopied } = buildContextSchema.parse(JSON.parse(answer));
      const environment = env as Record<string, string | undefined>;
      return {
        dockerfile,
        secrets: new Map(buildEnvs.map(({ name, default: value }) => [name, Buffer.from(environment[name] ?? value)])),
        modelBytesCopied,
      };
    },

    async serve({ contextDir, host, port, pythonPath = [] }) {
      const { execa } = await import('execa');
      const importPath = [...pythonPath, ...((env as Record<string, string | undefined>)['PYTHONPATH'] ?? '').split(delimiter)]
        .filter(Boolean)
        .join(delimiter);
      const child = execa(options.python, ['-m', 'bentoml', 'serve', contextDir, '--host', host, '--port', String(port)], {
        cwd: contextDir,
        env: importPath ? { ...env, PYTHONPATH: importPath } : env,
        stdio: 'inherit',
        reject: false,
        forceKillAfterDelay: 10_000,
      });
      const stop = () => child.kill('SIGTERM');
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const result = await child;
        // Stopped by a signal (Ctrl+C, or Nx ending a continuous task) is a normal end.
        return result.signal ? 0 : (result.exitCode ?? 1);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    },
  };
}

/** `bentoml build`'s arguments. Not "--output tag": its quiet mode sends uv's reason for a failed package lock to /dev/null. */
function buildArgs({ contextDir, bentofile, version }: { contextDir: string; bentofile?: string; version: string }): string[] {
  return ['build', contextDir, ...(bentofile ? ['--bentofile', bentofile] : []), '--version', version];
}

/** What `bentoml models import` did with a model file: imported it, or found it already in the store. */
function importedModel(file: string, result: CommandResult, cwd: string): { tag: string; state: 'imported' | 'present' } {
  const imported = /Model\(tag="([^"]+)"\) imported/.exec(result.stdout)?.[1];
  if (result.exitCode === 0 && imported) return { tag: imported, state: 'imported' };
  const present = /Item '([^']+)' already exists in the store/.exec(result.stderr)?.[1];
  if (present) return { tag: present, state: 'present' };
  if (isUnreadableArchive(result.stderr)) throw unreadableModelError(relative(cwd, file), result);
  throw commandError(['models', 'import', file], result, `Check that ${file} is a model exported with bentoml.models.export_model.`);
}

/** The tag `bentoml build` printed, or the Bento another process built from the same inputs first; else what went wrong. */
function builtTag(
  result: CommandResult,
  {
    contextDir,
    bentofile,
    sourceBentofile = bentofile,
    serviceModule,
  }: { contextDir: string; bentofile?: string; sourceBentofile?: string; serviceModule?: string },
  cwd: string,
): string {
  const tag = /Successfully built Bento\(tag="([^"]+)"\)/.exec(result.stdout)?.[1];
  if (result.exitCode === 0 && tag) return tag;
  const existing = /Item '([^']+)' already exists in the store/.exec(result.stderr)?.[1];
  if (existing) return existing;
  // Without a build file, messages name the build directory.
  const config = bentofile ?? contextDir;
  throw buildError(result, relative(cwd, sourceBentofile ?? config), {
    workspaceRoot: cwd,
    contextDir,
    bentofile: config,
    sourceBentofile: sourceBentofile ?? config,
    serviceModule,
  });
}
