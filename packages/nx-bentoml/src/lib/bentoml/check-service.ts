import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UserError } from '../errors';
import { readPythonSource } from '../python-source';
import { serviceClasses } from './service-classes';
import { type BuildConfig, parseServiceReference } from './build-config-schema';

/** Catches what `bentoml build` would report only as a Python traceback, or not at all; returns the service module's path and text. */
export function checkService(
  config: BuildConfig,
  contextDir: string,
  workspaceRoot: string,
  origin = "the bentofile's service",
): { path: string; source: string } {
  const { files, className } = parseServiceReference(config.service);
  const described = `${origin} "${config.service}"`;
  const servicePath = files.map((file) => join(contextDir, file)).find((path) => existsSync(path));
  if (!servicePath) {
    const missing = relative(workspaceRoot, join(contextDir, files[0]));
    throw new UserError(
      config.service
        ? `${capitalized(described)} needs ${missing}, which does not exist. Create it or fix "service".`
        : `With no service in the build config, BentoML looks for the service in ${missing}, which does not exist. Name the service in the build config ("service: <module>:<ServiceClass>"), or create it.`,
    );
  }
  const source = readFileSync(servicePath, 'utf8');
  const where = relative(workspaceRoot, servicePath);
  if (className) {
    // Defined, imported or assigned at any indentation: only a module that never names the class is wrong.
    const names = new RegExp(`^\\s*(class\\s+${className}\\b|from\\s+\\S+\\s+import\\s+.*\\b${className}\\b|${className}\\s*=)`, 'm');
    if (!names.test(readPythonSource(source).code))
      throw new UserError(`${where} does not define the class ${className} named by ${described}.`);
    return { path: servicePath, source };
  }
  const roots = rootServices(source);
  if (roots.length > 1) {
    throw new UserError(
      `${where}:${roots[1].line} defines a second service (${roots.map((root) => root.name).join(', ')}) and the build config names none, ` +
        `so BentoML cannot choose. Set the service to "${files[0].replace(/\.py$/, '').split('/').join('.')}:<ServiceClass>" in the build config.`,
    );
  }
  return { path: servicePath, source };
}

/**
 * The module's @bentoml.service classes that no other one depends on (bentoml.depends(X)):
 * BentoML takes the module's only such service when the service string names none.
 */
function rootServices(source: string): Array<{ name: string; line: number }> {
  const dependedOn = new Set([...readPythonSource(source).code.matchAll(/\bdepends\(\s*([A-Za-z_]\w*)/g)].map((match) => match[1]));
  return serviceClasses(source).filter((service) => !dependedOn.has(service.name));
}

function capitalized(text: string) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
