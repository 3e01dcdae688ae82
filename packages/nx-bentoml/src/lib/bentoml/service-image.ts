import { type PythonSource, pythonCalls } from '../python-source';

/**
 * The files a service's image declared in code (bentoml.images.Image) reads, as written in the
 * service module, relative to the build directory:
 *   .requirements_file("requirements.txt")  .pyproject_toml()  .uv_lock()  .run_script("setup.sh")
 * and the patterns of .build_include("data/", "config.yaml"). Read from the source text: the
 * project graph cannot run Python, and a file missed here would escape the hash, so every
 * literal argument counts, wherever the call stands.
 */
export function filesOfImageInCode(source: string | PythonSource): { files: string[]; includes: string[] } {
  const files = new Set<string>();
  const includes = new Set<string>();
  for (const { callee, positional, named } of pythonCalls(
    source,
    /\.(requirements_file|pyproject_toml|uv_lock|run_script|build_include)\b/,
  )) {
    const [method] = callee;
    const literals = [...positional, ...Object.values(named)].filter((value): value is string => value !== undefined && value !== '');
    if (method === 'build_include') literals.forEach((pattern) => includes.add(pattern));
    else if (method === 'pyproject_toml') files.add(literals[0] ?? 'pyproject.toml');
    else if (method === 'uv_lock') ['uv.lock', 'pyproject.toml'].forEach((file) => files.add(file));
    else if (literals[0]) files.add(literals[0]);
  }
  return { files: [...files], includes: [...includes] };
}
