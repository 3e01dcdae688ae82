import { removeTempDir } from './temp-dir';

export default async function globalTeardown() {
  removeTempDir(process.env['NX_BENTOML_E2E_PACK_DIR']);
}
