import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BentoHandoff, ImageHandoff } from '../lib/chain/handoff-files';

/**
 * Writes the image.json containerize leaves when a registry already held the image: classifier's
 * nx1 and latest, found in `registry` under `digest` with build key "key-1", none of it in the engine.
 */
export function writeRegistryImageHandoff(dir: string, digest: string, registry = '127.0.0.1:5000', sizeBytes = 777): ImageHandoff {
  const image: ImageHandoff = {
    imageId: 'sha256:config',
    imageName: 'classifier',
    tags: ['nx1', 'latest'],
    bentoTag: 'classifier:nx1',
    built: false,
    buildKey: 'key-1',
    registryImage: { registry, repository: `${registry}/classifier`, digest, platform: 'linux/amd64', sizeBytes },
  };
  writeFileSync(join(dir, 'image.json'), JSON.stringify(image));
  return image;
}

/** classifier's bento.json for Bento `version`, with the sha256 of each input file where given (bento-build records them). */
export function bentoHandoff(version: string, inputFiles?: Record<string, string>): BentoHandoff {
  return {
    tag: `classifier:${version}`,
    name: 'classifier',
    version,
    models: [],
    bentomlVersion: '1.4.39',
    archive: 'bento.tar',
    sizeBytes: 1,
    ...(inputFiles ? { inputs: { files: inputFiles } } : {}),
  };
}
