import { createHash } from 'node:crypto';
import type { BentoManifest } from '../bentoml/manifest';

export const bentoTagLabel = 'dev.nx-bentoml.bento.tag';
export const buildKeyLabel = 'dev.nx-bentoml.build-key';

export interface SourceInfo {
  revision?: string;
  url?: string;
}

/**
 * OCI labels of a Bento image. The build key covers everything that decides the image's content
 * (Bento tag, Dockerfile, labels other than the revision), so an image with the same key is reused.
 */
export function imageLabels(bento: BentoManifest, dockerfile: string, source: SourceInfo, extra: Record<string, string> = {}) {
  const content: Record<string, string> = {
    'org.opencontainers.image.title': bento.name,
    'org.opencontainers.image.version': bento.version,
    ...(source.url ? { 'org.opencontainers.image.source': source.url } : {}),
    [bentoTagLabel]: bento.tag,
    'dev.nx-bentoml.models': bento.models.join(','),
    'dev.nx-bentoml.bentoml-version': bento.bentomlVersion,
    ...extra,
  };
  const buildKey = createHash('sha256').update(JSON.stringify({ content, dockerfile })).digest('hex').slice(0, 32);
  return {
    ...content,
    ...(source.revision ? { 'org.opencontainers.image.revision': source.revision } : {}),
    [buildKeyLabel]: buildKey,
  };
}

/** A repository URL without credentials: "https://user:token@host/x.git" -> "https://host/x.git". */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)[^@/]+@/i, '$1');
}
