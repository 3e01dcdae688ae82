import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { testPython } from '../../testing/python';
import { useTempDir } from '../../testing/temp-dir';

/**
 * python/hugging_face_revisions.py in a plain interpreter, around a stub huggingface_hub whose
 * HfApi.model_info stands for the hub (it answers "hub-<revision>") and whose snapshot_download
 * reads a cache laid out as huggingface_hub's: what BentoML's HuggingFaceModel.commit_hash would get.
 */
const stubHub = `
import os

class HfApi:
    def model_info(self, repo_id, revision=None, **kwargs):
        return type("Info", (), {"id": repo_id, "sha": f"hub-{revision}"})()

def snapshot_download(repo_id, revision=None, local_files_only=False, cache_dir=None):
    repo = os.path.join(cache_dir or os.environ["HF_HUB_CACHE"], "models--" + repo_id.replace("/", "--"))
    commit = open(os.path.join(repo, "refs", revision)).read()
    return os.path.join(repo, "snapshots", commit)
`;

const driver = `
import json, sys
sys.path.insert(0, sys.argv[1])
from hugging_face_revisions import answer_from_cache, pin_commits
answer_from_cache()
pin_commits(json.loads(sys.argv[2]))
import huggingface_hub
api = huggingface_hub.HfApi()
print(json.dumps([api.model_info(*ask).sha for ask in json.loads(sys.argv[3])] + [api.model_info("org/cached", revision="main", files_metadata=True).sha]))
`;

describe('hugging_face_revisions.py: the commit a Bento records for a Hugging Face revision', () => {
  const temp = useTempDir('nx-bentoml-hf-revisions-');
  const commit = 'a'.repeat(40);

  function commitsAnswered(commits: Record<string, string>, env: Record<string, string> = {}) {
    temp.write('site/huggingface_hub/__init__.py', stubHub);
    temp.write(`hub/models--org--cached/refs/main`, 'b'.repeat(40));
    const asked = [
      ['org/tiny', 'main'],
      ['org/cached', 'main'],
    ];
    const { HF_HUB_OFFLINE: _offline, ...inherited } = process.env;
    const output = execFileSync(testPython, ['-c', driver, join(__dirname, 'python'), JSON.stringify(commits), JSON.stringify(asked)], {
      encoding: 'utf8',
      env: { ...inherited, PYTHONPATH: join(temp.dir, 'site'), HF_HUB_CACHE: join(temp.dir, 'hub'), ...env },
    });
    return JSON.parse(output) as string[];
  }

  it('is the commit the plugin resolved for the hash; other models and questions about files go to the hub', () => {
    expect(commitsAnswered({ 'org/tiny@main': commit })).toEqual([commit, 'hub-main', 'hub-main']);
    expect(commitsAnswered({ 'org/cached@main': 'c'.repeat(40) })).toEqual(['hub-main', 'c'.repeat(40), 'hub-main']);
  });

  it('offline, comes from the local cache for a model the plugin did not resolve', () => {
    expect(commitsAnswered({ 'org/tiny@main': commit }, { HF_HUB_OFFLINE: '1' })).toEqual([commit, 'b'.repeat(40), 'b'.repeat(40)]);
  });

  it('is left to the hub when the plugin resolved nothing', () => {
    expect(commitsAnswered({})).toEqual(['hub-main', 'hub-main', 'hub-main']);
  });
});
