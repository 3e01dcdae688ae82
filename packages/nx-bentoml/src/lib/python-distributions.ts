import { spawn } from 'node:child_process';

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

/**
 * Run by the project's interpreter: the standard library from sys.stdlib_module_names, the
 * distributions from importlib.metadata.packages_distributions() (import name -> distributions,
 * e.g. PIL -> Pillow). When several distributions share a top-level name (namespace packages such
 * as google.*), the ones whose RECORD holds the imported module's path win. Nothing is imported.
 */
export const inspectionScript = String.raw`
import json, os, re, sys
from importlib import metadata

sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
modules = json.load(sys.stdin)["modules"]

stdlib = set(getattr(sys, "stdlib_module_names", ())) | set(sys.builtin_module_names)
if not getattr(sys, "stdlib_module_names", None):
    import pkgutil, sysconfig
    stdlib |= {m.name for m in pkgutil.iter_modules([sysconfig.get_paths()["stdlib"]])}

def packages_distributions():
    if hasattr(metadata, "packages_distributions"):
        return metadata.packages_distributions()
    found = {}
    for dist in metadata.distributions():
        tops = (dist.read_text("top_level.txt") or "").split()
        if not tops:
            tops = {str(f).split("/")[0].rsplit(".py", 1)[0] for f in (dist.files or []) if str(f).endswith(".py")}
        for top in tops:
            found.setdefault(top, []).append(dist.metadata["Name"])
    return found

def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()

providers = packages_distributions()
result = {}
for module in modules:
    top = module.split(".")[0]
    if top in stdlib:
        result[module] = {"stdlib": True}
        continue
    names = sorted(set(providers.get(top, [])), key=str.lower)
    if len(names) > 1:
        path = module.replace(".", "/")
        owners = [n for n in names if any(str(f) == path + ".py" or str(f).startswith(path + "/") for f in (metadata.distribution(n).files or []))]
        names = owners or names
    dists = {}
    for name in names:
        dists.setdefault(normalise(name), metadata.version(name))
    result[module] = {"distributions": [{"name": n, "version": v} for n, v in sorted(dists.items())]}

print(json.dumps({"pythonVersion": "%d.%d" % sys.version_info[:2], "modules": result}))
`;

/**
 * Runs `inspectionScript` with `python`; a failure says which interpreter and why. Spawned with
 * node:child_process rather than lib/process (execa is ESM-only), so specs can run it for real.
 */
export const inspectPython: InspectPython = async (python, modules) => {
  const { stdout, stderr, exitCode } = await new Promise<{ stdout: string; stderr: string; exitCode: number }>((resolve, reject) => {
    // The environment as this process sees it (a spec's PYTHONPATH included).
    const child = spawn(python, ['-c', inspectionScript], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
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
