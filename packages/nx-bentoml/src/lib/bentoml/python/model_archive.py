"""Prints the model.yaml of exported BentoML models (.bentomodel files), as one JSON object.

A .bentomodel is a tar archive of the model's store directory (bentoml.models.export_model),
xz-compressed by default; gzip, bzip2 and plain tar are read too. An archive that cannot be read,
or holds no model.yaml, is left out.

Usage: python model_archive.py <file>...    Prints {"<file>": "<model.yaml text>", ...}.
"""

import json
import sys
import tarfile

try:
    from lzma import LZMAError
except ImportError:  # A Python built without lzma reads no xz archive at all.
    LZMAError = OSError


def model_yaml(path):
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                if member.isfile() and member.name.lstrip("./") == "model.yaml":
                    return archive.extractfile(member).read().decode("utf-8")
    except (OSError, tarfile.TarError, EOFError, UnicodeDecodeError, LZMAError):
        return None
    return None


found = {path: model_yaml(path) for path in sys.argv[1:]}
print(json.dumps({path: text for path, text in found.items() if text is not None}))
