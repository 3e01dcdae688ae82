import { fakeDocker } from '../../testing/fake-docker';
import { bentoVersionFromHash, findReusableImage } from './reuse-rules';

describe('rule 1: bentoVersionFromHash', () => {
  it('is stable, short and a valid BentoML version', () => {
    const version = bentoVersionFromHash('13960263862632425338');
    expect(version).toBe(bentoVersionFromHash('13960263862632425338'));
    expect(version).toMatch(/^nx[a-z0-9]{1,40}$/);
  });

  it('differs for different hashes', () => {
    expect(bentoVersionFromHash('1')).not.toBe(bentoVersionFromHash('2'));
  });

  it('accepts hex hashes', () => {
    expect(bentoVersionFromHash('ABCdef0123')).toBe('nxabcdef0123');
  });
});

describe('rule 2: findReusableImage', () => {
  const image = (id: string, labels: Record<string, string>) => ({
    id,
    labels,
    repoTags: [],
    repoDigests: [],
    sizeBytes: 1,
    platform: 'linux/amd64',
  });
  const key = 'dev.nx-bentoml.build-key';
  const project = 'dev.nx-bentoml.project';

  it("reuses this project's image of the key, else one built before the project label, never another project's", async () => {
    const docker = fakeDocker();
    docker.images.set('theirs', image('theirs', { [key]: 'k1', [project]: 'sklearn-iris' }));
    expect(await findReusableImage(docker.client, 'k1', { project: 'quickstart' })).toBeUndefined();
    const upgraded = fakeDocker();
    upgraded.images.set('old', image('old', { [key]: 'k1' }));
    expect((await findReusableImage(upgraded.client, 'k1', { project: 'quickstart' }))?.id).toBe('old');
    docker.images.set('own', image('own', { [key]: 'k1', [project]: 'quickstart' }));
    expect((await findReusableImage(docker.client, 'k1', { project: 'quickstart' }))?.id).toBe('own');
    expect(await findReusableImage(docker.client, 'k2', { project: 'quickstart' })).toBeUndefined();
  });
});
