import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testPython } from '../../testing/python';
import { useTempDir } from '../../testing/temp-dir';

/**
 * python/index_credentials.py in a plain interpreter, against stub bentoml modules: a
 * PythonOptions.fix_dep_urls that rewrites the lock as BentoML's does (a git dependency built into
 * a wheel: it finds the line only while the credentials are still there), and BentoML's split_envs_by_stage.
 */
const stubs: Record<string, string> = {
  'bentoml/__init__.py': '',
  'bentoml/_internal/__init__.py': '',
  'bentoml/_internal/bento/__init__.py': '',
  'bentoml/_internal/bento/build_config.py': `
import dataclasses

@dataclasses.dataclass
class BentoEnvSchema:
    name: str
    value: str = ""
    stage: str = "all"

class PythonOptions:
    @staticmethod
    def fix_dep_urls(requirements_txt, wheels_folder, pack_git_packages=True):
        with open(requirements_txt) as file:
            text = file.read()
        with open(requirements_txt, "w") as file:
            file.write(text.replace("mylib @ git+https://ci:tok-123@git.internal/mylib.git", "./wheels/mylib-1.0-py3-none-any.whl"))
`,
  'bentoml/_internal/container/__init__.py': `
def split_envs_by_stage(envs):
    return [env for env in envs if env.stage != "build"], [env for env in envs if env.stage == "build"]
`,
};

/** Runs `code` with python/ and the stubs importable; prints what it prints. */
function python(temp: ReturnType<typeof useTempDir>, code: string, args: string[] = []): string {
  for (const [path, text] of Object.entries(stubs)) temp.write(`site/${path}`, text);
  const prelude = `import json, os, sys\nsys.path[:0] = [${JSON.stringify(join(__dirname, 'python'))}, ${JSON.stringify(join(temp.dir, 'site'))}]\n`;
  return execFileSync(testPython, ['-c', prelude + code, ...args], { encoding: 'utf8' });
}

/** A lock in every form uv writes an index or a package URL, with credentials. */
const lock = [
  '--index-url https://ci:tok-123@pypi.internal/simple',
  '--extra-index-url http://ci:tok-123@127.0.0.1:8080/simple/',
  '--find-links https://tok-123@files.internal:443/wheels/',
  '-i https://ci:tok-123@mirror.internal/simple',
  '',
  'scikit-learn==1.9.1',
  'tiny @ https://ci:tok-123@files.internal/tiny-1.0-py3-none-any.whl',
  'private @ git+ssh://git@github.com/acme/private.git@v1',
  'mylib @ git+https://ci:tok-123@git.internal/mylib.git',
  '',
].join('\n');

describe('index_credentials.py: index credentials out of the Bento, into the build as secrets', () => {
  const temp = useTempDir('nx-bentoml-index-credentials-');

  it('strips the credentials from every URL form of the lock, after BentoML has fixed it, and names each index they came from', () => {
    temp.write('bento/env/python/requirements.txt', lock);
    temp.write('bento/env/python/requirements.in', 'tiny\n--extra-index-url http://ci:tok-123@127.0.0.1:8080/simple/\n');
    python(
      temp,
      `from index_credentials import strip_lock_credentials
strip_lock_credentials()
from bentoml._internal.bento.build_config import PythonOptions
PythonOptions.fix_dep_urls(sys.argv[1], "wheels", True)
PythonOptions.fix_dep_urls(sys.argv[1], "wheels", True)  # twice: nothing more changes`,
      [join(temp.dir, 'bento/env/python/requirements.txt')],
    );
    const read = (name: string) => readFileSync(join(temp.dir, 'bento/env/python', name), 'utf8');
    expect(read('requirements.txt')).toBe(
      [
        '--index-url https://pypi.internal/simple',
        '--extra-index-url http://127.0.0.1:8080/simple/',
        '--find-links https://files.internal:443/wheels/',
        '-i https://mirror.internal/simple',
        '',
        'scikit-learn==1.9.1',
        'tiny @ https://files.internal/tiny-1.0-py3-none-any.whl',
        // ssh needs its user, which is no secret; the git dependency was built into a wheel with the credentials.
        'private @ git+ssh://git@github.com/acme/private.git@v1',
        './wheels/mylib-1.0-py3-none-any.whl',
        '# nx-bentoml: index credentials removed for https://pypi.internal',
        '# nx-bentoml: index credentials removed for http://127.0.0.1:8080',
        '# nx-bentoml: index credentials removed for https://files.internal',
        '# nx-bentoml: index credentials removed for https://mirror.internal',
        '',
      ].join('\n'),
    );
    expect(read('requirements.in')).not.toContain('tok-123');
  });

  it('names the uv settings of containerize that hold the credentials of the indexes the lock lost, and the indexes none holds', () => {
    temp.write('bento/env/python/requirements.txt', `x==1\n# nx-bentoml: index credentials removed for https://pypi.internal\n`);
    temp.write('bento/env/python/requirements.lock.txt', `# nx-bentoml: index credentials removed for http://127.0.0.1:8080\n`);
    const answer = (env: Record<string, string>) =>
      JSON.parse(
        python(
          temp,
          `from index_credentials import index_settings, removed_credentials
indexes = removed_credentials(sys.argv[1])
print(json.dumps([indexes, *index_settings(indexes, json.loads(sys.argv[2]))]))`,
          [join(temp.dir, 'bento'), JSON.stringify(env)],
        ),
      );
    const indexes = ['https://pypi.internal', 'http://127.0.0.1:8080'];
    expect(
      answer({
        UV_INDEX_URL: 'https://pypi.org/simple',
        UV_INDEX: 'internal=https://ci:tok@pypi.internal:443/simple other=https://o:t@else.internal/simple',
        UV_EXTRA_INDEX_URL: 'http://ci:tok@127.0.0.1:8080/simple',
        PIP_EXTRA_INDEX_URL: 'https://ci:tok@pypi.internal/simple',
      }),
    ).toEqual([indexes, ['UV_EXTRA_INDEX_URL', 'UV_INDEX'], []]);
    // A PIP_* setting never reaches uv in the build; an index URL without credentials gives none.
    expect(
      answer({ PIP_EXTRA_INDEX_URL: 'https://ci:tok@pypi.internal/simple', UV_DEFAULT_INDEX: 'http://127.0.0.1:8080/simple' }),
    ).toEqual([indexes, [], indexes]);
  });

  it("adds the settings to BentoML's build-stage environment variables, once, whatever the Bento declares", () => {
    const build = python(
      temp,
      `from index_credentials import add_build_secrets
from bentoml._internal.bento.build_config import BentoEnvSchema
add_build_secrets(["UV_EXTRA_INDEX_URL", "HF_TOKEN"])
import bentoml._internal.container as container
runtime, build = container.split_envs_by_stage([BentoEnvSchema("A"), BentoEnvSchema("HF_TOKEN", stage="build")])
print(json.dumps([[env.name for env in runtime], [[env.name, env.stage] for env in build]]))`,
    );
    expect(JSON.parse(build)).toEqual([
      ['A'],
      [
        ['HF_TOKEN', 'build'],
        ['UV_EXTRA_INDEX_URL', 'build'],
      ],
    ]);
  });
});
