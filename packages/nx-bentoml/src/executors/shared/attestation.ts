import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { imageStatements } from '../../lib/attest/image-statements';
import { signerFromEnvironment } from '../../lib/attest/signer';
import { type ImageHandoff, hasHandoff, readHandoff } from '../../lib/chain/handoff-files';
import type { ImagePush } from '../../lib/chain/image-push';
import type { DockerClient } from '../../lib/docker/client';
import { configuredTargetName } from './configured-targets';
import { resolveOption } from './executor-context';
import { gateOutputDir } from './handoffs';
import dockerPushSchema from '../docker-push/schema.json';

/**
 * What docker-push signs, when NX_BENTOML_SIGNING_KEY names a key: the statements of the Bento
 * (bento.json and bento.tar), the image and the gate's result (gate.json), each read where its
 * target wrote it. Undefined without a key: nothing is signed or attached.
 */
export async function pushAttestation(
  paths: { bentoPath?: string; smokeTestPath?: string },
  context: ExecutorContext,
  image: ImageHandoff,
  docker: DockerClient,
): Promise<ImagePush['attest']> {
  const signer = signerFromEnvironment();
  if (!signer) return undefined;
  const bentoDir = resolveOption(paths.bentoPath ?? dockerPushSchema.properties.bentoPath.default, context);
  const bento = readHandoff('bento', {
    dir: bentoDir,
    workspaceRoot: context.root,
    producer: configuredTargetName(context, 'bento-build'),
  });
  const gateDir = resolveOption(paths.smokeTestPath ?? gateOutputDir, context);
  const gate = hasHandoff('gate', gateDir)
    ? readHandoff('gate', { dir: gateDir, workspaceRoot: context.root, producer: configuredTargetName(context, 'smoke-test') })
    : undefined;
  const statements = await imageStatements(
    { project: context.projectName!, workspaceRoot: context.root, bento, bentoArchive: join(bentoDir, bento.archive), image, gate },
    docker,
  );
  return { signer, statements };
}
