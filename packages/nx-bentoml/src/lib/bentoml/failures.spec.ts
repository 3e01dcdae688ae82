import { buildError, commandError, isUnreadableArchive, unreadableModelError } from './failures';

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

  it('names the model serve.py asks for when no model file of the project holds it', () => {
    const result = failed(
      'Error: [bentos] `build` failed: Model other_model:latest could not be found locally and failed to fetch from remote because No cloud context default found.',
    );
    expect(buildError(result, 'apps/x/src/bentofile.yaml').message).toBe(
      "The service asks for the model other_model:latest, which is not in the BentoML store: none of the project's model files holds it. " +
        "Fix the model name in the service (serve.py), or add the model's .bentomodel file (exported with bentoml.models.export_model) to the project, then run again.",
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
