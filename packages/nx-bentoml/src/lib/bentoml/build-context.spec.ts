import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTempDir } from '../../testing/temp-dir';
import { parseBentofile } from './bentofile';
import { stageBuildContext } from './build-context';

describe('stageBuildContext', () => {
  const workspace = useTempDir('nx-bentoml-context-spec-');
  const stage = (bentofileText: string) => {
    workspace.write('apps/alpha/src/bentofile.yaml', bentofileText);
    const contextDir = join(workspace.dir, 'apps/alpha/src');
    return stageBuildContext(parseBentofile(bentofileText, 'bentofile.yaml'), join(contextDir, 'bentofile.yaml'), contextDir, workspace.dir);
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
    const context = stage('service: "serve:S"\n# shared code\ninclude:\n  - "*.py"\n  - "../../../libs/features/features/**/*.py"\npython:\n  packages: [numpy]\n');
    try {
      expect(readFileSync(join(context.contextDir, 'features/__init__.py'), 'utf8')).toBe('SCALE = 2\n');
      expect(readFileSync(join(context.contextDir, 'serve.py'), 'utf8')).toBe('import features\n');
      expect(existsSync(join(context.contextDir, '__pycache__'))).toBe(false);
      expect(existsSync(join(context.contextDir, 'features/__pycache__'))).toBe(false);
      expect(readFileSync(context.bentofilePath, 'utf8')).toBe('service: "serve:S"\n# shared code\ninclude:\n  - "*.py"\n  - "features/**/*.py"\npython:\n  packages: [ numpy ]\n');
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

  it('refuses a pattern that leads out of the workspace', () => {
    expect(() => stage('service: "serve:S"\ninclude: ["../../../../x/**"]\n')).toThrow('cannot be packed: it leads out of the workspace.');
  });
});
