import { createHash } from 'node:crypto';
import type { BentoHandoff } from './handoff-files';
import type { SourceInfo } from './source-info';

export const bentoTagLabel = 'dev.nx-bentoml.bento.tag';
export const buildKeyLabel = 'dev.nx-bentoml.build-key';
/** The Nx project that built the image: two projects never share a repository (project-images.ts). */
export const projectLabel = 'dev.nx-bentoml.project';
export const sourceLabel = 'org.opencontainers.image.source';
const modelsLabel = 'dev.nx-bentoml.models';
const paramsLabelPrefix = 'dev.nx-bentoml.params.';
const paramsDigestLabel = 'dev.nx-bentoml.params.sha256';
const metricsLabelPrefix = 'dev.nx-bentoml.metrics.';
/** On the containers smoke-test starts, valued with the project, so a left-over one can be found: docker ps -af label=dev.nx-bentoml.smoke-test */
export const smokeTestContainerLabel = 'dev.nx-bentoml.smoke-test';

/**
 * The labels of a Bento image: OCI annotations and the model's lineage (Bento and model tags,
 * params.yaml hash and values, metrics, DVC data hash), readable with docker image inspect and
 * from the image config in the registry. The build key covers everything that decides the image's
 * content, so an image with the same key is reused; the commit, the build time and the project are
 * left out (a project label added later must not rebuild every image).
 */
export function imageLabels(
  bento: BentoHandoff,
  dockerfile: string,
  source: SourceInfo,
  extra: Record<string, string> = {},
  now = new Date(),
  project?: string,
) {
  const lineage = bento.lineage ?? {};
  const content: Record<string, string> = {
    'org.opencontainers.image.title': bento.name,
    'org.opencontainers.image.version': bento.version,
    ...(source.url ? { [sourceLabel]: source.url } : {}),
    [bentoTagLabel]: bento.tag,
    [modelsLabel]: bento.models.join(','),
    'dev.nx-bentoml.bentoml-version': bento.bentomlVersion,
    ...(lineage.params ? { [paramsDigestLabel]: lineage.params.sha256 } : {}),
    ...prefixed(paramsLabelPrefix, lineage.params?.values),
    ...prefixed(metricsLabelPrefix, lineage.metrics),
    ...prefixed('dev.nx-bentoml.dvc.md5.', lineage.dvc),
    ...extra,
  };
  const buildKey = createHash('sha256').update(JSON.stringify({ content, dockerfile })).digest('hex').slice(0, 32);
  return {
    ...content,
    ...(source.revision ? { 'org.opencontainers.image.revision': source.revision } : {}),
    'org.opencontainers.image.created': now.toISOString(),
    ...(project ? { [projectLabel]: project } : {}),
    [buildKeyLabel]: buildKey,
  };
}

function prefixed(prefix: string, values: Record<string, string> | undefined) {
  return Object.fromEntries(Object.entries(values ?? {}).map(([key, value]) => [`${prefix}${key.replace(/[^\w.-]+/g, '_')}`, value]));
}

/** What an image's labels say of the model it serves, read back as imageLabels wrote it. */
export interface LabelledLineage {
  bentoTag?: string;
  models: string[];
  params: Record<string, string>;
  metrics: Record<string, string>;
  revision?: string;
  created?: string;
}

export function lineageFromLabels(labels: Record<string, string>): LabelledLineage {
  const withPrefix = (prefix: string) =>
    Object.fromEntries(
      Object.entries(labels)
        .filter(([key]) => key.startsWith(prefix) && key !== paramsDigestLabel)
        .map(([key, value]) => [key.slice(prefix.length), value]),
    );
  return {
    bentoTag: labels[bentoTagLabel],
    models: (labels[modelsLabel] ?? '').split(',').filter(Boolean),
    params: withPrefix(paramsLabelPrefix),
    metrics: withPrefix(metricsLabelPrefix),
    revision: labels['org.opencontainers.image.revision'],
    created: labels['org.opencontainers.image.created'],
  };
}
