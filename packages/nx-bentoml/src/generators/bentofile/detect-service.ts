import { serviceClasses } from '../../lib/bentoml/service-classes';

/**
 * Finds the first class decorated with @bentoml.service (or @service imported from bentoml) in
 * Python source. Decorator arguments may span lines; other decorators may sit in between.
 */
export function detectServiceClass(source: string): string | undefined {
  return serviceClasses(source)[0]?.name;
}

/**
 * The modules a build directory's service is looked for in, in order: this project's layout
 * (serve.py), then BentoML's default (service.py). Any other top-level module with a
 * @bentoml.service class is found after these.
 */
export const serviceModuleCandidates = ['serve.py', 'service.py'];
