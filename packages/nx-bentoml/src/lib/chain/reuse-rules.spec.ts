import { type LocalImage, type RegistryAnswers, bentoVersionFromHash, matchRegistryImage, planTags } from './reuse-rules';

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

describe('rule 3: matchRegistryImage', () => {
  const ours = `sha256:${'a'.repeat(64)}`;
  const theirs = `sha256:${'e'.repeat(64)}`;
  const local: LocalImage = { knownDigests: new Set([ours]), buildKey: 'key-1', platform: 'linux/amd64' };
  /** A registry holding `digest` under the tag, an image with `buildKey` and `platform`; records what it was asked. */
  const registry = (digest: string | undefined, buildKey = 'key-1', platform = 'linux/amd64') => {
    const asked: string[] = [];
    const answers: RegistryAnswers = {
      digest: async () => (asked.push('digest'), digest),
      image: async () => (asked.push('image'), digest ? { digest, buildKey, platform } : undefined),
    };
    return { answers, asked };
  };

  it('matches a tag that holds this very image, without reading its config', async () => {
    const { answers, asked } = registry(ours);
    expect(await matchRegistryImage(local, answers)).toEqual({ digest: ours, sameInputs: false });
    expect(asked).toEqual(['digest']);
  });

  it('matches an image built elsewhere from the same inputs for the same platform', async () => {
    expect(await matchRegistryImage(local, registry(theirs).answers)).toEqual({ digest: theirs, sameInputs: true });
  });

  it('does not match another build key, another platform, an empty tag, or an image without a build key', async () => {
    expect(await matchRegistryImage(local, registry(theirs, 'key-2').answers)).toBeUndefined();
    expect(await matchRegistryImage(local, registry(theirs, 'key-1', 'linux/arm64').answers)).toBeUndefined();
    expect(await matchRegistryImage(local, registry(undefined).answers)).toBeUndefined();
    const unlabelled = registry(theirs);
    expect(await matchRegistryImage({ ...local, buildKey: undefined }, unlabelled.answers)).toBeUndefined();
    expect(unlabelled.asked).toEqual(['digest']);
  });

  it('does not match when the config the registry serves belongs to another digest (the tag moved meanwhile)', async () => {
    const answers: RegistryAnswers = {
      digest: async () => theirs,
      image: async () => ({ digest: `sha256:${'f'.repeat(64)}`, buildKey: 'key-1', platform: 'linux/amd64' }),
    };
    expect(await matchRegistryImage(local, answers)).toBeUndefined();
  });
});

describe('rule 3: planTags', () => {
  const digest = `sha256:${'e'.repeat(64)}`;

  it('pushes every tag the registry does not hold', () => {
    expect(planTags(['nx1', 'latest'], [undefined, undefined])).toEqual([
      { tag: 'nx1', action: 'push' },
      { tag: 'latest', action: 'push' },
    ]);
  });

  it('keeps matching tags and pushes the others when the match is this image', () => {
    expect(planTags(['nx1', 'latest'], [{ digest, sameInputs: false }, undefined])).toEqual([
      { tag: 'nx1', action: 'keep', digest, sameInputs: false },
      { tag: 'latest', action: 'push' },
    ]);
  });

  it('points the other tags at an image built elsewhere from the same inputs', () => {
    expect(planTags(['nx1', 'latest', 'abc123'], [undefined, { digest, sameInputs: true }, undefined])).toEqual([
      { tag: 'nx1', action: 'point', digest },
      { tag: 'latest', action: 'keep', digest, sameInputs: true },
      { tag: 'abc123', action: 'point', digest },
    ]);
  });
});
