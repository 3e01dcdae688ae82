"""Writes the build context `bentoml containerize` would build for an exported Bento.

BentoML's own code (construct_containerfile) generates the Dockerfile for the chosen builder and
resolves every model into the context: BentoML store models into models/, Hugging Face models
into hf-models/. The exported archive carries its store models, so they are resolved from it,
not from this machine's store.

Usage: python build_context.py '{"archive": ..., "output": ..., "buildkit": true}'
Prints one JSON line: the Dockerfile's path in the context and the build-stage environment
variables the image needs.
"""

import json
import os
import shutil
import sys
import tarfile
import tempfile


def main() -> None:
    request = json.loads(sys.argv[1])
    from bentoml._internal.bento.bento import Bento
    from bentoml._internal.configuration.containers import BentoMLContainer
    from bentoml._internal.container import construct_containerfile
    from bentoml._internal.models.model import ModelStore

    with tempfile.TemporaryDirectory(prefix="nx-bentoml-bento-") as extracted:
        with tarfile.open(request["archive"]) as archive:
            try:
                archive.extractall(extracted, filter="tar")
            except TypeError:  # Python before 3.11.4 / 3.10.12 has no extraction filters.
                archive.extractall(extracted)
        bento = Bento.from_path(extracted)
        packed_models = os.path.join(extracted, "models")
        if os.path.isdir(packed_models):
            BentoMLContainer.model_store.set(ModelStore(packed_models))
        envs = getattr(bento.info, "envs", None) or []
        build_envs = [env.name for env in envs if getattr(env, "stage", None) == "build"]
        with construct_containerfile(bento, enable_buildkit=request["buildkit"]) as (context, dockerfile):
            # Moved, not copied: the models are the bulk of the context.
            os.makedirs(request["output"], exist_ok=True)
            for entry in os.listdir(context):
                shutil.move(os.path.join(context, entry), os.path.join(request["output"], entry))
            print(json.dumps({"dockerfile": os.path.relpath(dockerfile, context), "buildStageEnvs": build_envs}))


if __name__ == "__main__":
    main()
