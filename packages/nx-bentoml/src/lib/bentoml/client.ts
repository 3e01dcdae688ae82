import { delimiter, join, relative } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors';
import { runCommand } from '../process/run-command';
import { buildError, commandError, isUnreadableArchive, unreadableModelError } from './failures';
import { bentomlHome, withStoreLock } from './store-lock';

/** The BentoML CLI, run as `<python> -m bentoml` so that the project's interpreter decides. */
export interface BentomlClient {
  version(): Promise<string>;
  /** Imports a .bentomodel file; a model already in the store is not an error. */
  importModel(file: string): Promise<{ tag: string; state: 'imported' | 'present' }>;
  /** Finds a Bento of any name with this version in the store. */
  findBentoByVersion(version: string): Promise<string | undefined>;
  /**
   * Builds `contextDir` from `bentofile` (bentofile.yaml or pyproject.toml), or, without one, as
   * BentoML finds the build config there. `sourceBentofile` names the build config in messages
   * when `bentofile` is a staged copy.
   */
  build(options: { contextDir: string; bentofile?: string; version: string; sourceBentofile?: string }): Promise<string>;
  getBento(tag: string): Promise<BentoInfo>;
  exportBento(tag: string, file: string): Promise<void>;
  /** Imports an exported Bento; one already in the store is not an error. */
  importBento(file: string): Promise<'imported' | 'present'>;
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

const bentoInfoSchema = z.looseObject({
  name: z.string(),
  version: z.string(),
  bentoml_version: z.string().optional(),
  services: z.array(z.looseObject({ models: z.array(z.looseObject({ tag: z.string() })).default([]) })).default([]),
  models: z.array(z.looseObject({ tag: z.string() })).default([]),
});
export type BentoInfo = z.infer<typeof bentoInfoSchema>;

const buildContextSchema = z.object({ dockerfile: z.string() });
/** The build context of a Bento: its Dockerfile's path in the context. */
export type BentoBuildContext = z.infer<typeof buildContextSchema>;

/** The Bento needs build-stage environment variables (`envs` with `stage: build`), which a build takes as BuildKit secrets. */
export class BuildStageEnvsError extends Error {
  override name = 'BuildStageEnvsError';
  constructor(readonly names: string[]) {
    super(`The Bento needs the build-stage environment variables ${names.join(', ')}.`);
  }
}

const contextFailureSchema = z.discriminatedUnion('error', [
  z.object({ error: z.literal('build-stage-envs'), names: z.array(z.string()) }),
  z.object({ error: z.literal('store-models-missing'), models: z.array(z.string()) }),
  z.object({
    error: z.literal('hugging-face-model-missing'),
    models: z.array(z.object({ id: z.string(), revision: z.string() })),
    detail: z.string(),
  }),
]);

/** A model the build context needs that this machine does not have, and how to get it. */
function missingModelsError(failure: z.infer<typeof contextFailureSchema>): Error {
  if (failure.error === 'build-stage-envs') return new BuildStageEnvsError(failure.names);
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
      `(BENTOML_HF_CACHE_DIR, else HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub), and the hub cannot be asked (${failure.detail.split('\n')[0]}). ` +
      `Download ${failure.models.length > 1 ? 'them' : 'it'}: ${downloads}`,
  );
}

const bentoListSchema = z.array(z.looseObject({ tag: z.string() }));

export interface BentomlClientOptions {
  python: string;
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Show BentoML's own output while it builds. */
  echo?: boolean;
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
  const bentoml = (args: string[], echo = false, entry = ['-m', 'bentoml']) =>
    withStoreLock(home, () => runCommand(options.python, [...entry, ...args], { cwd: options.cwd, env, echo }));
  const json = async (args: string[]) => {
    const result = await bentoml([...args, '-o', 'json']);
    if (result.exitCode !== 0) throw commandError(args, result);
    return JSON.parse(result.stdout) as unknown;
  };

  return {
    async version() {
      // The installed distribution's metadata: importing bentoml itself takes a second or two.
      const result = await runCommand(options.python, ['-c', 'import importlib.metadata as m; print(m.version("bentoml"))'], {
        cwd: options.cwd,
        env,
      });
      if (result.exitCode !== 0) {
        throw new UserError(
          `BentoML is not installed for ${options.python}. Install it with "${options.python} -m pip install bentoml", ` +
            `or point the "python" option at an interpreter that has it (a .venv in the project or workspace is found automatically).`,
        );
      }
      return result.stdout.trim();
    },

    async importModel(file) {
      const result = await bentoml(['models', 'import', file]);
      const imported = /Model\(tag="([^"]+)"\) imported/.exec(result.stdout)?.[1];
      if (result.exitCode === 0 && imported) return { tag: imported, state: 'imported' };
      const present = /Item '([^']+)' already exists in the store/.exec(result.stderr)?.[1];
      if (present) return { tag: present, state: 'present' };
      if (isUnreadableArchive(result.stderr)) throw unreadableModelError(relative(options.cwd, file), result);
      throw commandError(['models', 'import', file], result, `Check that ${file} is a model exported with bentoml.models.export_model.`);
    },

    async findBentoByVersion(version) {
      const bentos = bentoListSchema.parse(await json(['list']));
      return bentos.map((bento) => bento.tag).find((tag) => tag.endsWith(`:${version}`));
    },

    async build({ contextDir, bentofile, version, sourceBentofile = bentofile }) {
      // Not "--output tag": its quiet mode sends uv's reason for a failed package lock to /dev/null.
      const result = await bentoml(['build', contextDir, ...(bentofile ? ['--bentofile', bentofile] : []), '--version', version], false, [
        '-c',
        offlineHuggingFaceEntry,
      ]);
      const tag = /Successfully built Bento\(tag="([^"]+)"\)/.exec(result.stdout)?.[1];
      if (result.exitCode === 0 && tag) return tag;
      // Another process built the same inputs first: its Bento is ours.
      const existing = /Item '([^']+)' already exists in the store/.exec(result.stderr)?.[1];
      if (existing) return existing;
      // Without a build file, messages name the build directory.
      const config = bentofile ?? contextDir;
      throw buildError(result, relative(options.cwd, sourceBentofile ?? config), {
        workspaceRoot: options.cwd,
        contextDir,
        bentofile: config,
        sourceBentofile: sourceBentofile ?? config,
      });
    },

    async getBento(tag) {
      return bentoInfoSchema.parse(await json(['get', tag]));
    },

    async exportBento(tag, file) {
      const result = await bentoml(['export', tag, file]);
      if (result.exitCode !== 0) throw commandError(['export', tag], result);
    },

    async importBento(file) {
      const result = await bentoml(['import', file]);
      if (result.exitCode === 0) return 'imported';
      if (/already exists in the store/.test(result.stderr)) return 'present';
      throw commandError(['import', file], result);
    },

    async buildContext({ archive, output, buildkit, modelFiles = [] }) {
      const program = join(__dirname, 'python', 'build_context.py');
      // It reads the store, and imports into it what it lacks: in turn with other store commands.
      const result = await withStoreLock(home, () =>
        runCommand(options.python, [program, JSON.stringify({ archive, output, buildkit, modelFiles })], { cwd: options.cwd, env }),
      );
      const answer = result.stdout.trim().split('\n').pop() ?? '';
      if (result.exitCode === 3 && answer.startsWith('{')) throw missingModelsError(contextFailureSchema.parse(JSON.parse(answer)));
      if (result.exitCode !== 0 || !answer.startsWith('{')) {
        throw commandError(
          ['containerize (build context)', archive],
          result,
          'Check that the Bento was exported by the same BentoML version.',
        );
      }
      return buildContextSchema.parse(JSON.parse(answer));
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

/**
 * `python -m bentoml`, except that with HF_HUB_OFFLINE set, the commit of a Hugging Face model's
 * revision comes from the local Hugging Face cache (huggingface_hub's own snapshot_download with
 * local_files_only) instead of the hub: BentoML asks the hub (HfApi.model_info) at build time even
 * offline, where that can only fail.
 */
export const offlineHuggingFaceEntry = `
import os, runpy, sys
if os.environ.get("HF_HUB_OFFLINE", "").upper() in ("1", "ON", "YES", "TRUE"):
    try:
        import huggingface_hub
    except ImportError:
        huggingface_hub = None
    if huggingface_hub is not None:
        def model_info_from_cache(self, repo_id, revision=None, **kwargs):
            snapshot = huggingface_hub.snapshot_download(repo_id, revision=revision, local_files_only=True)
            return type("CachedModelInfo", (), {"id": repo_id, "sha": os.path.basename(snapshot)})()
        huggingface_hub.HfApi.model_info = model_info_from_cache
sys.argv[0] = "bentoml"
runpy.run_module("bentoml", run_name="__main__", alter_sys=True)
`;
