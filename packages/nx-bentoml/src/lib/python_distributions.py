"""What an interpreter says about the modules a service imports (python-distributions.ts).

Reads {"modules": [...]} from stdin and prints one JSON line: the interpreter's major.minor, and
per module either {"stdlib": true} or the distributions providing it with their versions. The
standard library comes from sys.stdlib_module_names, the distributions from
importlib.metadata.packages_distributions() (import name -> distributions, e.g. PIL -> Pillow).
When several distributions share a top-level name (namespace packages such as google.*), the ones
whose RECORD holds the imported module's path win. Nothing is imported.
"""

import json
import os
import re
import sys
from importlib import metadata

# Only installed distributions count: not the working directory, nor this file's own.
sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd(), os.path.dirname(os.path.abspath(__file__)))]
modules = json.load(sys.stdin)["modules"]

stdlib = set(getattr(sys, "stdlib_module_names", ())) | set(sys.builtin_module_names)
if not getattr(sys, "stdlib_module_names", None):
    import pkgutil
    import sysconfig

    stdlib |= {m.name for m in pkgutil.iter_modules([sysconfig.get_paths()["stdlib"]])}


def packages_distributions():
    if hasattr(metadata, "packages_distributions"):
        return metadata.packages_distributions()
    found = {}
    for dist in metadata.distributions():
        tops = (dist.read_text("top_level.txt") or "").split()
        if not tops:
            tops = {str(f).split("/")[0].rsplit(".py", 1)[0] for f in (dist.files or []) if str(f).endswith(".py")}
        for top in tops:
            found.setdefault(top, []).append(dist.metadata["Name"])
    return found


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


providers = packages_distributions()
result = {}
for module in modules:
    top = module.split(".")[0]
    if top in stdlib:
        result[module] = {"stdlib": True}
        continue
    names = sorted(set(providers.get(top, [])), key=str.lower)
    if len(names) > 1:
        path = module.replace(".", "/")
        files = {n: [str(f) for f in metadata.distribution(n).files or []] for n in names}
        owners = [n for n in names if any(f == path + ".py" or f.startswith(path + "/") for f in files[n])]
        names = owners or names
    dists = {}
    for name in names:
        dists.setdefault(normalise(name), metadata.version(name))
    result[module] = {"distributions": [{"name": n, "version": v} for n, v in sorted(dists.items())]}

print(json.dumps({"pythonVersion": ".".join(str(part) for part in sys.version_info[:2]), "modules": result}))
