import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The interpreter unit specs run the plugin's Python helpers with: NX_BENTOML_PYTHON when the e2e
 * environment is sourced, else a plain python3. Specs never need BentoML or other packages from
 * it: what the code under test imports comes from stub distributions (`writeStubDistribution`).
 */
export const testPython = process.env['NX_BENTOML_PYTHON'] || 'python3';

/**
 * A stub distribution in `siteDir` (to put on PYTHONPATH): its modules, with the given sources,
 * and the dist-info that importlib.metadata reads (METADATA, top_level.txt, RECORD).
 */
export function writeStubDistribution(
  siteDir: string,
  distribution: { name: string; version: string; modules: Record<string, string> },
): void {
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(siteDir, path)), { recursive: true });
    writeFileSync(join(siteDir, path), text);
  };
  const distInfo = `${distribution.name.replace(/-/g, '_')}-${distribution.version}.dist-info`;
  for (const [path, text] of Object.entries(distribution.modules)) write(path, text);
  const tops = [...new Set(Object.keys(distribution.modules).map((path) => path.split('/')[0].replace(/\.py$/, '')))];
  write(`${distInfo}/METADATA`, `Metadata-Version: 2.1\nName: ${distribution.name}\nVersion: ${distribution.version}\n`);
  write(`${distInfo}/top_level.txt`, `${tops.join('\n')}\n`);
  write(`${distInfo}/RECORD`, [...Object.keys(distribution.modules), `${distInfo}/METADATA`].map((path) => `${path},,\n`).join(''));
}
