import { join } from 'node:path';
import { startForwardProxy } from '../../testing/forward-proxy';
import { closedEndpoint, useStandInHub } from '../../testing/hugging-face-hub';
import { useTempDir } from '../../testing/temp-dir';
import { askHubForCommit, huggingFaceEndpoint, huggingFaceOffline, huggingFaceToken, hubTimeoutMs } from './hugging-face-hub';

describe('the Hugging Face hub, as huggingface_hub reaches it', () => {
  const home = useTempDir('hf-home-');
  const hub = useStandInHub({ token: 'hf_secret' });
  const sha = 'c'.repeat(40);
  const ask = (revision = 'main', { anonymous = false, timeoutMs = 2000, env = process.env } = {}) =>
    askHubForCommit({
      endpoint: hub.endpoint,
      repository: 'org/tiny',
      revision,
      token: anonymous ? undefined : 'hf_secret',
      timeoutMs,
      env,
    });

  it('is offline with HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) set to a true value', () => {
    expect(['1', 'on', 'YES', 'true'].map((value) => huggingFaceOffline({ HF_HUB_OFFLINE: value }))).toEqual([true, true, true, true]);
    expect(huggingFaceOffline({ TRANSFORMERS_OFFLINE: '1' })).toBe(true);
    expect([huggingFaceOffline({ HF_HUB_OFFLINE: '0' }), huggingFaceOffline({})]).toEqual([false, false]);
  });

  it('is HF_ENDPOINT without its trailing "/" and any credentials, else the public hub', () => {
    expect(huggingFaceEndpoint({})).toBe('https://huggingface.co');
    expect(huggingFaceEndpoint({ HF_ENDPOINT: 'http://127.0.0.1:8080/' })).toBe('http://127.0.0.1:8080');
    expect(huggingFaceEndpoint({ HF_ENDPOINT: 'https://me:pass@mirror.example/hf/' })).toBe('https://mirror.example/hf');
  });

  it('sends HF_TOKEN, else the token `hf auth login` saved, none when implicit tokens are off; bounded by HF_HUB_ETAG_TIMEOUT', () => {
    home.write('hf/token', ' hf_saved\n');
    expect(huggingFaceToken({ HF_TOKEN: 'hf_env', HF_HOME: join(home.dir, 'hf') }, home.dir)).toBe('hf_env');
    expect(huggingFaceToken({ HUGGING_FACE_HUB_TOKEN: 'hf_legacy' }, home.dir)).toBe('hf_legacy');
    expect(huggingFaceToken({ HF_HOME: join(home.dir, 'hf') }, home.dir)).toBe('hf_saved');
    expect(huggingFaceToken({ HF_TOKEN_PATH: '~/hf/token' }, home.dir)).toBe('hf_saved');
    expect(huggingFaceToken({ XDG_CACHE_HOME: home.dir }, home.dir)).toBeUndefined();
    expect(huggingFaceToken({ HF_TOKEN: 'hf_env', HF_HUB_DISABLE_IMPLICIT_TOKEN: '1' }, home.dir)).toBeUndefined();
    expect([hubTimeoutMs({}), hubTimeoutMs({ HF_HUB_ETAG_TIMEOUT: '3' })]).toEqual([10_000, 3000]);
  });

  it("asks once for the revision's commit, the token as a bearer and the revision as one path segment", async () => {
    hub.commit('org/tiny', 'main', sha);
    hub.commit('org/tiny', 'refs/pr/1', 'd'.repeat(40));
    expect(await ask()).toEqual({ commit: sha });
    expect(await ask('refs/pr/1')).toEqual({ commit: 'd'.repeat(40) });
    expect(hub.requests).toEqual([
      { path: '/api/models/org/tiny/revision/main', authorization: 'Bearer hf_secret' },
      { path: '/api/models/org/tiny/revision/refs%2Fpr%2F1', authorization: 'Bearer hf_secret' },
    ]);
  });

  it("reports the hub's refusals by status and error code, its failures and silence as unreachable, never the token", async () => {
    hub.commit('org/tiny', 'main', sha);
    const answers = [await ask('main', { anonymous: true }), await ask('v9')];
    hub.answerEverything(503);
    answers.push(await ask());
    hub.answerEverything(200);
    answers.push(await ask());
    expect(answers).toEqual([
      { status: 401, errorCode: 'RepoNotFound' },
      { status: 404, errorCode: 'RevisionNotFound' },
      { unreachable: 'HTTP 503' },
      { unreachable: 'an answer without a commit sha' },
    ]);
    hub.hang();
    expect(await ask('main', { timeoutMs: 300 })).toEqual({ unreachable: 'no answer within 0.3 s' });
    expect(JSON.stringify(answers)).not.toContain('hf_secret');
  });

  it('reports a hub nobody listens at by its error code', async () => {
    const answer = await askHubForCommit({
      endpoint: await closedEndpoint(),
      repository: 'org/tiny',
      revision: 'main',
      timeoutMs: 2000,
    });
    expect(answer).toEqual({ unreachable: 'ECONNREFUSED' });
  });

  it('goes through the proxy HTTPS_PROXY or HTTP_PROXY names, as huggingface_hub does; its refusal names it without credentials', async () => {
    hub.commit('org/tiny', 'main', sha);
    const [proxy, refusing] = await Promise.all([startForwardProxy(), startForwardProxy({ refuse: 407 })]);
    try {
      expect(await ask('main', { env: { HTTP_PROXY: proxy.url } })).toEqual({ commit: sha });
      expect(proxy.requests.map(({ url }) => url)).toEqual([`${hub.endpoint}/api/models/org/tiny/revision/main`]);
      expect(await ask('main', { env: { HTTP_PROXY: refusing.url.replace('//', '//me:pw@') } })).toEqual({
        unreachable: `the proxy ${refusing.url} (HTTP_PROXY), which answered HTTP 407 Proxy Authentication Required: it wants credentials, or refused the ones given`,
      });
      expect(hub.requests).toHaveLength(1);
    } finally {
      proxy.close();
      refusing.close();
    }
  });
});
