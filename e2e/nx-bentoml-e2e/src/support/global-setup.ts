import { packPlugin, tarballEnvVar } from './pack-plugin';

/** Packs the plugin once per run; suites read the tarball path from the environment. */
export default async function globalSetup() {
  const { tarball, dir } = packPlugin();
  process.env[tarballEnvVar] = tarball;
  process.env['NX_BENTOML_E2E_PACK_DIR'] = dir;
  console.log(`\nnx-bentoml e2e: packed the plugin into ${tarball}`);
}
