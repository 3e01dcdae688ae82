import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { testPython } from '../../testing/python';
import { useTempDir } from '../../testing/temp-dir';

/**
 * python/python_locks.py in a plain interpreter (it imports only the standard library), wrapped
 * around a fake `uv pip compile` that numbers its runs: a reused lock is the number of an earlier run.
 */
const python = testPython;

const fakeUv = `
import pathlib, sys
args = sys.argv[1:]
assert args[:2] == ["pip", "compile"], args
calls = pathlib.Path(sys.argv[0]).with_name("calls")
runs = int(calls.read_text()) + 1 if calls.exists() else 1
calls.write_text(str(runs))
requirements = pathlib.Path(args[2]).read_text()
if "no-such-package" in requirements:
    sys.exit(1)
output = next(arg for arg in args if arg.startswith("--output-file=")).split("=", 1)[1]
pathlib.Path(output).write_text(f"# run {runs}\\n{requirements}")
`;

/** Each step writes requirements.in, runs BentoML's way of locking (check_call with cwd) and reads the lock. */
const driver = `
import json, os, subprocess, sys
sys.path.insert(0, sys.argv[1])
from python_locks import reuse_python_locks
cache, work, uv, steps = sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
reused = []
reuse_python_locks(cache, reused)
answers = []
for step in steps:
    with open(os.path.join(work, "requirements.in"), "w") as file:
        file.write(step["requirements"])
    os.environ.update(step.get("env", {}))
    cmd = [sys.executable, uv, "pip", "compile", "requirements.in", "--no-header", "--output-file=requirements.txt", "--python-version", "3.11"]
    try:
        subprocess.check_call(cmd, cwd=work)
        with open(os.path.join(work, "requirements.txt")) as file:
            answers.append({"lock": file.readline().strip(), "reused": len(reused)})
    except subprocess.CalledProcessError as error:
        answers.append({"failed": error.returncode})
# Other commands pass through untouched.
subprocess.check_call([sys.executable, "-c", "pass"])
print(json.dumps(answers))
`;

describe('python_locks.py: one resolution per set of requirements', () => {
  const temp = useTempDir('nx-bentoml-locks-');

  /** Runs the steps in one Python process, in a directory of their own (its own fake uv, work directory and lock cache). */
  function lockSteps(steps: Array<{ requirements: string; env?: Record<string, string> }>, name = 'run') {
    temp.write(`${name}/uv/fake_uv.py`, fakeUv);
    temp.write(`${name}/work/.keep`, '');
    const dir = join(temp.dir, name);
    const cache = join(dir, 'locks');
    const args = ['-c', driver, join(__dirname, 'python'), cache, join(dir, 'work'), join(dir, 'uv/fake_uv.py')];
    const answers = JSON.parse(execFileSync(python, [...args, JSON.stringify(steps)], { encoding: 'utf8' }));
    return { answers, kept: existsSync(cache) ? readdirSync(cache) : [] };
  }

  it('reuses the lock of the same requirements, and resolves changed ones, other index settings and failures again', () => {
    const packages = 'scikit-learn==1.9.1\nbentoml==1.4.39\n';
    const { answers, kept } = lockSteps([
      { requirements: packages },
      { requirements: packages },
      { requirements: 'scikit-learn==1.9.0\nbentoml==1.4.39\n' },
      { requirements: packages, env: { UV_INDEX_URL: 'https://pypi.example.com/simple' } },
      { requirements: 'no-such-package\n' },
      { requirements: 'no-such-package\n' },
    ]);
    expect(answers).toEqual([
      { lock: '# run 1', reused: 0 },
      { lock: '# run 1', reused: 1 },
      { lock: '# run 2', reused: 1 },
      { lock: '# run 3', reused: 1 },
      { failed: 1 },
      { failed: 1 },
    ]);
    // Three locks kept, none of the failed resolution, nothing half-written.
    expect(kept).toHaveLength(3);
    expect(kept.every((name) => /^[0-9a-f]{64}\.txt$/.test(name))).toBe(true);
  });

  it('keeps no lock that holds an index URL with credentials (uv writes them in as given)', () => {
    const requirements = '--index-url https://ci:s3cret-token@pypi.example.com/simple\nscikit-learn==1.9.1\n';
    const { answers, kept } = lockSteps([{ requirements }, { requirements }]);
    expect(answers).toEqual([
      { lock: '# run 1', reused: 0 },
      { lock: '# run 2', reused: 0 },
    ]);
    expect(kept).toEqual([]);
  });

  it('resolves every time requirements that name local files or version control, whose contents are not in the key', () => {
    for (const [index, line] of [
      './wheels/bentoml-1.4.40.dev1.tar.gz',
      '-e .',
      'mylib @ git+https://example.com/mylib.git',
      'git+https://example.com/x.git',
    ].entries()) {
      const requirements = `scikit-learn==1.9.1\n${line}\n`;
      const { answers, kept } = lockSteps([{ requirements }, { requirements }], `run${index}`);
      expect({ line, answers, kept }).toEqual({
        line,
        answers: [
          { lock: '# run 1', reused: 0 },
          { lock: '# run 2', reused: 0 },
        ],
        kept: [],
      });
    }
  });
});
