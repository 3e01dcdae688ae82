import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../errors';
import { commandPath } from '../helper-programs';
import { proxySettings } from '../http/outbound-fetch';
import { notSearched } from './bento-contents';
import { missingModelError } from './failures';
import { huggingFaceHubCacheOrder } from './hugging-face-cache';
import { huggingFaceEndpoint, huggingFaceOffline } from './hugging-face-hub';
import type { HuggingFaceModelReference, ServiceModels, StoreModelReference } from './service-models';

/**
 * What the models a service takes from outside the workspace resolve to on this machine: the
 * exact version of each BentoML store model ("iris:latest" → iris:<version> and a digest of its
 * model.yaml), and the commit of each Hugging Face model: the hub's (one request per model, the
 * one BentoML makes when it builds), or offline (HF_HUB_OFFLINE) the local cache's. It is printed
 * by one small Node program, external-models-resolver.js, that reads BentoML's store and the
 * Hugging Face cache as files (importing BentoML would cost seconds per project on every hash),
 * run by Nx as a runtime input so that retraining a store model or a new commit on the hub misses
 * the cache, and by bento-build before it builds.
 *
 * Store models count only when the project keeps no model file: a project's .bentomodel and DVC
 * files are its models (bento-build imports them), and the store's state before that import must
 * not change the hash.
 */
const resolverProgram = join(__dirname, 'external-models-resolver.js');

// How a model is named to the program and in its answer lines.
const storeReference = (model: StoreModelReference) => `store:${model.name}:${model.version}`;
const huggingFaceReference = (model: HuggingFaceModelReference) => `hf:${model.repository}@${model.revision}`;

/** The program's arguments for one project: its root, its model files as one pattern, the directories never searched, the references. */
export function externalModelsArguments(projectRoot: string, modelFiles: string[], models: ServiceModels): string[] {
  return [
    projectRoot || '.',
    modelFilesPattern(modelFiles),
    notSearched.join(','),
    ...models.store.map(storeReference),
    ...models.huggingFace.map(huggingFaceReference),
  ];
}

/** The Nx runtime input, or none when the service names no model from outside the workspace. */
export function externalModelsInput(
  workspaceRoot: string,
  projectRoot: string,
  modelFiles: string[],
  models: ServiceModels,
): { runtime: string } | undefined {
  if (models.store.length === 0 && models.huggingFace.length === 0) return undefined;
  // Model names, globs and paths hold no double quote, "$", "%" or backslash: read alike by sh and cmd.exe inside double quotes.
  const args = externalModelsArguments(projectRoot, modelFiles, models).map((arg) => `"${arg}"`);
  return { runtime: ['node', commandPath(resolverProgram, workspaceRoot), ...args].join(' ') };
}

/** How bento-build runs the same program: node's arguments, no shell. */
export function externalModelsProgram(projectRoot: string, modelFiles: string[], models: ServiceModels): string[] {
  return [resolverProgram, ...externalModelsArguments(projectRoot, modelFiles, models)];
}

export type ResolvedModel =
  | { kind: 'store'; model: StoreModelReference; state: 'project-files' | 'absent' | { tag: string; digest: string } }
  | { kind: 'huggingFace'; model: HuggingFaceModelReference; state: 'absent' | { commit: string } | HubFailure };

/** Why the hub gave no commit: it refused (a 4xx answer), or it could not be asked. */
export type HubFailure =
  | { hub: 'refused'; endpoint: string; status: number; errorCode: string; tokenSent: boolean }
  | { hub: 'unreachable'; endpoint: string; reason: string };

/** Reads the program's output back, one line per reference, in the order given. */
export function parseExternalModels(output: string, models: ServiceModels): ResolvedModel[] {
  const answers = new Map(
    output
      .split(/\r?\n/)
      .filter(Boolean)
      .map((line) => {
        const [ref, ...rest] = line.split(' ');
        return [ref, rest] as const;
      }),
  );
  const answer = (ref: string) => {
    const found = answers.get(ref);
    if (!found) throw new Error(`The model resolver printed nothing for ${ref}:\n${output}`);
    return found;
  };
  return [
    ...models.store.map((model): ResolvedModel => {
      const [state, digest] = answer(storeReference(model));
      if (state === 'project-files' || state === 'absent') return { kind: 'store', model, state };
      return { kind: 'store', model, state: { tag: state, digest } };
    }),
    ...models.huggingFace.map((model): ResolvedModel => {
      const [state, endpoint, ...rest] = answer(huggingFaceReference(model));
      if (state === 'refused') {
        const [status, errorCode, token] = rest;
        return {
          kind: 'huggingFace',
          model,
          state: { hub: 'refused', endpoint, status: Number(status), errorCode, tokenSent: token === 'token' },
        };
      }
      if (state === 'unreachable') return { kind: 'huggingFace', model, state: { hub: 'unreachable', endpoint, reason: rest.join(' ') } };
      return { kind: 'huggingFace', model, state: state === 'absent' ? 'absent' : { commit: state } };
    }),
  ];
}

/**
 * The model file globs (relative to the project root) as one regular expression over relative
 * paths, their DVC pointers included: "**" any directories, "*" and "?" within one name, "{a,b}".
 */
export function modelFilesPattern(globs: string[]): string {
  const one = (glob: string) =>
    glob
      .replace(/^\.\//, '')
      .split(/(\*\*\/|\*\*|\*|\?|\{[^}]*\})/)
      .map((part) => {
        if (part === '**/') return '(?:[^/]+/)*';
        if (part === '**') return '.*';
        if (part === '*') return '[^/]*';
        if (part === '?') return '[^/]';
        if (part.startsWith('{') && part.endsWith('}')) return `(?:${part.slice(1, -1).split(',').map(escapeRegExp).join('|')})`;
        return escapeRegExp(part);
      })
      .join('');
  return `(?:${globs.map(one).join('|')})(?:[.]dvc)?`;
}

// Characters a regular expression treats specially, each in a class; only "^", backslash and "]" still need a backslash.
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, (char) => (char === '^' || char === '\\' || char === ']' ? `\\${char}` : `[${char}]`));
}

/** Runs the resolver as Nx's runtime input does, with this Node, in the workspace root. */
export async function resolveExternalModels(
  workspaceRoot: string,
  projectRoot: string,
  modelFiles: string[],
  models: ServiceModels,
): Promise<ResolvedModel[]> {
  if (models.store.length === 0 && models.huggingFace.length === 0) return [];
  // A few lines from a program of ours: Node's own child_process, no shell.
  const { stdout } = await promisify(execFile)(process.execPath, externalModelsProgram(projectRoot, modelFiles, models), {
    cwd: workspaceRoot,
    env: process.env,
  });
  return parseExternalModels(stdout, models);
}

/**
 * Fails before the build when a model the service names cannot be had: with no model file in the
 * project, a store model must be in the store; a Hugging Face model needs its commit from the hub,
 * or offline the local cache, from which the image gets its weights.
 */
export function assertExternalModelsAvailable(
  resolved: ResolvedModel[],
  serviceModule: string,
  env: Record<string, string | undefined> = process.env,
): void {
  for (const entry of resolved) {
    if (entry.kind === 'store') {
      if (entry.state === 'absent') throw missingModelError(`${entry.model.name}:${entry.model.version}`, serviceModule);
      continue;
    }
    const { state } = entry;
    const asked = `${serviceModule} asks for the Hugging Face model ${entry.model.repository} at revision ${entry.model.revision}`;
    if (state === 'absent') throw notInCacheError(entry.model, asked);
    if (typeof state === 'object' && 'hub' in state) throw hubFailureError(state, entry.model, asked, env);
  }
}

function notInCacheError({ repository, revision }: HuggingFaceModelReference, asked: string): UserError {
  return new UserError(
    `${asked}, which is not in this machine's Hugging Face cache (${huggingFaceHubCacheOrder}), and HF_HUB_OFFLINE keeps the hub out of reach. ` +
      `Unset HF_HUB_OFFLINE to fetch it from the hub (HF_ENDPOINT, HF_TOKEN), or download it where the hub is reachable ` +
      `("hf download ${repository} --revision ${revision}") and provide that cache here, or fix the model id or revision, then run again.`,
  );
}

function hubFailureError(
  failure: HubFailure,
  { repository, revision }: HuggingFaceModelReference,
  asked: string,
  env: Record<string, string | undefined>,
): UserError {
  const hub = `the Hugging Face hub at ${failure.endpoint}`;
  if (failure.hub === 'unreachable') {
    const proxy = proxySettings(env)?.[failure.endpoint.startsWith('https:') ? 'https' : 'http'];
    return new UserError(
      `${asked}, and ${hub} cannot be reached to learn its commit (${failure.reason}). ` +
        `Set HF_HUB_OFFLINE=1 to build from this machine's Hugging Face cache (${huggingFaceHubCacheOrder}), ` +
        `or fix HF_ENDPOINT (the hub's address; unset, https://huggingface.co), then run again.` +
        (proxy ? ` The request goes through the proxy ${proxy.name} names unless NO_PROXY lists the hub: check both.` : ''),
    );
  }
  const answered = `HTTP ${failure.status}${failure.errorCode === '-' ? '' : `, ${failure.errorCode}`}`;
  if (failure.status === 401 || failure.status === 403) {
    return new UserError(
      `${asked}, and ${hub} refused it (${answered}) ${failure.tokenSent ? 'to the token this machine sent' : 'without a token'}: ` +
        `the model is private or gated, or its id is wrong. ` +
        `${failure.tokenSent ? 'Set HF_TOKEN to a token that can read it (for a gated model, accept its terms on the hub with that account)' : 'Set HF_TOKEN to a token that can read it'}, ` +
        `or fix the model id in the service, then run again.`,
    );
  }
  if (failure.status === 404 && failure.errorCode === 'RevisionNotFound') {
    return new UserError(
      `${asked}, and ${hub} has no revision ${revision} of ${repository} (${answered}). Fix the revision (a branch, tag or commit of the model), then run again.`,
    );
  }
  return new UserError(
    `${asked}, and ${hub} answered ${answered}${failure.status === 404 ? `: it has no model ${repository}` : ''}. Fix the model id or revision in the service, then run again.`,
  );
}

/** The commit of each Hugging Face model the hash stands for, by "repository@revision": the build records these. */
export function huggingFaceCommits(resolved: ResolvedModel[]): Record<string, string> {
  const commits: Record<string, string> = {};
  for (const entry of resolved) {
    if (entry.kind === 'huggingFace' && typeof entry.state === 'object' && 'commit' in entry.state) {
      commits[`${entry.model.repository}@${entry.model.revision}`] = entry.state.commit;
    }
  }
  return commits;
}

/** One log line for a model found outside the workspace; none for a model the project's files provide. */
export function describeResolvedModel(entry: ResolvedModel, env: Record<string, string | undefined> = process.env): string {
  if (entry.kind === 'store') {
    const { model, state } = entry;
    return typeof state === 'object' ? `Model ${model.name}:${model.version} from the BentoML store: ${state.tag}` : '';
  }
  const { model, state } = entry;
  if (typeof state !== 'object' || !('commit' in state)) return '';
  const where = huggingFaceOffline(env) ? 'in the local cache' : `at ${huggingFaceEndpoint(env)}`;
  return `Hugging Face model ${model.repository}@${model.revision}: commit ${state.commit} ${where}`;
}
