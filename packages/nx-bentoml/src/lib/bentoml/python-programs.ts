import { join } from 'node:path';

/** The BentoML client's Python programs (python/), each run by path with the project's interpreter. */
export type PythonProgram = 'bentoml_version.py' | 'build_session.py' | 'build_context.py';

export function pythonProgram(name: PythonProgram): string {
  return join(__dirname, 'python', name);
}
