import { type LocalImage, type TagAnswer, matchTag, needsImageFacts, stepsFromAnswers, withPushedDigests } from './push-plan';

const label = 'dev.nx-bentoml.build-key';
const ours = `sha256:${'a'.repeat(64)}`;
const theirs = `sha256:${'e'.repeat(64)}`;
const local: LocalImage = { knownDigests: new Set([ours]), buildKey: { label, value: 'key-1' }, platform: 'linux/amd64' };
/** A registry tag holding `digest`, an image with `buildKey` and `platform`. */
const answer = (digest: string | undefined, buildKey = 'key-1', platform = 'linux/amd64'): TagAnswer =>
  digest ? { digest, image: { digest, labels: { [label]: buildKey }, platform } } : {};

describe('rule 3: matchTag', () => {
  it('matches a tag that holds this very image, without reading its config', () => {
    expect(needsImageFacts(local, ours)).toBe(false);
    expect(matchTag(local, { digest: ours })).toEqual({ digest: ours, sameInputs: false });
  });

  it('matches an image built elsewhere from the same inputs for the same platform', () => {
    expect(needsImageFacts(local, theirs)).toBe(true);
    expect(matchTag(local, answer(theirs))).toEqual({ digest: theirs, sameInputs: true });
  });

  it('does not match another build key, another platform, an empty tag, or an image without a build key', () => {
    expect(matchTag(local, answer(theirs, 'key-2'))).toBeUndefined();
    expect(matchTag(local, answer(theirs, 'key-1', 'linux/arm64'))).toBeUndefined();
    expect(matchTag(local, answer(undefined))).toBeUndefined();
    expect(matchTag(local, undefined)).toBeUndefined();
    const unlabelled = { ...local, buildKey: undefined };
    expect(needsImageFacts(unlabelled, theirs)).toBe(false);
    expect(matchTag(unlabelled, answer(theirs))).toBeUndefined();
  });

  it('does not match when the config the registry serves belongs to another digest (the tag moved meanwhile)', () => {
    const moved = { digest: theirs, image: { digest: `sha256:${'f'.repeat(64)}`, labels: { [label]: 'key-1' }, platform: 'linux/amd64' } };
    expect(matchTag(local, moved)).toBeUndefined();
  });
});

describe('rule 3: stepsFromAnswers', () => {
  const digest = theirs;

  it('pushes every tag the registry does not hold', () => {
    expect(stepsFromAnswers({ tags: ['nx1', 'latest'] }, local, [answer(undefined), undefined])).toEqual([
      { tag: 'nx1', action: 'push' },
      { tag: 'latest', action: 'push' },
    ]);
  });

  it('keeps matching tags and pushes the others when the match is this image', () => {
    expect(stepsFromAnswers({ tags: ['nx1', 'latest'] }, local, [{ digest: ours }, answer(digest, 'key-2')])).toEqual([
      { tag: 'nx1', action: 'keep', digest: ours, sameInputs: false },
      { tag: 'latest', action: 'push' },
    ]);
  });

  it('points the other tags at an image built elsewhere from the same inputs', () => {
    expect(stepsFromAnswers({ tags: ['nx1', 'latest', 'abc123'] }, local, [undefined, answer(digest), answer(undefined)])).toEqual([
      { tag: 'nx1', action: 'point', digest },
      { tag: 'latest', action: 'keep', digest, sameInputs: true },
      { tag: 'abc123', action: 'point', digest },
    ]);
  });

  it('pushes every tag when forced, whatever the registry holds', () => {
    expect(stepsFromAnswers({ tags: ['nx1', 'latest'], force: true }, local, [{ digest: ours }, answer(digest)])).toEqual([
      { tag: 'nx1', action: 'push' },
      { tag: 'latest', action: 'push' },
    ]);
  });

  it('takes the digests this run pushed for this image', () => {
    expect(stepsFromAnswers({ tags: ['nx1'] }, withPushedDigests(local, [digest]), [{ digest }])).toEqual([
      { tag: 'nx1', action: 'keep', digest, sameInputs: false },
    ]);
    expect(local.knownDigests.has(digest)).toBe(false);
  });
});

describe("rule 3: another owner's image", () => {
  const owner = 'dev.example/owner';
  const owned: LocalImage = { ...local, owns: (labels) => labels[owner] === undefined || labels[owner] === 'me' };
  const held = (digest: string, who?: string, buildKey = 'key-1'): TagAnswer => ({
    digest,
    image: { digest, labels: { [label]: buildKey, ...(who ? { [owner]: who } : {}) }, platform: 'linux/amd64' },
  });

  it("marks a tag holding another owner's image, even one with the same build key, and never moves it", () => {
    expect(stepsFromAnswers({ tags: ['nx1', 'latest'] }, owned, [{}, held(theirs, 'them', 'key-2')])).toEqual([
      { tag: 'nx1', action: 'push' },
      { tag: 'latest', action: 'foreign', digest: theirs, labels: { [label]: 'key-2', [owner]: 'them' } },
    ]);
    expect(stepsFromAnswers({ tags: ['nx1'] }, owned, [held(theirs, 'them')])[0]).toMatchObject({ action: 'foreign' });
  });

  it("pushes every tag when forced but one holding another owner's image: force re-pushes, it takes nothing over", () => {
    expect(stepsFromAnswers({ tags: ['nx1', 'latest'], force: true }, owned, [held(theirs, 'me'), held(theirs, 'them')])).toEqual([
      { tag: 'nx1', action: 'push' },
      { tag: 'latest', action: 'foreign', digest: theirs, labels: { [label]: 'key-1', [owner]: 'them' } },
    ]);
  });

  it('leaves its own images, those without an owner, and this very image to rule 3 as before, reading no config for a known digest', () => {
    expect(stepsFromAnswers({ tags: ['a', 'b'] }, owned, [held(theirs, 'me'), held(theirs)])).toEqual([
      { tag: 'a', action: 'keep', digest: theirs, sameInputs: true },
      { tag: 'b', action: 'keep', digest: theirs, sameInputs: true },
    ]);
    expect(needsImageFacts(owned, ours)).toBe(false);
    expect(needsImageFacts({ ...owned, buildKey: undefined }, theirs)).toBe(true);
    expect(stepsFromAnswers({ tags: ['a'] }, owned, [{ digest: ours }])).toEqual([
      { tag: 'a', action: 'keep', digest: ours, sameInputs: false },
    ]);
  });
});
