import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainEnvironment } from './environment';
import { run } from './run';

/** cosign as setup-environment.sh built it: the tests check signed statements as users and admission controllers do. */
export function requireCosign(): string {
  const cosign = process.env['NX_BENTOML_COSIGN'];
  const hint = 'Run "bash scripts/setup-environment.sh && source .e2e-env/env.sh": it builds cosign and exports NX_BENTOML_COSIGN.';
  if (!cosign) throw new Error(`The signed-statement e2e tests need NX_BENTOML_COSIGN. ${hint}`);
  const probe = spawnSync(cosign, ['version'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`${cosign} version failed: ${probe.stderr || probe.error}. ${hint}`);
  return cosign;
}

/**
 * `cosign verify-attestation` of one image with a public key, as the README shows it: no transparency
 * log (the statements are signed with a key, not recorded in Rekor), plain HTTP for the loopback
 * registries, credentials from a Docker config of its own (cosign reads docker login's file).
 */
export function cosignVerifyAttestation(
  cosign: string,
  environment: ChainEnvironment,
  scratch: string,
  { image, key, type }: { image: string; key: string; type: string },
) {
  const dockerConfig = join(scratch, 'cosign-docker-config');
  mkdirSync(dockerConfig, { recursive: true });
  const auth = Buffer.from(`${environment.username}:${environment.password}`).toString('base64');
  const registries = [environment.registry, environment.secondRegistry];
  writeFileSync(
    join(dockerConfig, 'config.json'),
    JSON.stringify({ auths: Object.fromEntries(registries.map((host) => [host, { auth }])) }),
  );
  const args = ['verify-attestation', '--key', key, '--type', type, '--insecure-ignore-tlog=true', '--allow-http-registry', image];
  return run(cosign, args, scratch, undefined, { DOCKER_CONFIG: dockerConfig });
}

/** The statements of cosign's output: one DSSE envelope per line, its payload decoded. */
export function cosignStatements(stdout: string): Array<{ predicateType: string; subject: Array<{ digest: { sha256: string } }> }> {
  return stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(Buffer.from((JSON.parse(line) as { payload: string }).payload, 'base64').toString('utf8')));
}
