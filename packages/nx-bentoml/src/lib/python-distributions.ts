import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** What an interpreter says about the modules a service imports. */
export interface PythonInspection {
  /** The interpreter's `major.minor`, e.g. "3.11". */
  pythonVersion: string;
  /** Per module as imported (dotted): part of the standard library, or the distributions providing it. */
  modules: Record<string, { stdlib: true } | { distributions: InstalledDistribution[] }>;
}

export interface InstalledDistribution {
  /** The normalised name (PEP 503: lowercase, runs of -_. as -), e.g. "pillow", "scikit-learn". */
  name: string;
  version: string;
}

/** Asks an interpreter about modules; the one boundary to Python, faked in unit specs. */
export type InspectPython = (python: string, modules: string[]) => Promise<PythonInspection>;

/** The program the interpreter runs: it reads package metadata and imports nothing. */
const inspectionProgram = join(__dirname, 'python_distributions.py');

/**
 * Runs python_distributions.py with `python`; a failure says which interpreter and why. Spawned with
 * node:child_process rather than lib/process (execa is ESM-only), so specs can run it for real.
 */
export const inspectPython: InspectPython = async (python, modules) => {
  const { stdout, stderr, exitCode } = await new Promise<{ stdout: string; stderr: string; exitCode: number }>((resolve, reject) => {
    // The environment as this process sees it (a spec's PYTHONPATH included).
    const child = spawn(python, [inspectionProgram], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === 'ENOENT' ? `${python} was not found` : `${python} could not be started: ${error.message}`)),
    );
    child.on('close', (code) => resolve({ stdout: out, stderr: err, exitCode: code ?? 1 }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify({ modules }));
  });
  if (exitCode !== 0) {
    const reason = stderr.trim().split('\n').pop() || `exit code ${exitCode}`;
    throw new Error(`${python} could not read its package metadata: ${reason}`);
  }
  try {
    return JSON.parse(stdout.trim().split('\n').pop() ?? '') as PythonInspection;
  } catch {
    throw new Error(`${python} printed no package metadata: ${stdout.slice(0, 200)}`);
  }
};
