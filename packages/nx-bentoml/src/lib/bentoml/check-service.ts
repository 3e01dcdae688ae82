import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UserError } from '../errors';
import { type Bentofile, parseServiceReference } from './bentofile';

/** Catches what `bentoml build` would report only as a Python traceback, or not at all. */
export function checkService(bentofile: Bentofile, contextDir: string, workspaceRoot: string): void {
  const { file, className } = parseServiceReference(bentofile.service);
  if (!className) {
    throw new UserError(
      `The bentofile's service "${bentofile.service}" names no class. Write it as "<module>:<ServiceClass>", for example "serve:ClassifierService".`,
    );
  }
  const candidates = [join(contextDir, file), join(contextDir, file.replace(/\.py$/, '/__init__.py'))];
  const servicePath = candidates.find((path) => existsSync(path));
  if (!servicePath) {
    throw new UserError(
      `The bentofile's service "${bentofile.service}" needs ${relative(workspaceRoot, candidates[0])}, which does not exist. Create it or fix "service".`,
    );
  }
  // Defined, imported or assigned at any indentation: only a module that never names the class is wrong.
  const names = new RegExp(`^\\s*(class\\s+${className}\\b|from\\s+\\S+\\s+import\\s+.*\\b${className}\\b|${className}\\s*=)`, 'm');
  if (!names.test(readFileSync(servicePath, 'utf8'))) {
    throw new UserError(
      `${relative(workspaceRoot, servicePath)} does not define the class ${className} named by the bentofile's service "${bentofile.service}".`,
    );
  }
}
