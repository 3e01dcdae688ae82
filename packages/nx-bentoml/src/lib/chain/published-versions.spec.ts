import { UserError } from '../errors';
import { compareVersions, findVersion, formatDifferences, formatVersions, publishedVersions } from './published-versions';

const digest = (char: string) => `sha256:${char.repeat(64)}`;
const labels = (version: string, created: string, accuracy: string, depth: string) => ({
  'dev.nx-bentoml.bento.tag': `classifier:${version}`,
  'dev.nx-bentoml.models': `iris:${version}`,
  'dev.nx-bentoml.params.sha256': 'ff',
  'dev.nx-bentoml.params.train.max_depth': depth,
  'dev.nx-bentoml.metrics.accuracy': accuracy,
  'org.opencontainers.image.revision': `${version}0000000000000`,
  'org.opencontainers.image.created': created,
});
const image = (char: string, version: string, created: string, accuracy: string, depth: string) => ({
  digest: digest(char),
  labels: labels(version, created, accuracy, depth),
  platform: 'linux/amd64',
});

describe('published versions', () => {
  const tagged = [
    { tag: 'nx1', image: image('a', 'nx1', '2026-11-01T10:00:00.000Z', '0.91', '3') },
    { tag: 'production', image: image('a', 'nx1', '2026-11-01T10:00:00.000Z', '0.91', '3') },
    { tag: 'nx2', image: image('b', 'nx2', '2026-11-02T10:00:00.000Z', '0.95', '5') },
    { tag: 'latest', image: image('b', 'nx2', '2026-11-02T10:00:00.000Z', '0.95', '5') },
  ];

  it('groups tags by digest, newest first, with the lineage the labels carry', () => {
    const versions = publishedVersions(tagged);
    expect(versions.map((version) => [version.digest, version.tags])).toEqual([
      [digest('b'), ['latest', 'nx2']],
      [digest('a'), ['nx1', 'production']],
    ]);
    expect(versions[0]).toMatchObject({
      bentoTag: 'classifier:nx2',
      models: ['iris:nx2'],
      params: { 'train.max_depth': '5' },
      metrics: { accuracy: '0.95' },
      revision: 'nx20000000000000',
      created: '2026-11-02T10:00:00.000Z',
    });
    expect(formatVersions(versions).split('\n')).toHaveLength(3);
    expect(formatVersions(versions)).toContain('latest, nx2');
  });

  it('finds a version by tag or digest prefix and refuses one the registry does not hold, listing its tags', () => {
    const versions = publishedVersions(tagged);
    expect(findVersion(versions, 'production', 'r/classifier').digest).toBe(digest('a'));
    expect(findVersion(versions, `sha256:${'b'.repeat(12)}`, 'r/classifier').tags).toContain('latest');
    expect(() => findVersion(versions, 'staging', 'r/classifier')).toThrow(
      new UserError(
        'r/classifier holds no version staging. Its tags: latest, nx2, nx1, production. Give a tag or a digest (sha256:…) that it holds.',
      ),
    );
  });

  it('compares the params and metrics of two versions, showing only what differs', () => {
    const [newer, older] = publishedVersions(tagged);
    const differences = compareVersions(older, newer);
    expect(differences).toEqual([
      { kind: 'param', key: 'train.max_depth', a: '3', b: '5' },
      { kind: 'metric', key: 'accuracy', a: '0.91', b: '0.95' },
    ]);
    expect(formatDifferences('production', 'latest', differences)).toBe(
      'What differs between production and latest:\n  param train.max_depth: 3 -> 5\n  metric accuracy: 0.91 -> 0.95',
    );
    expect(compareVersions(newer, newer)).toEqual([]);
  });
});
