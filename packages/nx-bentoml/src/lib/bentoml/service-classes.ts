import { type PythonSource, decoratedClasses } from '../python-source';

/**
 * The module's top-level BentoML services: a class under `@bentoml.service` or `@service` (from
 * bentoml import service), with or without arguments, other decorators in between. `line` is the
 * class statement's, 1-based.
 */
export function serviceClasses(text: string | PythonSource): Array<{ name: string; line: number }> {
  return decoratedClasses(text, /^@(?:bentoml\.)?service\b/);
}
