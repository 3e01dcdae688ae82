import { join } from 'node:path';
import { huggingFaceHubCache, huggingFaceHubCacheOrder } from './hugging-face-cache';

describe('the Hugging Face hub cache', () => {
  const home = '/home/ml';

  it("is found in BentoML's order, then huggingface_hub's: the first variable set wins", () => {
    const env = {
      BENTOML_HF_CACHE_DIR: '/bentoml-hf',
      HF_HUB_CACHE: '/hub',
      HUGGINGFACE_HUB_CACHE: '/legacy-hub',
      HF_HOME: '/hf-home',
      XDG_CACHE_HOME: '/xdg',
    };
    expect(huggingFaceHubCache(env, home)).toBe('/bentoml-hf');
    expect(huggingFaceHubCache({ ...env, BENTOML_HF_CACHE_DIR: '' }, home)).toBe('/hub');
    expect(huggingFaceHubCache({ HUGGINGFACE_HUB_CACHE: '/legacy-hub', HF_HOME: '/hf-home' }, home)).toBe('/legacy-hub');
    expect(huggingFaceHubCache({ HF_HOME: '/hf-home', XDG_CACHE_HOME: '/xdg' }, home)).toBe(join('/hf-home', 'hub'));
    expect(huggingFaceHubCache({ XDG_CACHE_HOME: '/xdg' }, home)).toBe(join('/xdg', 'huggingface', 'hub'));
    expect(huggingFaceHubCache({}, home)).toBe(join(home, '.cache', 'huggingface', 'hub'));
  });

  it('expands "~" as huggingface_hub does', () => {
    expect(huggingFaceHubCache({ HF_HOME: '~/hf' }, home)).toBe(join(home, 'hf', 'hub'));
  });

  it('says the same order in words', () => {
    expect(huggingFaceHubCacheOrder).toBe(
      'BENTOML_HF_CACHE_DIR, else HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else HF_HOME/hub, ' +
        'else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub',
    );
  });
});
