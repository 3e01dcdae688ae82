"""Writes the build context `bentoml containerize` would build for an exported Bento.

BentoML's own code (construct_containerfile) generates the Dockerfile for the chosen builder and
resolves every model into the context: BentoML store models into models/, Hugging Face models
into hf-models/. bento-build keeps the Bento without its store models, so they come from this
machine's BentoML store; a model the store lacks is imported from the project's model files
first. An archive that still carries its models (models/) is resolved from itself.

Usage: python build_context.py '{"archive": ..., "output": ..., "buildkit": true, "modelFiles": [...]}'
Prints one JSON line: the Dockerfile's path in the context, the build-stage environment variables
(BuildKit secrets) with their build-config defaults, and the model bytes copied where no link
could be made; or, exiting with 3, {"error": kind, ...} for a model it cannot find or a
build-stage variable or index credentials it cannot have.
The models reach the context as hard links where the file system allows (linked_models.py).
The credentials of a package index that bento-build kept out of the Bento's lock reach the build
as BuildKit secrets, from containerize's uv settings (index_credentials.py).
"""

import json
import os
import shutil
import sys
import tarfile
import tempfile


def fail(**answer) -> None:
    print(json.dumps(answer))
    sys.exit(3)


def extract(archive_path: str, target: str) -> None:
    with tarfile.open(archive_path) as archive:
        try:
            archive.extractall(target, filter="tar")
        except TypeError:  # Python before 3.11.4 / 3.10.12 has no extraction filters.
            archive.extractall(target)


def ensure_store_models(models, model_files) -> None:
    """Imports the project's model files when the store lacks a model the Bento packs."""
    import bentoml
    from bentoml.exceptions import BentoMLException, NotFound

    def missing():
        absent = []
        for model in models:
            try:
                bentoml.models.get(model.tag)
            except NotFound:
                absent.append(str(model.tag))
        return absent

    if not missing():
        return
    for path in model_files:
        try:
            bentoml.models.import_model(path)
        except BentoMLException as error:
            if "already exists" not in str(error):
                raise
    absent = missing()
    if absent:
        fail(error="store-models-missing", models=absent)


def index_secrets(bento_dir, info, buildkit):
    """The uv settings that give the build the credentials bento-build kept out of the Bento's lock, as BuildKit secrets."""
    import index_credentials
    from bentoml._internal.bento.bento import BentoInfoV2

    indexes = index_credentials.removed_credentials(bento_dir)
    if not indexes:
        return []
    # A Bento without an image spec installs with env/python/install.sh, whose RUN mounts no secret.
    if not isinstance(info, BentoInfoV2) or not index_credentials.supports_build_secrets():
        fail(error="index-credentials", reason="no-secrets", indexes=indexes)
    if not buildkit:
        fail(error="index-credentials", reason="classic", indexes=indexes)
    names, missing = index_credentials.index_settings(indexes, os.environ)
    if missing:
        fail(error="index-credentials", reason="unset", indexes=missing)
    declared = {env.name for env in getattr(info, "envs", None) or [] if getattr(env, "stage", None) == "build"}
    names = [name for name in names if name not in declared]
    index_credentials.add_build_secrets(names)
    return names


def main() -> None:
    request = json.loads(sys.argv[1])
    import linked_models
    from bentoml._internal.bento.bento import BaseBentoInfo, Bento
    from bentoml._internal.configuration.containers import BentoMLContainer
    from bentoml._internal.container import construct_containerfile
    from bentoml._internal.models.model import ModelStore

    # BentoML's temporary context sits beside the output: moving it there is a rename, and
    # linked_models knows the models' copies by their place in it.
    temp_root = os.path.dirname(os.path.abspath(request["output"]))
    os.makedirs(temp_root, exist_ok=True)
    tempfile.tempdir = temp_root
    with tempfile.TemporaryDirectory(prefix="nx-bentoml-bento-") as extracted:
        extract(request["archive"], extracted)
        bento = Bento.from_path(extracted)
        with open(os.path.join(extracted, "bento.yaml"), "rb") as bento_yaml:
            info = BaseBentoInfo.from_yaml_file(bento_yaml)
        models = info.all_models
        build_envs = [env for env in getattr(bento.info, "envs", None) or [] if getattr(env, "stage", None) == "build"]
        # BuildKit secrets, checked before any model is copied. Their values are bentoml containerize's:
        # the environment's, else the build config's; Node reads them, so they are never printed.
        if build_envs and not request["buildkit"]:
            fail(error="build-stage-envs", names=[env.name for env in build_envs])
        unset = [env.name for env in build_envs if os.environ.get(env.name) is None and not env.value]
        if unset:
            fail(error="build-stage-envs-unset", names=unset)
        index_envs = index_secrets(extracted, info, request["buildkit"])
        packed_models = os.path.join(extracted, "models")
        if os.path.isdir(packed_models):
            BentoMLContainer.model_store.set(ModelStore(packed_models))
        else:
            ensure_store_models([m for m in models if m.registry != "huggingface"], request.get("modelFiles", []))
        try:
            containerfile = construct_containerfile(bento, enable_buildkit=request["buildkit"])
            with linked_models.linked_models(temp_root):
                context, dockerfile = containerfile.__enter__()
        except Exception as error:  # noqa: BLE001 - reported to the user with the model it concerns
            hugging_face = [m for m in models if m.registry == "huggingface"]
            if hugging_face and any(word in type(error).__name__ for word in ("LocalEntryNotFound", "OfflineMode", "HfHub", "Connection")):
                fail(
                    error="hugging-face-model-missing",
                    models=[
                        {"id": str(m.metadata.get("model_id") or m.tag), "revision": str(m.metadata.get("revision") or "main")}
                        for m in hugging_face
                    ],
                    detail=f"{type(error).__name__}: {error}",
                )
            raise
        try:
            # Moved, not copied: the models are the bulk of the context.
            os.makedirs(request["output"], exist_ok=True)
            for entry in os.listdir(context):
                shutil.move(os.path.join(context, entry), os.path.join(request["output"], entry))
        finally:
            containerfile.__exit__(None, None, None)
        print(
            json.dumps(
                {
                    "dockerfile": os.path.relpath(dockerfile, context),
                    "buildEnvs": [{"name": env.name, "default": env.value} for env in build_envs]
                    + [{"name": name, "default": ""} for name in index_envs],
                    "modelBytesCopied": linked_models.copied_bytes,
                }
            )
        )


if __name__ == "__main__":
    main()
