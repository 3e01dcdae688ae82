import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { useTempDir } from '../../testing/temp-dir';
import { parseToml } from '../toml';
import { parseBentofile, parsePyprojectBuildConfig } from './build-config-schema';
import { stageBuildContext } from './build-context';

describe('stageBuildContext', () => {
  const workspace = useTempDir('nx-bentoml-context-spec-');
  const stage = (bentofileText: string) => {
    workspace.write('apps/alpha/src/bentofile.yaml', bentofileText);
    const contextDir = join(workspace.dir, 'apps/alpha/src');
    return stageBuildContext(
      parseBentofile(bentofileText, 'bentofile.yaml'),
      join(contextDir, 'bentofile.yaml'),
      contextDir,
      workspace.dir,
    );
  };
  beforeEach(() => {
    workspace.write('apps/alpha/src/serve.py', 'import features\n');
    workspace.write('apps/alpha/src/__pycache__/serve.cpython-311.pyc', 'x');
    workspace.write('libs/features/features/__init__.py', 'SCALE = 2\n');
    workspace.write('libs/features/features/__pycache__/x.pyc', 'x');
  });

  it('is the bentofile directory itself when nothing is included from outside it', () => {
    const context = stage('service: "serve:S"\ninclude: ["*.py"]\n');
    expect(context.contextDir).toBe(join(workspace.dir, 'apps/alpha/src'));
  });

  it('stages the context with each shared library under its own name and a bentofile that includes it there', () => {
    const context = stage(
      'service: "serve:S"\n# shared code\ninclude:\n  - "*.py"\n  - "../../../libs/features/features/**/*.py"\npython:\n  packages: [numpy]\n',
    );
    try {
      expect(readFileSync(join(context.contextDir, 'features/__init__.py'), 'utf8')).toBe('SCALE = 2\n');
      expect(readFileSync(join(context.contextDir, 'serve.py'), 'utf8')).toBe('import features\n');
      expect(existsSync(join(context.contextDir, '__pycache__'))).toBe(false);
      expect(existsSync(join(context.contextDir, 'features/__pycache__'))).toBe(false);
      expect(readFileSync(context.bentofilePath!, 'utf8')).toBe(
        'service: "serve:S"\n# shared code\ninclude:\n  - "*.py"\n  - "features/**/*.py"\npython:\n  packages: [ numpy ]\n',
      );
    } finally {
      context.dispose();
    }
    expect(existsSync(context.contextDir)).toBe(false);
  });

  it('refuses a shared library that does not exist or clashes with a file of the service', () => {
    expect(() => stage('service: "serve:S"\ninclude: ["../../../libs/nope/nope/**"]\n')).toThrow(
      'The bentofile\'s include pattern "../../../libs/nope/nope/**" names libs/nope/nope, which does not exist. Fix the path: it is relative to apps/alpha/src.',
    );
    workspace.write('apps/alpha/src/features/x.py', '');
    expect(() => stage('service: "serve:S"\ninclude: ["../../../libs/features/features/**"]\n')).toThrow(
      'The shared library libs/features/features would be packed as "features", but apps/alpha/src/features exists too. Rename one of them.',
    );
  });

  it('keeps every other path that leads out of the bentofile directory pointing at the same file', () => {
    workspace.write('apps/alpha/requirements.txt', 'numpy\n');
    const context = stage(
      'service: "serve:S"\ninclude: ["../../../libs/features/features/**"]\ndescription: "file: ../README.md"\npython:\n  requirements_txt: ../requirements.txt\n  wheels: ["./local.whl"]\n',
    );
    try {
      const staged = parseBentofile(readFileSync(context.bentofilePath!, 'utf8'), 'staged');
      const requirements = (staged.python as { requirements_txt: string }).requirements_txt;
      expect(requirements.startsWith('../')).toBe(true);
      expect(readFileSync(join(context.contextDir, requirements), 'utf8')).toBe('numpy\n');
      expect(staged.description).toBe(`file:${join(relative(context.contextDir, join(workspace.dir, 'apps/alpha')), 'README.md')}`);
      expect((staged.python as { wheels: string[] }).wheels).toEqual(['./local.whl']);
    } finally {
      context.dispose();
    }
  });

  it('stages a pyproject.toml service the same way: its [tool.bentoml.build] restaged, its other tables kept', () => {
    workspace.write('apps/alpha/requirements.txt', 'numpy\n');
    const text =
      '[project]\nname = "alpha"\ndependencies = ["numpy"]\n\n[tool.bentoml.build]\nservice = "serve:S"\n' +
      'include = ["*.py", "../../../libs/features/features/**/*.py"]\n\n[tool.bentoml.build.python]\nrequirements_txt = "../requirements.txt"\n';
    workspace.write('apps/alpha/src/pyproject.toml', text);
    const contextDir = join(workspace.dir, 'apps/alpha/src');
    const context = stageBuildContext(
      parsePyprojectBuildConfig(text, 'pyproject.toml'),
      join(contextDir, 'pyproject.toml'),
      contextDir,
      workspace.dir,
    );
    try {
      expect(context.bentofilePath).toBe(join(context.contextDir, 'pyproject.toml'));
      expect(readFileSync(join(context.contextDir, 'features/__init__.py'), 'utf8')).toBe('SCALE = 2\n');
      const staged = parseToml(readFileSync(context.bentofilePath!, 'utf8'), 'staged') as {
        project: unknown;
        tool: { bentoml: { build: { include: string[]; python: { requirements_txt: string } } } };
      };
      expect(staged.project).toEqual({ name: 'alpha', dependencies: ['numpy'] });
      expect(staged.tool.bentoml.build.include).toEqual(['*.py', 'features/**/*.py']);
      expect(readFileSync(join(context.contextDir, staged.tool.bentoml.build.python.requirements_txt), 'utf8')).toBe('numpy\n');
    } finally {
      context.dispose();
    }
    expect(existsSync(context.contextDir)).toBe(false);
  });

  it('packs a library that several patterns name once, and refuses two libraries with one name', () => {
    const context = stage(
      'service: "serve:S"\ninclude: ["../../../libs/features/features/**/*.py", "../../../libs/features/features/**/*.json"]\n',
    );
    context.dispose();
    workspace.write('libs/other/features/__init__.py', '');
    expect(() => stage('service: "serve:S"\ninclude: ["../../../libs/features/features/**", "../../../libs/other/features/**"]\n')).toThrow(
      'The shared libraries libs/features/features and libs/other/features would both be packed as "features". Include only one of them, or rename one.',
    );
  });

  it('removes staged contexts that a stopped task left behind', () => {
    const abandoned = mkdtempSync(join(tmpdir(), 'nx-bentoml-staged-context-999999999-'));
    stage('service: "serve:S"\ninclude: ["../../../libs/features/features/**"]\n').dispose();
    expect(existsSync(abandoned)).toBe(false);
  });

  it('refuses a pattern that leads out of the workspace', () => {
    expect(() => stage('service: "serve:S"\ninclude: ["../../../../x/**"]\n')).toThrow('cannot be packed: it leads out of the workspace.');
  });
});
