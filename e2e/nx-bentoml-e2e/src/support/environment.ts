import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import Docker from 'dockerode';

export interface ChainEnvironment {
  python: string;
  baseImage: string;
  registry: string;
  /** A second registry of the same credentials: publish to two, promote from one to the other. */
  secondRegistry: string;
  username: string;
  password: string;
  docker: Docker;
}

const setupHint =
  'Run "bash scripts/setup-environment.sh && source .e2e-env/env.sh" (Debian), or export these yourself (see README, Tests).';

/**
 * The real parts the chain tests drive. Anything missing fails the suite with what to do:
 * these tests never skip themselves.
 */
export async function requireChainEnvironment(): Promise<ChainEnvironment> {
  const missing = [
    'NX_BENTOML_PYTHON',
    'NX_BENTOML_BASE_IMAGE',
    'NX_BENTOML_REGISTRY',
    'NX_BENTOML_SECOND_REGISTRY',
    'NX_BENTOML_REGISTRY_USERNAME',
    'NX_BENTOML_REGISTRY_PASSWORD_FILE',
  ].filter((name) => !process.env[name]);
  if (missing.length) throw new Error(`The e2e chain tests need ${missing.join(', ')}. ${setupHint}`);
  const env = (name: string) => process.env[name] as string;

  const python = env('NX_BENTOML_PYTHON');
  const probe = spawnSync(python, ['-c', 'import bentoml, sklearn; print(bentoml.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`${python} cannot import bentoml and sklearn: ${probe.stderr || probe.error}. ${setupHint}`);

  const docker = new Docker();
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(`No Docker Engine answers (${(error as Error).message}). ${setupHint}`);
  }
  const baseImage = env('NX_BENTOML_BASE_IMAGE');
  try {
    await docker.getImage(baseImage).inspect();
  } catch {
    throw new Error(`The base image ${baseImage} is not in the Docker Engine. ${setupHint}`);
  }

  const registry = env('NX_BENTOML_REGISTRY');
  for (const address of [registry, env('NX_BENTOML_SECOND_REGISTRY')]) {
    const status = await fetch(`http://${address}/v2/`).then(
      (response) => response.status,
      (error: Error) => error.message,
    );
    if (status !== 401)
      throw new Error(`The registry at ${address} should ask for authentication (401) but answered ${status}. ${setupHint}`);
  }

  return {
    python,
    baseImage,
    registry,
    secondRegistry: env('NX_BENTOML_SECOND_REGISTRY'),
    username: env('NX_BENTOML_REGISTRY_USERNAME'),
    password: readFileSync(env('NX_BENTOML_REGISTRY_PASSWORD_FILE'), 'utf8').trim(),
    docker,
  };
}
