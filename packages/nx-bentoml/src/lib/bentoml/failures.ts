import { UserError } from '../errors';
import type { CommandResult } from '../process/run-command';

/**
 * Reads what the BentoML CLI printed when it failed and keeps what a user can act on: its
 * "Error:" line, or the last line of a Python traceback, never the traceback's frames.
 */
export function failureDetail(output: string): string {
  const text = output.trim();
  const errorLine = /^Error: .*$/m.exec(text)?.[0];
  if (errorLine) return text.slice(text.indexOf(errorLine)).split('\n').slice(0, 6).join('\n');
  const exception = lastExceptionLine(text);
  if (exception) return exception;
  return text
    .split('\n')
    .filter((line) => line.trim())
    .slice(-12)
    .join('\n');
}

/** "_lzma.LZMAError: Input format not supported by decoder": the line that ends a traceback. */
function lastExceptionLine(text: string): string | undefined {
  const header = 'Traceback (most recent call last):';
  if (!text.includes(header)) return undefined;
  return text
    .slice(text.lastIndexOf(header) + header.length)
    .split('\n')
    .filter((line) => /^[A-Za-z_][\w.]*(: .*)?$/.test(line))
    .pop();
}

/**
 * A model archive that cannot be read: xz or tar decoding fails with a traceback, or ends
 * early, which Click reports as "Aborted!".
 */
export function isUnreadableArchive(output: string): boolean {
  return /LZMAError|EOFError|ReadError|BadGzipFile|zlib\.error|Compressed file ended|^Aborted!$/m.test(output);
}

/** The model serve.py asks for when `bentoml build` cannot find it in the store. */
export function missingModel(output: string): string | undefined {
  return /Model (\S+) could not be found locally/.exec(output)?.[1];
}

/**
 * When `bentoml build` fails to lock the Python packages: uv's own lines that say which
 * requirement cannot be met ("error: No solution found…", "cause: Because x was not found…").
 */
export function unresolvablePackages(output: string): string[] | undefined {
  if (!/Failed to lock PyPI packages/.test(output)) return undefined;
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^(error|cause|hint): /.test(line));
}

/** BentoML reports failures as "Error: [group] `cmd` failed: message" or as a traceback; keep the useful part. */
export function commandError(args: string[], result: CommandResult, hint?: string): UserError {
  const detail = failureDetail(`${result.stderr}\n${result.stdout}`);
  return new UserError(`bentoml ${args.join(' ')} failed (exit ${result.exitCode}):\n${detail}${hint ? `\n${hint}` : ''}`);
}

export function unreadableModelError(file: string, result: CommandResult): UserError {
  // Click turns the EOFError of an archive that ends early into a bare "Aborted!".
  const detail = failureDetail(result.stderr);
  const reason = detail === 'Aborted!' ? 'the archive ends early' : detail;
  return new UserError(
    `${file} is not a model archive BentoML can read (${reason}): it is truncated or damaged. ` +
      `Restore it (git checkout, or "dvc pull" for a DVC-tracked model) or export it again with bentoml.models.export_model, then run again.`,
  );
}

/** The build failures users cause most, said in their terms; anything else as BentoML reported it. */
export function buildError(result: CommandResult, bentofile: string): UserError {
  const output = `${result.stderr}\n${result.stdout}`;
  const model = missingModel(output);
  if (model) {
    return new UserError(
      `The service asks for the model ${model}, which is not in the BentoML store: none of the project's model files holds it. ` +
        `Fix the model name in the service (serve.py), or add the model's .bentomodel file (exported with bentoml.models.export_model) to the project, then run again.`,
    );
  }
  const packages = unresolvablePackages(output);
  if (packages) {
    return new UserError(
      `BentoML could not resolve the Python packages of ${bentofile} (python.packages, requirements_txt):\n` +
        `${packages.length ? packages.join('\n') : failureDetail(output)}\n` +
        `Fix the package names or versions (each must exist on your package index) and run again.`,
    );
  }
  return commandError(['build'], result);
}
