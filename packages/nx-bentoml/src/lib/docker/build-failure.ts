import { UserError } from '../errors';

// The classic builder wraps each write of a RUN step to stderr in red ("\x1b[91m…\x1b[0m").
// eslint-disable-next-line no-control-regex
const terminalCodes = /\x1b\[[0-9;]*[A-Za-z]/g;

/**
 * A line as a terminal leaves it: progress redrawn with carriage returns (apt's "(Reading
 * database ... 5%") reads as its last state, not as one line per redraw.
 */
export function asShown(line: string): string {
  return line.includes('\r')
    ? (line
        .split('\r')
        .filter((part) => part.trim())
        .pop() ?? '')
    : line;
}

/**
 * Turns the build stream's fragments (one per write of the step, cut anywhere) into whole
 * lines without terminal codes, passed to `onLine` as they complete and kept as the transcript.
 */
export function buildTranscript(onLine: (line: string) => void = () => undefined) {
  const lines: string[] = [];
  let pending = '';
  const emit = (raw: string) => {
    const line = asShown(raw);
    if (!line.trim()) return;
    lines.push(line);
    onLine(line);
  };
  return {
    lines,
    push(fragment: string) {
      const parts = (pending + fragment.replace(terminalCodes, '')).split(/\r?\n/);
      pending = parts.pop() ?? '';
      parts.forEach(emit);
    },
    end() {
      emit(pending);
      pending = '';
    },
  };
}

/**
 * The failed step of a build transcript and what it printed: BuildKit's step that reported an
 * ERROR (its lines all start "#<n> "), else the classic builder's last "Step n/m".
 */
export function failingStep(transcript: string[]): string {
  const failed = [...transcript]
    .reverse()
    .find((line) => /^#\d+ ERROR/.test(line))
    ?.split(' ')[0];
  if (failed)
    return transcript
      .filter((line) => line.startsWith(`${failed} `))
      .slice(-40)
      .join('\n');
  const start = transcript.map((line) => /^Step \d+\/\d+ :/.test(line)).lastIndexOf(true);
  return (start >= 0 ? transcript.slice(start) : transcript).slice(-40).join('\n');
}

/** The image a failed FROM step names: "Step 1/9 : FROM x" (classic), "#2 [internal] load metadata for x" or "#3 [1/9] FROM x" (BuildKit). */
function failedBaseImage(step: string): string | undefined {
  const first = step.split('\n')[0];
  return (/^Step \d+\/\d+ : FROM (\S+)/i.exec(first) ??
    /^#\d+ (?:\[internal\] load metadata for|\[[^\]]*\] FROM) (\S+)/i.exec(first))?.[1]?.replace(/^docker\.io\/library\//, '');
}

/** What a failed image build means to the user: a base image it cannot get, or a step that failed and what it printed. */
export function buildFailure(engineMessage: string, transcript: string[]): UserError {
  const step = failingStep(transcript);
  const baseImage = failedBaseImage(step);
  // BentoML's default when the bentofile sets no docker.base_image: python:<docker.python_version>-slim.
  if (baseImage && /^(docker\.io\/(library\/)?)?python:\d+\.\d+(\.\d+)?-slim$/.test(baseImage)) {
    return new UserError(
      `The base image ${baseImage} is not in the Docker Engine and could not be pulled: ${engineMessage}. ` +
        `BentoML starts from python:<docker.python_version>-slim when the bentofile sets no docker.base_image: ` +
        `set docker.base_image in the bentofile to an image the engine has or can pull, and docker.python_version to that image's Python version, ` +
        `or pull ${baseImage} first ("docker pull ${baseImage}").`,
    );
  }
  if (baseImage) {
    return new UserError(
      `The base image ${baseImage} is not in the Docker Engine and could not be pulled: ${engineMessage}. ` +
        `Check docker.base_image in the bentofile (or the baseImage option, which replaces it); an image from a private registry must be pulled first ("docker pull ${baseImage}").`,
    );
  }
  return new UserError(
    `The image build failed: ${engineMessage}\n${step}\n` +
      `The step comes from the Dockerfile BentoML generated from the bentofile: fix what it needs there (python packages, docker options, setup script) and run again.`,
  );
}
