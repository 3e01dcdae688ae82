"""The commit BentoML's HuggingFaceModel records for a revision, answered without asking the hub again.

At build time HuggingFaceModel asks HfApi.model_info for the revision's commit (its commit_hash),
and the Bento records it: containerize then fetches exactly that commit. The plugin resolved the
same revision for the task's hash (external-models-resolver.js), from the hub or, offline, from the
local cache; pin_commits answers those commits, so the Bento holds the commit its version stands for
even when the branch moves during the build. Offline, a model the plugin did not resolve (an id
computed at run time) is read from the local cache (answer_from_cache), as the resolver would.
"""

import os


def offline() -> bool:
    """huggingface_hub's HF_HUB_OFFLINE."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.upper() in ("1", "ON", "YES", "TRUE")


def answer_from_cache() -> None:
    """Offline, model_info answers from the local cache, where BentoML's HuggingFaceModel.resolve looks."""
    if not offline():
        return
    try:
        import huggingface_hub
    except ImportError:
        return

    def model_info_from_cache(self, repo_id, revision=None, **kwargs):
        # BENTOML_HF_CACHE_DIR, else huggingface_hub's own cache.
        cache_dir = os.environ.get("BENTOML_HF_CACHE_DIR") or None
        snapshot = huggingface_hub.snapshot_download(repo_id, revision=revision, local_files_only=True, cache_dir=cache_dir)
        return type("CachedModelInfo", (), {"id": repo_id, "sha": os.path.basename(snapshot)})()

    huggingface_hub.HfApi.model_info = model_info_from_cache


def pin_commits(commits) -> None:
    """model_info answers the commits given by "repository@revision"; any other question goes on as before."""
    if not commits:
        return
    try:
        import huggingface_hub
    except ImportError:
        return
    asked = huggingface_hub.HfApi.model_info

    def model_info_pinned(self, repo_id, revision=None, **kwargs):
        commit = commits.get(f"{repo_id}@{revision or 'main'}")
        # A question about the files (sizes, for BentoCloud) still needs the hub.
        if commit is None or kwargs.get("files_metadata"):
            return asked(self, repo_id, revision=revision, **kwargs)
        return type("PinnedModelInfo", (), {"id": repo_id, "sha": commit})()

    huggingface_hub.HfApi.model_info = model_info_pinned
