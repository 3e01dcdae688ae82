import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PlanHandoff } from '../lib/chain/handoff-files';
import { githubOutputs, parseShardArguments, planSummary, readPlans, runPlanShards, splitPlans } from './plan-shards';

function plan(project: string, action: PlanHandoff['action'], pushBytes = 0): PlanHandoff {
  return { project, imageName: project, bentoTag: `${project}:v1`, buildKey: `key-${project}`, action, pushBytes, registries: [] };
}

const projectsOf = (shards: PlanHandoff[][]) => shards.map((shard) => shard.map((p) => p.project));

describe('splitPlans', () => {
  it('puts the largest service first onto the lightest shard', () => {
    const plans = [
      plan('a', 'build', 500),
      plan('b', 'build', 400),
      plan('c', 'push', 300),
      plan('d', 'build', 200),
      plan('e', 'build', 100),
    ];
    const { shards } = splitPlans(plans, 2);
    // a(500) -> 1; b(400) -> 2; c(300) -> 2 (400 < 500); d(200) -> 1 (500 < 700); e(100) -> 1 (700 = 700, fewer projects)
    expect(projectsOf(shards)).toEqual([
      ['a', 'd', 'e'],
      ['b', 'c'],
    ]);
  });

  it('sends only builds and pushes to the shards; tag-only and up-to-date services are listed apart', () => {
    const split = splitPlans([plan('iris', 'tag', 10), plan('digits', 'build', 99), plan('wine', 'up-to-date'), plan('faces', 'tag')], 3);
    expect(projectsOf(split.shards)).toEqual([['digits']]);
    expect(split.tagOnly).toEqual(['iris', 'faces']);
    expect(split.upToDate).toEqual(['wine']);
  });

  it('spreads services of unknown size (0 bytes) by count', () => {
    const plans = ['a', 'b', 'c', 'd', 'e'].map((name) => plan(name, 'build'));
    expect(projectsOf(splitPlans(plans, 2).shards)).toEqual([
      ['a', 'c', 'e'],
      ['b', 'd'],
    ]);
  });

  it('gives the same shards whatever the order it reads the plans in', () => {
    const plans = [plan('x', 'build', 5), plan('y', 'build', 5), plan('z', 'build', 5), plan('w', 'push', 7)];
    const expected = projectsOf(splitPlans(plans, 2).shards);
    expect(projectsOf(splitPlans([...plans].reverse(), 2).shards)).toEqual(expected);
    expect(expected).toEqual([
      ['w', 'z'],
      ['x', 'y'],
    ]);
  });

  it('leaves out empty shards: fewer services than runners, or nothing to build', () => {
    expect(projectsOf(splitPlans([plan('a', 'build', 1), plan('b', 'build', 2)], 5).shards)).toEqual([['b'], ['a']]);
    expect(splitPlans([plan('a', 'tag')], 5).shards).toEqual([]);
    expect(splitPlans([], 1)).toEqual({ shards: [], tagOnly: [], upToDate: [] });
  });
});

describe('githubOutputs', () => {
  it('writes the shards as a matrix include list and the tag-only projects as one --projects value', () => {
    const split = splitPlans([plan('a', 'build', 3), plan('b', 'build', 2), plan('c', 'build', 1), plan('t', 'tag'), plan('u', 'tag')], 2);
    expect(githubOutputs(split)).toBe('shards=[{"shard":1,"projects":"a"},{"shard":2,"projects":"b,c"}]\ntag-only=t,u\n');
    expect(githubOutputs(splitPlans([], 3))).toBe('shards=[]\ntag-only=\n');
  });
});

describe('planSummary', () => {
  it('lists each service with its action, bytes and runner', () => {
    const plans = [plan('digits', 'build', 2_500_000), plan('iris', 'tag', 1000), plan('wine', 'up-to-date')];
    const split = splitPlans(plans, 2);
    expect(planSummary(plans, split, 'text')).toBe(
      'Plan of 3 services: 1 shard to build or push, 1 to tag only, 1 up to date.\n' +
        'project  action      to push  runner\n' +
        'digits   build       2.5 MB   1\n' +
        'iris     tag only    1.0 KB   plan job\n' +
        'wine     up to date  0 B      -\n',
    );
    expect(planSummary(plans, split, 'markdown')).toContain('| digits | build | 2.5 MB | 1 |\n');
  });
});

describe('parseShardArguments', () => {
  it('reads the task graph file, the runners and what to print', () => {
    expect(parseShardArguments(['--tasks=t.json', '--runners=3', '--output=o', '--summary=s'])).toEqual({
      tasksFile: 't.json',
      runners: 3,
      shard: undefined,
      tagOnly: false,
      output: 'o',
      summary: 's',
    });
    expect(parseShardArguments(['--tasks', 't.json', '--runners', '4', '--shard', '4'])).toMatchObject({ runners: 4, shard: 4 });
    expect(parseShardArguments(['--tasks=t.json', '--tag-only'])).toMatchObject({ runners: 1, tagOnly: true });
    // An unset $GITHUB_OUTPUT gives an empty value: nothing is written.
    expect(parseShardArguments(['--tasks=t.json', '--runners=1', '--output='])).toMatchObject({ output: undefined });
  });

  it.each([
    [['--runners=2'], /^Missing --tasks\.\nUsage: node plan-shards\.js/],
    [['--tasks=t.json'], /^Invalid --runners=: give a whole number from 1 to 256\./],
    [['--tasks=t.json', '--runners=0'], /^Invalid --runners=0: give a whole number from 1 to 256\./],
    [['--tasks=t.json', '--runners=257'], /^Invalid --runners=257/],
    [['--tasks=t.json', '--runners=1.5'], /^Invalid --runners=1\.5/],
    [['--tasks=t.json', '--runners=3', '--shard=4'], /^Invalid --shard=4: give a whole number from 1 to 3\./],
    [['--tasks=t.json', '--runners=3', '--shard=1', '--tag-only'], /^Give --shard or --tag-only, not both\./],
    [['--tasks=t.json', '--runners=3', '--shards=2'], /Unknown option '--shards'/],
  ])('refuses %j with the usage', (argv, message) => {
    expect(() => parseShardArguments(argv)).toThrow(message);
  });
});

describe('readPlans and runPlanShards, on files', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'plan-shards-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const write = (file: string, content: unknown) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), typeof content === 'string' ? content : JSON.stringify(content));
  };

  /** What `nx affected -t plan --graph=tasks.json` writes, trimmed to what the program reads. */
  function taskGraph(projects: Record<string, { root: string; planOptions?: Record<string, unknown>; planned?: boolean }>) {
    const nodes = Object.fromEntries(
      Object.entries(projects).map(([name, project]) => [
        name,
        {
          name,
          type: 'app',
          data: {
            root: project.root,
            targets: {
              'bento-build': { executor: 'nx-bentoml:bento-build', options: {} },
              plan: { executor: 'nx-bentoml:plan', ...(project.planOptions ? { options: project.planOptions } : {}) },
            },
          },
        },
      ]),
    );
    const planned = Object.keys(projects).filter((name) => projects[name].planned !== false);
    const tasks = Object.fromEntries(
      planned.flatMap((name) => [
        [`${name}:plan`, { id: `${name}:plan`, target: { project: name, target: 'plan' }, projectRoot: projects[name].root }],
        [`${name}:bento-build`, { id: `${name}:bento-build`, target: { project: name, target: 'bento-build' } }],
      ]),
    );
    return { graph: { nodes, dependencies: {} }, tasks: { roots: [], tasks, dependencies: {} } };
  }

  it('reads the plan.json of each plan task in the graph, under the default or the configured outputPath', () => {
    write(
      'tasks.json',
      taskGraph({
        digits: { root: 'apps/digits' },
        iris: { root: 'models/iris', planOptions: { outputPath: '{workspaceRoot}/out/{projectRoot}' } },
        wine: { root: 'apps/wine', planned: false },
      }),
    );
    write('dist/apps/digits/plan/plan.json', plan('digits', 'build', 7));
    write('out/models/iris/plan.json', plan('iris', 'tag'));
    // Left by an earlier run: wine's plan task is not in this run's graph.
    write('dist/apps/wine/plan/plan.json', plan('wine', 'build'));
    expect(readPlans('tasks.json', root).map((p) => [p.project, p.action])).toEqual([
      ['digits', 'build'],
      ['iris', 'tag'],
    ]);
  });

  it('names the missing plan.json and the command that writes it', () => {
    write('tasks.json', taskGraph({ digits: { root: 'apps/digits' } }));
    expect(() => readPlans('tasks.json', root)).toThrow(
      'No plan.json for digits at dist/apps/digits/plan/plan.json: the task digits:plan is in tasks.json but has not run. ' +
        "Run `nx affected -t plan` with the same --base and --head first (the workflow's plan step does), then split again.",
    );
  });

  it('names an invalid plan.json and says to plan again', () => {
    write('tasks.json', taskGraph({ digits: { root: 'apps/digits' } }));
    write('dist/apps/digits/plan/plan.json', { project: 'digits', action: 'rebuild' });
    expect(() => readPlans('tasks.json', root)).toThrow(
      'dist/apps/digits/plan/plan.json is not a plan this version of nx-bentoml reads (not JSON, or fields missing: written by another version?). ' +
        'Run `nx run digits:plan` again with this version, then split again.',
    );
  });

  it('says how to write a missing or invalid task graph file', () => {
    expect(() => readPlans('tasks.json', root)).toThrow(
      'No task graph at tasks.json: write it with `nx affected -t plan --base=<base> --head=<head> --graph=tasks.json` (the base and head of the plan run) first.',
    );
    write('tasks.json', '{"graph":');
    expect(() => readPlans('tasks.json', root)).toThrow(
      /^tasks\.json is not a task graph written by `nx affected .*` \(not JSON\)\. Write it again/,
    );
    write('tasks.json', { graph: { nodes: {} } });
    expect(() => readPlans('tasks.json', root)).toThrow(/^tasks\.json is not a task graph .* \(tasks: .*\)\. Write it again/);
  });

  it('writes the GitHub outputs and summary, and prints one shard or the tag-only list', () => {
    write('tasks.json', taskGraph({ a: { root: 'apps/a' }, b: { root: 'apps/b' }, c: { root: 'apps/c' }, t: { root: 'apps/t' } }));
    write('dist/apps/a/plan/plan.json', plan('a', 'build', 30));
    write('dist/apps/b/plan/plan.json', plan('b', 'push', 20));
    write('dist/apps/c/plan/plan.json', plan('c', 'build', 10));
    write('dist/apps/t/plan/plan.json', plan('t', 'tag', 1));
    const printed: string[] = [];
    const print = (text: string) => printed.push(text);
    const output = join(root, 'github-output');
    writeFileSync(output, 'earlier=1\n');
    runPlanShards(['--tasks=tasks.json', '--runners=2', `--output=${output}`, `--summary=${join(root, 'summary.md')}`], root, print);
    expect(readFileSync(output, 'utf8')).toBe('earlier=1\nshards=[{"shard":1,"projects":"a"},{"shard":2,"projects":"b,c"}]\ntag-only=t\n');
    expect(readFileSync(join(root, 'summary.md'), 'utf8')).toMatch(/^### Plan of 4 services: 2 shards to build or push, 1 to tag only/);
    expect(printed.join('')).toMatch(/^Plan of 4 services/);

    const shard = (k: number) => {
      printed.length = 0;
      runPlanShards(['--tasks=tasks.json', '--runners=3', `--shard=${k}`], root, print);
      return printed.join('');
    };
    // 3 runners for 3 services: one each; every job computes the same split.
    expect([shard(1), shard(2), shard(3)]).toEqual(['a\n', 'b\n', 'c\n']);
    printed.length = 0;
    runPlanShards(['--tasks=tasks.json', '--tag-only'], root, print);
    expect(printed).toEqual(['t\n']);
  });

  it('prints an empty line for a shard with nothing to build', () => {
    write('tasks.json', taskGraph({ a: { root: 'apps/a' } }));
    write('dist/apps/a/plan/plan.json', plan('a', 'build'));
    const printed: string[] = [];
    runPlanShards(['--tasks=tasks.json', '--runners=2', '--shard=2'], root, (text) => printed.push(text));
    expect(printed).toEqual(['\n']);
  });
});
