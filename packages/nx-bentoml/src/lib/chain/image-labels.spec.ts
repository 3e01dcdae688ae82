import { buildKeyLabel, imageLabels, projectLabel } from './image-labels';
import { redactUrl } from './source-info';

const bento = {
  tag: 'classifier:nx1',
  name: 'classifier',
  version: 'nx1',
  models: ['classifier_model:abc'],
  bentomlVersion: '1.4.39',
  archive: 'bento.tar',
  sizeBytes: 1,
};

describe('imageLabels', () => {
  it('carries OCI source, revision and the Bento and model tags', () => {
    const labels = imageLabels(bento, 'env/docker/Dockerfile', { revision: 'abc123', url: 'https://git.example/ml.git' });
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': 'classifier',
      'org.opencontainers.image.version': 'nx1',
      'org.opencontainers.image.revision': 'abc123',
      'org.opencontainers.image.source': 'https://git.example/ml.git',
      'dev.nx-bentoml.bento.tag': 'classifier:nx1',
      'dev.nx-bentoml.models': 'classifier_model:abc',
    });
  });

  it('carries the lineage: params hash and values, metrics, DVC hash, and the build time', () => {
    const lineage = {
      params: { sha256: 'f'.repeat(64), values: { 'train.c': '1' } },
      metrics: { accuracy: '0.97' },
      dvc: { 'model/clf.bentomodel': 'abc' },
    };
    const labels = imageLabels({ ...bento, lineage }, 'env/docker/Dockerfile', {}, {}, new Date('2026-11-23T00:00:00Z'));
    expect(labels).toMatchObject({
      'dev.nx-bentoml.params.sha256': 'f'.repeat(64),
      'dev.nx-bentoml.params.train.c': '1',
      'dev.nx-bentoml.metrics.accuracy': '0.97',
      'dev.nx-bentoml.dvc.md5.model_clf.bentomodel': 'abc',
      'org.opencontainers.image.created': '2026-11-23T00:00:00.000Z',
    });
  });

  it('keys reuse on content, not on the commit or the time', () => {
    expect(imageLabels(bento, 'd', {}, {}, new Date(1))[buildKeyLabel]).toBe(imageLabels(bento, 'd', {}, {}, new Date(2))[buildKeyLabel]);
    expect(imageLabels({ ...bento, lineage: { metrics: { accuracy: '1' } } }, 'd', {})[buildKeyLabel]).not.toBe(
      imageLabels(bento, 'd', {})[buildKeyLabel],
    );
    const a = imageLabels(bento, 'env/docker/Dockerfile', { revision: 'a' })[buildKeyLabel];
    expect(imageLabels(bento, 'env/docker/Dockerfile', { revision: 'b' })[buildKeyLabel]).toBe(a);
    expect(imageLabels({ ...bento, tag: 'classifier:nx2' }, 'env/docker/Dockerfile', {})[buildKeyLabel]).not.toBe(a);
    expect(imageLabels(bento, 'env/docker/Dockerfile', {}, { team: 'ml' })[buildKeyLabel]).not.toBe(a);
  });

  it('names the project, outside the build key: images built before the label are not rebuilt', () => {
    const labels = imageLabels(bento, 'd', {}, {}, new Date(1), 'quickstart');
    expect(labels[projectLabel]).toBe('quickstart');
    expect(labels[buildKeyLabel]).toBe(imageLabels(bento, 'd', {}, {}, new Date(1))[buildKeyLabel]);
    expect(labels[buildKeyLabel]).toBe(imageLabels(bento, 'd', {}, {}, new Date(1), 'sklearn-iris')[buildKeyLabel]);
  });

  it('removes credentials from repository URLs', () => {
    expect(redactUrl('https://ci:ghp_secret@git.example/ml.git')).toBe('https://git.example/ml.git');
    expect(redactUrl('git@git.example:ml.git')).toBe('git@git.example:ml.git');
  });
});
