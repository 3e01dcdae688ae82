"""bento-build's BentoML commands in one Python process instead of one process each.

Runs BentoML's own CLI commands in-process, each with its stdout and stderr captured at the
file-descriptor level (so that the output of the subprocesses BentoML starts, such as uv's, is
captured too) and its exit code, so the plugin reads each exactly as if it had run it alone:

  bentoml models import <file>      for each model file (a model already in the store is fine)
  bentoml build ...                 unless the store already has a Bento with this version
  bentoml get <tag> -o json
  bentoml export <tag> <file>

It stops at the first command that fails. Given "lockCache", the build reuses the Python package
lock of the same requirements (python_locks.py). Given "huggingFaceCommits", a Hugging Face model's
commit is the one the plugin resolved for the hash; with HF_HUB_OFFLINE set, any other comes from
the local cache (hugging_face_revisions.py). Given "baseImage", the build's base image is that one
whatever the service or its build config names (base_image.py). The requirements files the
Bento packs keep no package index credentials (index_credentials.py).

Usage: python build_session.py '{"modelFiles": [...], "version": ..., "build": [...], "exportTo": ...,
                                 "lockCache": ..., "baseImage": ..., "huggingFaceCommits": {...}}'
Prints, after a line "---nx-bentoml-session---", a JSON list of the commands' results (the
build's with "lockReused").
"""

import json
import os
import sys
import tempfile
import traceback

MARKER = "---nx-bentoml-session---"


def run_cli(args):
    """One BentoML CLI command, in this process, with its own output and exit code."""
    from bentoml_cli.cli import cli

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = (os.dup(1), os.dup(2))
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        code = 0
        try:
            cli.main(args=args, prog_name="bentoml", standalone_mode=True)
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
        except BaseException:  # noqa: BLE001 - reported as the command's own failure
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
        out.seek(0)
        err.seek(0)
        return {
            "args": args,
            "exitCode": code,
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
        }


def bento_with_version(version):
    import bentoml

    return next((str(bento.tag) for bento in bentoml.bentos.list() if bento.tag.version == version), None)


def main() -> None:
    request = json.loads(sys.argv[1])
    from hugging_face_revisions import answer_from_cache, pin_commits

    answer_from_cache()
    pin_commits(request.get("huggingFaceCommits"))
    results = []
    try:
        for model_file in request["modelFiles"]:
            result = run_cli(["models", "import", model_file])
            results.append(result)
            if result["exitCode"] != 0 and "already exists" not in result["stderr"]:
                return
        existing = bento_with_version(request["version"])
        if existing is None:
            from index_credentials import strip_lock_credentials

            strip_lock_credentials()
            reused_locks = []
            if request.get("lockCache"):
                from python_locks import reuse_python_locks

                reuse_python_locks(request["lockCache"], reused_locks)
            if request.get("baseImage"):
                from base_image import override_base_image

                override_base_image(request["baseImage"])
            result = run_cli(request["build"])
            result["lockReused"] = bool(reused_locks)
            results.append(result)
            existing = bento_with_version(request["version"])
            if existing is None:
                return
        else:
            results.append({"existing": existing})
        for args in (["get", existing, "-o", "json"], ["export", existing, request["exportTo"]]):
            result = run_cli(args)
            results.append(result)
            if result["exitCode"] != 0:
                return
    finally:
        print(MARKER)
        print(json.dumps(results))


if __name__ == "__main__":
    main()
