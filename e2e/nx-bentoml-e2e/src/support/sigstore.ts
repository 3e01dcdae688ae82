import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainEnvironment } from './environment';
import { run } from './run';

/** cosign and policy-controller's tester, as setup-environment.sh built them: the statements are checked as users and clusters do. */
export interface SigstoreTools {
  cosign: string;
  policyTester: string;
}

export function requireSigstoreTools(): SigstoreTools {
  const hint = 'Run "bash scripts/setup-environment.sh --sigstore && source .e2e-env/env.sh": it builds both and exports their paths.';
  const tool = (variable: string, probe: string) => {
    const path = process.env[variable];
    if (!path) throw new Error(`The signed-statement e2e tests need ${variable}. ${hint}`);
    const answer = spawnSync(path, [probe], { encoding: 'utf8' });
    if (answer.status !== 0) throw new Error(`${path} ${probe} failed: ${answer.stderr || answer.error}. ${hint}`);
    return path;
  };
  return { cosign: tool('NX_BENTOML_COSIGN', 'version'), policyTester: tool('NX_BENTOML_POLICY_TESTER', '-version') };
}

/** A Docker config with the e2e registries' credentials, which both tools read as docker login wrote it. */
function dockerConfig(environment: ChainEnvironment, scratch: string): string {
  const dir = join(scratch, 'sigstore-docker-config');
  mkdirSync(dir, { recursive: true });
  const auth = Buffer.from(`${environment.username}:${environment.password}`).toString('base64');
  const registries = [environment.registry, environment.secondRegistry];
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: Object.fromEntries(registries.map((host) => [host, { auth }])) }));
  return dir;
}

/**
 * `cosign verify-attestation` of one image with a public key, as the README shows it: no transparency
 * log (the statements are signed with a key, not recorded in Rekor), plain HTTP for the loopback registries.
 */
export function cosignVerifyAttestation(
  tools: SigstoreTools,
  environment: ChainEnvironment,
  scratch: string,
  { image, key, type }: { image: string; key: string; type: string },
) {
  const args = ['verify-attestation', '--key', key, '--type', type, '--insecure-ignore-tlog=true', '--allow-http-registry', image];
  return run(tools.cosign, args, scratch, undefined, { DOCKER_CONFIG: dockerConfig(environment, scratch) });
}

/** The statements of cosign's output: one DSSE envelope per line, its payload decoded. */
export function cosignStatements(stdout: string): Array<{ predicateType: string; subject: Array<{ digest: { sha256: string } }> }> {
  return stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(Buffer.from((JSON.parse(line) as { payload: string }).payload, 'base64').toString('utf8')));
}

/**
 * The README's ClusterImagePolicy, as a user would fill it in: the public key's PEM in place of
 * "(signing-key.pub)", and the registry's images in place of the example's glob.
 */
export function readmePolicy(readme: string, publicKeyPath: string, imagesGlob: string): string {
  const policy = /```yaml\n(apiVersion: policy\.sigstore\.dev\/[\s\S]*?)```/.exec(readFileSync(readme, 'utf8'))?.[1];
  if (!policy) throw new Error(`${readme} holds no ClusterImagePolicy example (a yaml block of apiVersion policy.sigstore.dev/…).`);
  const pem = readFileSync(publicKeyPath, 'utf8').trim().split('\n');
  const filled = policy
    .replace(/^( *)-----BEGIN PUBLIC KEY-----\n *\(signing-key\.pub\)\n *-----END PUBLIC KEY-----$/m, (_, indent: string) =>
      pem.map((line) => `${indent}${line}`).join('\n'),
    )
    .replace(/glob: "[^"]*"/, `glob: "${imagesGlob}"`);
  if (!filled.includes(pem[1]) || !filled.includes(imagesGlob))
    throw new Error(`The README's policy no longer has the key and glob placeholders this test fills.`);
  return filled;
}

/** policy-controller's tester: would the admission controller admit `image` under `policy`? */
export function admits(
  tools: SigstoreTools,
  environment: ChainEnvironment,
  scratch: string,
  { policy, image }: { policy: string; image: string },
) {
  const path = join(scratch, 'cluster-image-policy.yaml');
  writeFileSync(path, policy);
  return run(tools.policyTester, ['-policy', path, '-image', image], scratch, undefined, {
    DOCKER_CONFIG: dockerConfig(environment, scratch),
  });
}
