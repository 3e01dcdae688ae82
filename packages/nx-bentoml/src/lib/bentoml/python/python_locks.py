"""BentoML's Python package lock, resolved once per set of requirements.

`bentoml build` locks the Bento's Python packages (`lock_packages`, on by default) with
`uv pip compile` on every build: it asks the package index again, about a second and a half,
and a code-only change can come out with other dependency versions, so a new dependency layer.
Wrapped here, the same request (requirement lines, uv's options, the UV_*/PIP_* settings) reuses
the lock it got before, kept in `cache_dir`; requirements that name local files or version
control (a wheel, `-e .`, `git+...`) are resolved every time, as their contents are not in the key,
and a lock that holds an index URL with credentials is not kept.
BentoML's own code still writes, reads and post-processes the lock.
"""

import hashlib
import json
import os
import shutil
import subprocess

from index_credentials import has_credentials

LOCAL_OR_VCS = ("-e", "--editable", "-r", "-c", "--requirement", "--constraint", ".", "/", "~", "file:")
VCS_SCHEMES = ("git+", "hg+", "svn+", "bzr+")


def compile_request(cmd, cwd):
    """(requirements file, output file, the other arguments) of a `uv pip compile` command, else None."""
    args = [str(arg) for arg in cmd]
    try:
        start = next(i for i in range(len(args) - 1) if args[i] == "pip" and args[i + 1] == "compile") + 2
    except StopIteration:
        return None
    # BentoML names the requirements file first, then options (--output-file=... among them).
    rest = args[start:]
    outputs = [arg for arg in rest if arg.startswith("--output-file=")]
    if len(outputs) != 1 or not rest or rest[0].startswith("-"):
        return None
    base = cwd or os.getcwd()
    output = os.path.join(base, outputs[0].split("=", 1)[1])
    requirements = os.path.join(base, rest[0])
    return requirements, output, [arg for arg in rest[1:] if arg != outputs[0]]


def is_self_contained(requirements_text):
    """True when the requirement lines name only index packages (no local path, no version control)."""
    for line in requirements_text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(LOCAL_OR_VCS) or any(scheme in line for scheme in VCS_SCHEMES):
            return False
        # A direct URL ("name @ https://...") or a local path in an option can change without the line changing.
        if " @ " in line or "./" in line or " /" in line:
            return False
    return True


def lock_key(requirements_text, other_args, environ):
    settings = {name: value for name, value in environ.items() if name.startswith(("UV_", "PIP_"))}
    payload = json.dumps({"requirements": requirements_text, "args": other_args, "settings": settings}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def reuse_python_locks(cache_dir, reused):
    """Wraps subprocess.check_call so that BentoML's `uv pip compile` reuses a lock from cache_dir; appends each reuse's key to `reused`."""
    run = subprocess.check_call

    def check_call(cmd, *args, **kwargs):
        request = compile_request(cmd, kwargs.get("cwd")) if isinstance(cmd, (list, tuple)) else None
        if request is None:
            return run(cmd, *args, **kwargs)
        requirements, output, other_args = request
        with open(requirements, encoding="utf-8") as file:
            text = file.read()
        if not is_self_contained(text):
            return run(cmd, *args, **kwargs)
        key = lock_key(text, other_args, os.environ)
        kept = os.path.join(cache_dir, f"{key}.txt")
        if os.path.isfile(kept):
            shutil.copyfile(kept, output)
            reused.append(key)
            return 0
        code = run(cmd, *args, **kwargs)
        with open(output, encoding="utf-8") as file:
            # uv writes an index URL into the lock as given (--emit-index-url), credentials included.
            if has_credentials(file.read()):
                return code
        # Written aside and renamed: a parallel build never reads half a lock.
        os.makedirs(cache_dir, exist_ok=True)
        partial = f"{kept}.{os.getpid()}.partial"
        shutil.copyfile(output, partial)
        os.replace(partial, kept)
        return code

    subprocess.check_call = check_call
