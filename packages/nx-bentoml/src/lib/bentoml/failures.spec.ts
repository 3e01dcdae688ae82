import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type BuildPaths, buildError, commandError, isUnreadableArchive, unreadableModelError } from './failures';

/**
 * BentoML 1.4.39's output for each failure, as recorded from the real CLI: what the user reads
 * must name the problem and the fix, never a traceback.
 */
const failed = (stderr: string, stdout = '') => ({ stdout, stderr, exitCode: 1 });
const traceback = (last: string) =>
  [
    'Traceback (most recent call last):',
    '  File "/venv/bentoml_cli/models.py", line 264, in import_from',
    '    bentomodel = import_model(model_path)',
    '                 ^^^^^^^^^^^^',
    last,
  ].join('\n');

describe('BentoML failures, as users read them', () => {
  it('says a model file that is not an archive is damaged, with the exception line only', () => {
    const result = failed(traceback('_lzma.LZMAError: Input format not supported by decoder'));
    expect(isUnreadableArchive(result.stderr)).toBe(true);
    expect(unreadableModelError('model/m.bentomodel', result).message).toBe(
      'model/m.bentomodel is not a model archive BentoML can read (_lzma.LZMAError: Input format not supported by decoder): it is truncated or damaged. ' +
        'Restore it (git checkout, or "dvc pull" for a DVC-tracked model) or export it again with bentoml.models.export_model, then run again.',
    );
  });

  it('says a truncated model file ends early, where BentoML only prints "Aborted!"', () => {
    const result = failed('\nAborted!');
    expect(isUnreadableArchive(result.stderr)).toBe(true);
    expect(unreadableModelError('model/m.bentomodel', result).message).toContain(
      'model/m.bentomodel is not a model archive BentoML can read (the archive ends early)',
    );
  });

  it('does not call a store that cannot be written a damaged archive', () => {
    expect(isUnreadableArchive(traceback("PermissionError: [Errno 13] Permission denied: '/home/u/bentoml/models'"))).toBe(false);
  });

  it('keeps only the exception line of any other traceback', () => {
    const message = commandError(
      ['models', 'import', 'm.bentomodel'],
      failed(`INFO: starting\n${traceback("PermissionError: [Errno 13] Permission denied: '/b/models'")}`),
    ).message;
    expect(message).toBe("bentoml models import m.bentomodel failed (exit 1):\nPermissionError: [Errno 13] Permission denied: '/b/models'");
  });

  it("keeps BentoML's Error: line and what follows it", () => {
    expect(commandError(['export', 'a:b'], failed('INFO: x\nError: [bentos] `export` failed: no space left\nmore')).message).toBe(
      'bentoml export a:b failed (exit 1):\nError: [bentos] `export` failed: no space left\nmore',
    );
  });

  it('names the model the service asks for when no model file of the project holds it, and the module to fix', () => {
    const result = failed(
      'Error: [bentos] `build` failed: Model other_model:latest could not be found locally and failed to fetch from remote because No cloud context default found.',
    );
    const paths = {
      workspaceRoot: '/ws',
      contextDir: '/ws/models/x',
      bentofile: '/ws/models/x',
      sourceBentofile: '/ws/models/x',
      serviceModule: 'models/x/service.py',
    };
    expect(buildError(result, 'models/x', paths).message).toBe(
      "The service asks for the model other_model:latest, which is not in the BentoML store: none of the project's model files holds it. " +
        'Fix the model name in models/x/service.py, or provide the model: export it into the project as a .bentomodel file ' +
        '(bentoml.models.export_model), tracked by git or by DVC ("dvc add"), or put it in this machine\'s BentoML store ' +
        '("bentoml models import <file>", or "bentoml models pull" from BentoCloud), then run again.',
    );
    expect(buildError(result, 'apps/x/src/bentofile.yaml').message).toContain(
      'Fix the model name in the service module, or provide the model',
    );
  });

  it('names the model serve.py asks for when no model file of the project holds it', () => {
    const result = failed(
      'Error: [bentos] `build` failed: Model other_model:latest could not be found locally and failed to fetch from remote because No cloud context default found.',
    );
    expect(
      buildError(result, 'apps/x/src/bentofile.yaml', {
        workspaceRoot: '/ws',
        contextDir: '/ws/apps/x/src',
        bentofile: '/ws/apps/x/src/bentofile.yaml',
        sourceBentofile: '/ws/apps/x/src/bentofile.yaml',
        serviceModule: 'apps/x/src/serve.py',
      }).message,
    ).toBe(
      "The service asks for the model other_model:latest, which is not in the BentoML store: none of the project's model files holds it. " +
        'Fix the model name in apps/x/src/serve.py, or provide the model: export it into the project as a .bentomodel file ' +
        '(bentoml.models.export_model), tracked by git or by DVC ("dvc add"), or put it in this machine\'s BentoML store ' +
        '("bentoml models import <file>", or "bentoml models pull" from BentoCloud), then run again.',
    );
  });

  it("shows uv's reason when the bentofile's packages cannot be locked", () => {
    const result = failed(
      [
        'INFO: Locking PyPI package versions.',
        'error: No solution found when resolving dependencies',
        '  cause: Because no-such-package was not found in the package registry and you require no-such-package==1.0, we can conclude that your requirements are unsatisfiable.',
        'Error: [bentos] `build` failed: Failed to lock PyPI packages. Add `--debug` option to see more details.',
      ].join('\n'),
    );
    expect(buildError(result, 'apps/x/src/bentofile.yaml').message).toBe(
      [
        'BentoML could not resolve the Python packages of apps/x/src/bentofile.yaml (python.packages, requirements_txt):',
        'error: No solution found when resolving dependencies',
        'cause: Because no-such-package was not found in the package registry and you require no-such-package==1.0, we can conclude that your requirements are unsatisfiable.',
        'Fix the package names or versions (each must exist on your package index) and run again.',
      ].join('\n'),
    );
  });

  it('reports any other build failure as BentoML said it', () => {
    expect(buildError(failed('Error: [bentos] `build` failed: something else'), 'b.yaml').message).toBe(
      'bentoml build failed (exit 1):\nError: [bentos] `build` failed: something else',
    );
  });
});

/**
 * What `bentoml build` (BentoML 1.4.39, Python 3.11.7) printed for a service that fails while
 * BentoML loads it, recorded with NO_COLOR=1 and COLUMNS=200 as the client runs it, in a workspace
 * at /tmp/ws (service apps/x/src/serve.py, bentofile "service: serve:Svc") and, for the shared
 * library cases, a staged context as build-context.ts makes one. Every traceback starts with the
 * same frames of BentoML and importlib; they are written once.
 */
const recordedWorkspace = '/tmp/ws';
const recordedStagedContext = '/tmp/nx-bentoml-staged-context-4242-Ab12Cd';
const bentomlBuildOutput = (middle: string[], tail: string[]) => [...loadingFrames, ...middle, ...tail].join('\n');
const loadingFrames = [
  'Traceback (most recent call last):',
  '  File "<frozen runpy>", line 198, in _run_module_as_main',
  '  File "<frozen runpy>", line 88, in _run_code',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/bentoml/__main__.py", line 4, in <module>',
  '    cli()',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/click/core.py", line 1653, in __call__',
  '    return self.main(*args, **kwargs)',
  '           ^^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/click/core.py", line 1560, in main',
  '    rv = self.invoke(ctx)',
  '         ^^^^^^^^^^^^^^^^',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/click/core.py", line 2054, in invoke',
  '    return _process_result(sub_ctx.command.invoke(sub_ctx))',
  '                           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/click/core.py", line 1414, in invoke',
  '    return ctx.invoke(self.callback, **ctx.params)',
  '           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/click/core.py", line 911, in invoke',
  '    return callback(*args, **kwargs)',
  '           ^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/bentoml_cli/utils.py", line 364, in wrapper',
  '    return func(*args, **kwargs)',
  '           ^^^^^^^^^^^^^^^^^^^^^',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/bentoml_cli/utils.py", line 313, in wrapper',
  '    return func(*args, **kwargs)',
  '           ^^^^^^^^^^^^^^^^^^^^^',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/bentoml_cli/bentos.py", line 447, in build',
  '    bento = build_bentofile(',
  '            ^^^^^^^^^^^^^^^^',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/simple_di/__init__.py", line 139, in _',
  '    return func(*_inject_args(bind.args), **_inject_kwargs(bind.kwargs))',
  '           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/bentoml/bentos.py", line 442, in build_bentofile',
  '    bento = Bento.create(',
  '            ^^^^^^^^^^^^^',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/simple_di/__init__.py", line 139, in _',
  '    return func(*_inject_args(bind.args), **_inject_kwargs(bind.kwargs))',
  '           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/bentoml/_internal/bento/bento.py", line 246, in create',
  '    svc = load(build_config.service, working_dir=build_ctx, reload=reload)',
  '          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/bentoml/_internal/service/loader.py", line 415, in load',
  '    svc = import_service(',
  '          ^^^^^^^^^^^^^^^',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/simple_di/__init__.py", line 139, in _',
  '    return func(*_inject_args(bind.args), **_inject_kwargs(bind.kwargs))',
  '           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/bentoml/_internal/service/loader.py", line 97, in import_service',
  '    svc = _do_import(svc_import_path, working_dir, reload)',
  '          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/work/main/.e2e-env/venv/lib/python3.11/site-packages/bentoml/_internal/service/loader.py", line 162, in _do_import',
  '    module = importlib.import_module(module_name, package=working_dir)',
  '             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/root/.pyenv/versions/3.11.7/lib/python3.11/importlib/__init__.py", line 126, in import_module',
  '    return _bootstrap._gcd_import(name[level:], package, level)',
  '           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "<frozen importlib._bootstrap>", line 1204, in _gcd_import',
  '  File "<frozen importlib._bootstrap>", line 1176, in _find_and_load',
  '  File "<frozen importlib._bootstrap>", line 1147, in _find_and_load_unlocked',
  '  File "<frozen importlib._bootstrap>", line 690, in _load_unlocked',
];
const compilingFrames = [
  '  File "<frozen importlib._bootstrap_external>", line 936, in exec_module',
  '  File "<frozen importlib._bootstrap_external>", line 1074, in get_code',
  '  File "<frozen importlib._bootstrap_external>", line 1004, in source_to_code',
  '  File "<frozen importlib._bootstrap>", line 241, in _call_with_frames_removed',
];
const executingFrames = [
  '  File "<frozen importlib._bootstrap_external>", line 940, in exec_module',
  '  File "<frozen importlib._bootstrap>", line 241, in _call_with_frames_removed',
];
const recorded = {
  syntax: bentomlBuildOutput(compilingFrames, [
    '  File "/tmp/ws/apps/x/src/serve.py", line 8',
    '    return x +',
    '              ^',
    'SyntaxError: invalid syntax',
  ]),
  indentation: bentomlBuildOutput(compilingFrames, [
    '  File "/tmp/ws/apps/x/src/serve.py", line 8',
    '    return x',
    '    ^',
    'IndentationError: expected an indented block after function definition on line 7',
  ]),
  moduleLevelRaise: bentomlBuildOutput(executingFrames, [
    '  File "/tmp/ws/apps/x/src/serve.py", line 3, in <module>',
    '    raise RuntimeError("THRESHOLD is not set")',
    'RuntimeError: THRESHOLD is not set',
  ]),
  raiseInHelper: bentomlBuildOutput(executingFrames, [
    '  File "/tmp/ws/apps/x/src/serve.py", line 4, in <module>',
    '    THRESHOLD = load_threshold()',
    '                ^^^^^^^^^^^^^^^^',
    '  File "/tmp/ws/apps/x/src/helpers.py", line 5, in load_threshold',
    '    return float(os.environ["THRESHOLD"])',
    '                 ~~~~~~~~~~^^^^^^^^^^^^^',
    '  File "<frozen os>", line 679, in __getitem__',
    "KeyError: 'THRESHOLD'",
  ]),
  raiseInInstalledPackage: bentomlBuildOutput(executingFrames, [
    '  File "/tmp/ws/apps/x/src/serve.py", line 4, in <module>',
    '    LIMITS = thresholds.load("limits.json")',
    '             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
    '  File "/tmp/ws/.venv/lib/python3.11/site-packages/thresholds/__init__.py", line 5, in load',
    '    with open(path) as f:',
    '         ^^^^^^^^^^',
    "FileNotFoundError: [Errno 2] No such file or directory: 'limits.json'",
  ]),
  stagedSharedLibrarySyntax: bentomlBuildOutput(executingFrames, [
    '  File "/tmp/nx-bentoml-staged-context-4242-Ab12Cd/serve.py", line 2, in <module>',
    '    from features.scaling import scale',
    '  File "/tmp/nx-bentoml-staged-context-4242-Ab12Cd/features/scaling.py", line 5',
    '    return x * FACTOR)',
    '                     ^',
    "SyntaxError: unmatched ')'",
  ]),
  missingModule: [
    "WARNING: [bentoml] Converting 'Svc' to lowercase: 'svc'.",
    "Error: [bentos] `build` failed: Failed to load bento or import service 'serve:Svc'.",
    "If you are attempting to import bento by tag: 'Bento 'serve:Svc' is not found in BentoML store /tmp/failcap/home/bentos, you may need to run `bentoml pull` first'.",
    "If you are importing by python module path: 'Failed to import module \"serve\": No module named 'no_such_module'",
    "If you are trying to import a runtime-only module, try wrapping it inside `with bentoml.importing():`'.",
  ].join('\n'),
  missingName: [
    "WARNING: [bentoml] Converting 'Svc' to lowercase: 'svc'.",
    "Error: [bentos] `build` failed: Failed to load bento or import service 'serve:Svc'.",
    "If you are attempting to import bento by tag: 'Bento 'serve:Svc' is not found in BentoML store /tmp/failcap/home/bentos, you may need to run `bentoml pull` first'.",
    "If you are importing by python module path: 'Failed to import module \"serve\": cannot import name 'load_treshold' from 'helpers' (/tmp/ws/apps/x/src/helpers.py)",
    "If you are trying to import a runtime-only module, try wrapping it inside `with bentoml.importing():`'.",
  ].join('\n'),
  stagedMissingModule: [
    "WARNING: [bentoml] Converting 'Svc' to lowercase: 'svc'.",
    "Error: [bentos] `build` failed: Failed to load bento or import service 'serve:Svc'.",
    "If you are attempting to import bento by tag: 'Bento 'serve:Svc' is not found in BentoML store /tmp/failcap/home/bentos, you may need to run `bentoml pull` first'.",
    "If you are importing by python module path: 'Failed to import module \"serve\": No module named 'no_such_scaler'",
    "If you are trying to import a runtime-only module, try wrapping it inside `with bentoml.importing():`'.",
  ].join('\n'),
};

/** The sources the recordings were made from (the files the import cases search). */
const sources = {
  missingModule: [
    'import bentoml',
    'import no_such_module',
    '',
    '',
    '@bentoml.service',
    'class Svc:',
    '    @bentoml.api',
    '    def predict(self, x: int) -> int:',
    '        return x',
    '',
  ].join('\n'),
  missingName: [
    'import bentoml',
    'from helpers import load_treshold',
    '',
    '',
    '@bentoml.service',
    'class Svc:',
    '    @bentoml.api',
    '    def predict(self, x: int) -> int:',
    '        return x',
    '',
  ].join('\n'),
  helpers: ['import os', '', '', 'def load_threshold():', '    return float(os.environ["THRESHOLD"])', ''].join('\n'),
  stagedServe: [
    'import bentoml',
    'from features.scaling import scale',
    '',
    '',
    '@bentoml.service',
    'class Svc:',
    '    @bentoml.api',
    '    def predict(self, x: float) -> float:',
    '        return scale(x)',
    '',
  ].join('\n'),
  scalingMissingModule: [
    'import no_such_scaler',
    '',
    'FACTOR = 2.0',
    '',
    '',
    'def scale(x: float) -> float:',
    '    return x * FACTOR',
    '',
  ].join('\n'),
  bentofile: 'service: "serve:Svc"\ninclude:\n  - "*.py"\n',
  sharedBentofile: 'service: "serve:Svc"\ninclude:\n  - "*.py"\n  - "../../../libs/features/features/**"\n',
  stagedBentofile: 'service: "serve:Svc"\ninclude:\n  - "*.py"\n  - "features/**"\n',
};

describe('a service that fails while BentoML loads it: file and line in the workspace, the code, the error, no frames', () => {
  let root: string;
  let workspaceRoot: string;
  let stagedContext: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'failures-spec-'));
    workspaceRoot = join(root, 'ws');
    stagedContext = join(root, 'nx-bentoml-staged-context-4242-Ab12Cd');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** Writes files (paths under "ws/" or "staged/") and returns the recorded output with its paths moved there. */
  const withFiles = (output: string, files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) {
      const file = path.startsWith('staged/') ? join(stagedContext, path.slice('staged/'.length)) : join(root, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
    return output.replaceAll(recordedStagedContext, stagedContext).replaceAll(recordedWorkspace, workspaceRoot);
  };
  const inProject = (): BuildPaths => ({
    workspaceRoot,
    contextDir: join(workspaceRoot, 'apps/x/src'),
    bentofile: join(workspaceRoot, 'apps/x/src/bentofile.yaml'),
    sourceBentofile: join(workspaceRoot, 'apps/x/src/bentofile.yaml'),
  });
  const staged = (): BuildPaths => ({
    workspaceRoot,
    contextDir: stagedContext,
    bentofile: join(stagedContext, 'bentofile.yaml'),
    sourceBentofile: join(workspaceRoot, 'apps/x/src/bentofile.yaml'),
  });
  const message = (stderr: string, paths: BuildPaths) => {
    const text = buildError(failed(stderr), 'apps/x/src/bentofile.yaml', paths).message;
    expect(text).not.toMatch(/Traceback|File "|site-packages|<frozen|bentoml_cli/);
    expect(text).not.toContain(root);
    return text;
  };

  it('a SyntaxError in serve.py: its line, the code with the caret, the error', () => {
    const stderr = withFiles(recorded.syntax, { 'ws/apps/x/src/bentofile.yaml': sources.bentofile });
    expect(message(stderr, inProject())).toBe(
      [
        'BentoML could not load the service of apps/x/src/bentofile.yaml:',
        'apps/x/src/serve.py:8',
        '    return x +',
        '              ^',
        'SyntaxError: invalid syntax',
      ].join('\n'),
    );
  });

  it('an IndentationError in serve.py', () => {
    const stderr = withFiles(recorded.indentation, { 'ws/apps/x/src/bentofile.yaml': sources.bentofile });
    expect(message(stderr, inProject())).toBe(
      [
        'BentoML could not load the service of apps/x/src/bentofile.yaml:',
        'apps/x/src/serve.py:8',
        '    return x',
        '    ^',
        'IndentationError: expected an indented block after function definition on line 7',
      ].join('\n'),
    );
  });

  it('an exception raised at module level: the raising line, without the markers under it', () => {
    const stderr = withFiles(recorded.moduleLevelRaise, { 'ws/apps/x/src/bentofile.yaml': sources.bentofile });
    expect(message(stderr, inProject())).toBe(
      [
        'BentoML could not load the service of apps/x/src/bentofile.yaml:',
        'apps/x/src/serve.py:3',
        '    raise RuntimeError("THRESHOLD is not set")',
        'RuntimeError: THRESHOLD is not set',
      ].join('\n'),
    );
  });

  it("the deepest frame in the user's files: a module serve.py imports, not Python's own", () => {
    const stderr = withFiles(recorded.raiseInHelper, { 'ws/apps/x/src/bentofile.yaml': sources.bentofile });
    expect(message(stderr, inProject())).toBe(
      [
        'BentoML could not load the service of apps/x/src/bentofile.yaml:',
        'apps/x/src/helpers.py:5',
        '    return float(os.environ["THRESHOLD"])',
        "KeyError: 'THRESHOLD'",
      ].join('\n'),
    );
  });

  it("not a package installed in the workspace's .venv: the user's call into it", () => {
    const stderr = withFiles(recorded.raiseInInstalledPackage, { 'ws/apps/x/src/bentofile.yaml': sources.bentofile });
    expect(message(stderr, inProject())).toBe(
      [
        'BentoML could not load the service of apps/x/src/bentofile.yaml:',
        'apps/x/src/serve.py:4',
        '    LIMITS = thresholds.load("limits.json")',
        "FileNotFoundError: [Errno 2] No such file or directory: 'limits.json'",
      ].join('\n'),
    );
  });

  it('a SyntaxError in a shared library built from a staged context: the library file in the workspace', () => {
    const stderr = withFiles(recorded.stagedSharedLibrarySyntax, {
      'ws/apps/x/src/bentofile.yaml': sources.sharedBentofile,
      'staged/bentofile.yaml': sources.stagedBentofile,
    });
    expect(message(stderr, staged())).toBe(
      [
        'BentoML could not load the service of apps/x/src/bentofile.yaml:',
        'libs/features/features/scaling.py:5',
        '    return x * FACTOR)',
        '                     ^',
        "SyntaxError: unmatched ')'",
      ].join('\n'),
    );
  });

  it('a module that is not installed: the import statement BentoML does not show, and where the module must be', () => {
    const stderr = withFiles(recorded.missingModule, {
      'ws/apps/x/src/bentofile.yaml': sources.bentofile,
      'ws/apps/x/src/serve.py': sources.missingModule,
    });
    expect(message(stderr, inProject())).toBe(
      [
        'BentoML could not load the service of apps/x/src/bentofile.yaml:',
        'apps/x/src/serve.py:2',
        '    import no_such_module',
        "ModuleNotFoundError: No module named 'no_such_module'",
        'Building imports the service, so the module must be importable where the Bento is built: install it in the Python that runs BentoML, ' +
          'or include it in the build context. A package only the image has can be imported inside `with bentoml.importing():`.',
      ].join('\n'),
    );
  });

  it('a name the imported module does not define: the import statement, and the module as a workspace path', () => {
    const stderr = withFiles(recorded.missingName, {
      'ws/apps/x/src/bentofile.yaml': sources.bentofile,
      'ws/apps/x/src/serve.py': sources.missingName,
      'ws/apps/x/src/helpers.py': sources.helpers,
    });
    expect(message(stderr, inProject())).toBe(
      [
        'BentoML could not load the service of apps/x/src/bentofile.yaml:',
        'apps/x/src/serve.py:2',
        '    from helpers import load_treshold',
        "ImportError: cannot import name 'load_treshold' from 'helpers' (apps/x/src/helpers.py)",
      ].join('\n'),
    );
  });

  it('a missing module imported by a shared library in a staged context: the library file in the workspace', () => {
    const stderr = withFiles(recorded.stagedMissingModule, {
      'ws/apps/x/src/bentofile.yaml': sources.sharedBentofile,
      'staged/bentofile.yaml': sources.stagedBentofile,
      'staged/serve.py': sources.stagedServe,
      'staged/features/__init__.py': '',
      'staged/features/scaling.py': sources.scalingMissingModule,
    });
    const text = message(stderr, staged());
    expect(text.split('\n').slice(0, 4)).toEqual([
      'BentoML could not load the service of apps/x/src/bentofile.yaml:',
      'libs/features/features/scaling.py:1',
      '    import no_such_scaler',
      "ModuleNotFoundError: No module named 'no_such_scaler'",
    ]);
  });

  it('an import BentoML reports but no file of the build context makes: as BentoML said it', () => {
    const stderr = withFiles(recorded.missingModule, {
      'ws/apps/x/src/bentofile.yaml': sources.bentofile,
      'ws/apps/x/src/serve.py': 'import bentoml\n',
    });
    expect(message(stderr, inProject())).toMatch(
      /^bentoml build failed \(exit 1\):\nError: \[bentos\] `build` failed: Failed to load bento or import service 'serve:Svc'\./,
    );
  });

  it("a traceback with no frame in the user's files, or no paths to map: the exception line only, as before", () => {
    const stderr = withFiles(traceback("PermissionError: [Errno 13] Permission denied: '/b/bentos'"), {});
    expect(message(stderr, inProject())).toBe("bentoml build failed (exit 1):\nPermissionError: [Errno 13] Permission denied: '/b/bentos'");
    expect(buildError(failed(recorded.syntax), 'b.yaml').message).toBe('bentoml build failed (exit 1):\nSyntaxError: invalid syntax');
  });
});
