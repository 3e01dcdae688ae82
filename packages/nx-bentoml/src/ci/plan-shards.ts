import { appendFileSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { type PlanHandoff, hasHandoff, readHandoff } from '../lib/chain/handoff-files';
import { UserError, isUserError } from '../lib/errors';
import { formatBytes, textTable } from '../lib/text-table';
import planSchema from '../executors/plan/schema.json';

/**
 * Splits a fleet publish between CI runners, after `nx affected -t plan` has left a plan.json for
 * each affected service. Which services those are is what Nx selected: the plan tasks of the task
 * graph the same command writes with `--graph=<file>` (on Nx 24 a project can be affected while its
 * plan task is not, so neither `nx show projects --affected` nor the files in dist/ would do).
 *
 * The services to build or push are split into shards balanced by the bytes each expects to push;
 * the services whose registries can be tagged alone, and those up to date, are listed apart.
 *
 *   node plan-shards.js --tasks=FILE --runners=N [--output=$GITHUB_OUTPUT] [--summary=$GITHUB_STEP_SUMMARY]
 *   node plan-shards.js --tasks=FILE --runners=N --shard=K   (prints shard K's projects: GitLab's CI_NODE_INDEX)
 *   node plan-shards.js --tasks=FILE --tag-only              (prints the projects to tag only)
 */

/** GitHub runs at most 256 jobs of one matrix. */
export const maxRunners = 256;

/** The plan executor's outputPath when the target does not set one. */
const defaultPlanOutputPath = planSchema.properties.outputPath.default;
const planExecutor = 'nx-bentoml:plan';

// What this program reads of `nx affected --graph=<file>` (Nx 23.2 and 24 write the same shape).
const targetSchema = z.object({
  executor: z.string().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  configurations: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});
const taskGraphFileSchema = z.object({
  graph: z.object({
    nodes: z.record(z.string(), z.object({ data: z.object({ root: z.string(), targets: z.record(z.string(), targetSchema).optional() }) })),
  }),
  tasks: z.object({
    tasks: z.record(
      z.string(),
      z.object({ target: z.object({ project: z.string(), target: z.string(), configuration: z.string().optional() }) }),
    ),
  }),
});

export interface ShardArguments {
  tasksFile: string;
  runners: number;
  /** Print only this shard's projects (1-based). */
  shard?: number;
  /** Print only the projects to tag. */
  tagOnly: boolean;
  /** A file to append the GitHub step outputs to ($GITHUB_OUTPUT). */
  output?: string;
  /** A file to append a Markdown summary to ($GITHUB_STEP_SUMMARY). */
  summary?: string;
}

const usage =
  'Usage: node plan-shards.js --tasks=<file written by nx affected -t plan --graph=<file>> --runners=<1-256> [--shard=<k> | --tag-only] [--output=<file>] [--summary=<file>]';

export function parseShardArguments(argv: string[]): ShardArguments {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        tasks: { type: 'string' },
        runners: { type: 'string' },
        shard: { type: 'string' },
        'tag-only': { type: 'boolean' },
        output: { type: 'string' },
        summary: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UserError(`${(error as Error).message}\n${usage}`);
  }
  const tasksFile = values['tasks'];
  if (typeof tasksFile !== 'string' || !tasksFile) throw new UserError(`Missing --tasks.\n${usage}`);
  const tagOnly = values['tag-only'] === true;
  const runners = values['runners'] === undefined && tagOnly ? 1 : wholeNumber('runners', values['runners'], 1, maxRunners);
  const shard = values['shard'] === undefined ? undefined : wholeNumber('shard', values['shard'], 1, runners);
  if (shard !== undefined && tagOnly) throw new UserError(`Give --shard or --tag-only, not both.\n${usage}`);
  return {
    tasksFile,
    runners,
    shard,
    tagOnly,
    output: (values['output'] as string | undefined) || undefined,
    summary: (values['summary'] as string | undefined) || undefined,
  };
}

function wholeNumber(option: string, value: unknown, min: number, max: number): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) {
    throw new UserError(`Invalid --${option}=${value ?? ''}: give a whole number from ${min} to ${max}.\n${usage}`);
  }
  return number;
}

/** The plan of each service whose plan task is in the task graph file, read from its plan target's outputPath. */
export function readPlans(tasksFile: string, workspaceRoot: string): PlanHandoff[] {
  const graph = readTaskGraph(tasksFile, workspaceRoot);
  const plans: PlanHandoff[] = [];
  for (const { target: task } of Object.values(graph.tasks.tasks)) {
    const project = graph.graph.nodes[task.project]?.data;
    const target = project?.targets?.[task.target];
    if (!project || target?.executor !== planExecutor) continue;
    const options = { ...target.options, ...(task.configuration ? target.configurations?.[task.configuration] : {}) };
    const outputPath = typeof options['outputPath'] === 'string' ? options['outputPath'] : defaultPlanOutputPath;
    // As the executors resolve their path options (executors/shared/executor-context.ts).
    const resolved = outputPath.replace('{workspaceRoot}', workspaceRoot).replace('{projectRoot}', project.root);
    const dir = isAbsolute(resolved) ? resolved : join(workspaceRoot, resolved);
    const file = relative(workspaceRoot, join(dir, 'plan.json'));
    const taskId = `${task.project}:${task.target}`;
    if (!hasHandoff('plan', dir)) {
      throw new UserError(
        `No plan.json for ${task.project} at ${file}: the task ${taskId} is in ${tasksFile} but has not run. ` +
          `Run \`nx affected -t ${task.target}\` with the same --base and --head first (the workflow's plan step does), then split again.`,
      );
    }
    try {
      plans.push(readHandoff('plan', { dir, workspaceRoot, producer: task.target }));
    } catch {
      throw new UserError(
        `${file} is not a plan this version of nx-bentoml reads (not JSON, or fields missing: written by another version?). ` +
          `Run \`nx run ${taskId}\` again with this version, then split again.`,
      );
    }
  }
  return plans.sort((a, b) => compareNames(a.project, b.project));
}

function readTaskGraph(tasksFile: string, workspaceRoot: string): z.infer<typeof taskGraphFileSchema> {
  const write = `nx affected -t plan --base=<base> --head=<head> --graph=${tasksFile}`;
  let text: string;
  try {
    text = readFileSync(isAbsolute(tasksFile) ? tasksFile : join(workspaceRoot, tasksFile), 'utf8');
  } catch {
    throw new UserError(`No task graph at ${tasksFile}: write it with \`${write}\` (the base and head of the plan run) first.`);
  }
  const parsed = (() => {
    try {
      return taskGraphFileSchema.safeParse(JSON.parse(text));
    } catch {
      return undefined;
    }
  })();
  if (!parsed?.success) {
    const where = parsed ? ` (${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message})` : ' (not JSON)';
    throw new UserError(`${tasksFile} is not a task graph written by \`${write}\`${where}. Write it again with that command.`);
  }
  return parsed.data;
}

export interface PlanSplit {
  /** The projects each runner builds or pushes, balanced by pushBytes; only shards that have some. */
  shards: PlanHandoff[][];
  /** Projects whose registries can be tagged without a build or a pull. */
  tagOnly: string[];
  upToDate: string[];
}

/**
 * Greedy, largest first onto the lightest shard (by bytes, then by count, so that services of
 * unknown size still spread; then the lowest index): the same plans always give the same shards,
 * which lets every GitLab parallel job compute its own.
 */
export function splitPlans(plans: PlanHandoff[], runners: number): PlanSplit {
  const toPublish = plans
    .filter((plan) => plan.action === 'build' || plan.action === 'push')
    .sort((a, b) => b.pushBytes - a.pushBytes || compareNames(a.project, b.project));
  const shards: Array<{ bytes: number; plans: PlanHandoff[] }> = Array.from({ length: runners }, () => ({ bytes: 0, plans: [] }));
  for (const plan of toPublish) {
    const lightest = shards.reduce((best, shard) =>
      shard.bytes < best.bytes || (shard.bytes === best.bytes && shard.plans.length < best.plans.length) ? shard : best,
    );
    lightest.plans.push(plan);
    lightest.bytes += plan.pushBytes;
  }
  const projects = (action: PlanHandoff['action']) => plans.filter((plan) => plan.action === action).map((plan) => plan.project);
  return {
    shards: shards.filter((shard) => shard.plans.length > 0).map((shard) => shard.plans),
    tagOnly: projects('tag'),
    upToDate: projects('up-to-date'),
  };
}

// Code-point order, the same on every machine (localeCompare follows the runner's locale).
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const projectList = (plans: PlanHandoff[]) => plans.map((plan) => plan.project).join(',');

/** The step outputs: `shards` for `strategy.matrix.include` (one job per shard), `tag-only` for `nx run-many --projects`. */
export function githubOutputs(split: PlanSplit): string {
  const shards = split.shards.map((plans, index) => ({ shard: index + 1, projects: projectList(plans) }));
  return `shards=${JSON.stringify(shards)}\ntag-only=${split.tagOnly.join(',')}\n`;
}

/** Every service's action, bytes and shard, as text (format "text") or a Markdown table. */
export function planSummary(plans: PlanHandoff[], split: PlanSplit, format: 'text' | 'markdown'): string {
  const shardOf = new Map(split.shards.flatMap((shardPlans, index) => shardPlans.map((plan) => [plan.project, index + 1] as const)));
  const rows = plans.map((plan) => [
    plan.project,
    plan.action === 'tag' ? 'tag only' : plan.action.replaceAll('-', ' '),
    formatBytes(plan.pushBytes),
    String(shardOf.get(plan.project) ?? (plan.action === 'tag' ? 'plan job' : '-')),
  ]);
  const header = ['project', 'action', 'to push', 'runner'];
  const title = `Plan of ${plans.length} service${plans.length === 1 ? '' : 's'}: ${split.shards.length} shard${split.shards.length === 1 ? '' : 's'} to build or push, ${split.tagOnly.length} to tag only, ${split.upToDate.length} up to date.`;
  if (format === 'text') return `${title}\n${plans.length > 0 ? `${textTable([header, ...rows])}\n` : ''}`;
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const table = plans.length > 0 ? [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n' : '';
  return `### ${title}\n\n${table}`;
}

export function runPlanShards(argv: string[], workspaceRoot: string, stdout: (text: string) => void): void {
  const args = parseShardArguments(argv);
  const plans = readPlans(args.tasksFile, workspaceRoot);
  const split = splitPlans(plans, args.runners);
  if (args.shard !== undefined) return stdout(`${projectList(split.shards[args.shard - 1] ?? [])}\n`);
  if (args.tagOnly) return stdout(`${split.tagOnly.join(',')}\n`);
  stdout(planSummary(plans, split, 'text'));
  if (args.output) appendFileSync(args.output, githubOutputs(split));
  if (args.summary) appendFileSync(args.summary, planSummary(plans, split, 'markdown'));
}

if (require.main === module) {
  try {
    runPlanShards(process.argv.slice(2), process.cwd(), (text) => process.stdout.write(text));
  } catch (error) {
    process.stderr.write(`${isUserError(error) ? error.message : ((error as Error).stack ?? String(error))}\n`);
    process.exitCode = 1;
  }
}
