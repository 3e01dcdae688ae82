/**
 * What Python an image has, asked of the image itself: `python3 -c <script>` in a short-lived
 * container without network. The script prints python3's version, then the version of every
 * `python3.X` executable on the image's PATH, one a line: uv (which BentoML's Dockerfile runs as
 * `uv venv --python <docker.python_version>`) finds those too, so an image may offer more than one.
 */

export interface ImagePython {
  /** The version of `python3`, e.g. "3.11.2". */
  version: string;
  /** The versions of the `python3.X` executables on PATH, e.g. ["3.11", "3.12"]. */
  onPath: string[];
}

export const pythonProbeScript = [
  'import os, re, sys',
  'print("%d.%d.%d" % sys.version_info[:3])',
  'for d in os.environ.get("PATH", "").split(os.pathsep):',
  '    for n in sorted(os.listdir(d)) if os.path.isdir(d) else []:',
  '        if re.fullmatch(r"python3\\.\\d+", n) and os.access(os.path.join(d, n), os.X_OK):',
  '            print(n[len("python"):])',
].join('\n');

/** Reads the probe's output; undefined when it is not what the script prints. */
export function parsePythonProbe(output: string): ImagePython | undefined {
  const [first, ...rest] = output.split(/\r?\n/).map((line) => line.trim());
  if (!/^\d+\.\d+\.\d+$/.test(first ?? '')) return undefined;
  const onPath = [...new Set(rest.filter((line) => /^\d+\.\d+$/.test(line)))];
  return { version: first, onPath };
}
