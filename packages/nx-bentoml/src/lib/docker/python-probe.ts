import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What Python an image has, asked of the image itself: `python3 -c <python_probe.py's text>` in a
 * short-lived container without network (the file is not in the image, its text is the argument).
 */

export interface ImagePython {
  /** The version of `python3`, e.g. "3.11.2". */
  version: string;
  /** The versions of the `python3.X` executables on PATH, e.g. ["3.11", "3.12"]. */
  onPath: string[];
}

/** The probe's text, read when a probe runs: loading the Docker client must not depend on it. */
export function pythonProbeScript(): string {
  return readFileSync(join(__dirname, 'python_probe.py'), 'utf8');
}

/** Reads the probe's output; undefined when it is not what the script prints. */
export function parsePythonProbe(output: string): ImagePython | undefined {
  const [first, ...rest] = output.split(/\r?\n/).map((line) => line.trim());
  if (!/^\d+\.\d+\.\d+$/.test(first ?? '')) return undefined;
  const onPath = [...new Set(rest.filter((line) => /^\d+\.\d+$/.test(line)))];
  return { version: first, onPath };
}
