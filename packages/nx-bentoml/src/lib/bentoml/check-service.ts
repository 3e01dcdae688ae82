import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UserError } from '../errors';
import { type Bentofile, parseServiceReference } from './bentofile';

/** Catches what `bentoml build` would report only as a Python traceback, or not at all. */
export function checkService(bentofile: Bentofile, contextDir: string, workspaceRoot: string): void {
  const { file, className } = parseServiceReference(bentofile.service);
  const servicePath = join(contextDir, file);
  const shown = relative(workspaceRoot, servicePath);
  if (!existsSync(servicePath)) {
    throw new UserError(`The bentofile's service "${bentofile.service}" needs ${shown}, which does not exist. Create it or fix "service".`);
  }
  if (!new RegExp(`^class\\s+${className}\\b`, 'm').test(readFileSync(servicePath, 'utf8'))) {
    throw new UserError(`${shown} does not define the class ${className} named by the bentofile's service "${bentofile.service}".`);
  }
}
