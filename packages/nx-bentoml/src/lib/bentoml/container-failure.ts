/** Where BentoML's Dockerfile puts the Bento in the image; its src/ holds the build directory's files. */
const bentoSourceDir = '/home/bentoml/bento/src/';

/**
 * The user's error in a BentoML container's output: the exception of the last Python traceback
 * with a frame in the Bento's own source, at its deepest such frame; else the first traceback's
 * exception. The output of a service that cannot start ends with BentoML's own "No active process
 * found for watcher" traceback; the cause is further up, in the worker's.
 */
export function serviceErrorInOutput(output: string): string | undefined {
  const lines = output.split('\n');
  let found: string | undefined;
  /** The first traceback's exception: the root error when no frame is the Bento's (BentoML's own checks of the service). */
  let first: string | undefined;
  for (let start = 0; start < lines.length; start++) {
    if (!/Traceback \(most recent call last\):\s*$/.test(lines[start])) continue;
    let userFrame: { file: string; line: string; code?: string } | undefined;
    let end = start + 1;
    // Frames and their code are indented; the exception line that ends the traceback is not.
    for (; end < lines.length && (/^\s/.test(lines[end]) || !lines[end].trim()); end++) {
      const frame = /^\s*File "(.+)", line (\d+)/.exec(lines[end]);
      if (frame?.[1].startsWith(bentoSourceDir)) {
        const code = lines[end + 1]?.trim();
        userFrame = {
          file: frame[1].slice(bentoSourceDir.length),
          line: frame[2],
          code: code && !code.startsWith('File "') ? code : undefined,
        };
      }
    }
    const exception = lines[end]?.trim();
    first ??= exception || undefined;
    if (userFrame && exception) {
      found = `The service failed at src/${userFrame.file}:${userFrame.line}${userFrame.code ? ` (${userFrame.code})` : ''}: ${exception}`;
    }
    start = end;
  }
  return found ?? (first && `The service failed to start: ${first}`);
}
