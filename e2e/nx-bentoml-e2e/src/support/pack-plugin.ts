import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runOrThrow } from './run';

/** The variable through which global setup hands the tarball path to the suites. */
export const tarballEnvVar = 'NX_BENTOML_E2E_TARBALL';

/** The built plugin; NX_BENTOML_E2E_PLUGIN_DIR points at a private copy while another build rewrites dist/. */
export const builtPluginDir = process.env['NX_BENTOML_E2E_PLUGIN_DIR'] || resolve(__dirname, '../../../../dist/packages/nx-bentoml');

/** Packs the built plugin (dist/packages/nx-bentoml) with npm pack into a new temp dir. */
export function packPlugin(): { tarball: string; dir: string } {
  if (!existsSync(join(builtPluginDir, 'package.json'))) {
    throw new Error(`${builtPluginDir} has no package.json: build the plugin first with "npx nx build nx-bentoml".`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'nx-bentoml-e2e-pack-'));
  const { stdout } = runOrThrow('npm', ['pack', '--json', '--pack-destination', dir], builtPluginDir);
  const [{ filename }] = JSON.parse(stdout) as Array<{ filename: string }>;
  return { tarball: join(dir, filename), dir };
}

export function packedTarball(): string {
  const tarball = process.env[tarballEnvVar];
  if (!tarball || !existsSync(tarball)) {
    throw new Error(`No packed plugin at "${tarball ?? ''}": run the suites through jest.config.js, whose global setup packs it.`);
  }
  return tarball;
}
