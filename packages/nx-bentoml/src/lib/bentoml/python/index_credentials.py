"""Package index credentials: kept out of the Bento, given to the image build as BuildKit secrets.

BentoML locks with `uv pip compile --emit-index-url --emit-find-links`, and uv writes each index
and find-links URL into the lock as it was given, credentials included, as it does a package's own
URL: `UV_EXTRA_INDEX_URL=https://ci:token@pypi.internal/simple` in CI would reach bento.tar, the Nx
cache and the image. strip_lock_credentials wraps BentoML's own last pass over each requirements
file it packs (PythonOptions.fix_dep_urls, which runs after the lock is written and after git
dependencies are built into wheels, which may need the credentials), so that the files it leaves
hold none, and a comment names each index they were removed for (as scheme://host[:port]).

At containerize, those comments say which indexes the build needs credentials for: the uv
settings of containerize's environment that hold them become build-stage environment variables
of BentoML's own Dockerfile (add_build_secrets): each RUN mounts them as BuildKit secrets and
exports them to its command, so `uv pip install` reads them beside the lock's index lines, and no
layer, history entry or label keeps them.
"""

import os
import re
from urllib.parse import urlsplit

URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
MARKER = "# nx-bentoml: index credentials removed for "
# The settings by which CI hands uv an index with its credentials. uv reads no PIP_* variable
# (a PIP_INDEX_URL never reaches the lock, nor would it reach uv in the build).
UV_INDEX_SETTINGS = ("UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_EXTRA_INDEX_URL", "UV_INDEX", "UV_FIND_LINKS")
REQUIREMENTS_FILES = ("requirements.txt", "requirements.in", "requirements.lock.txt")
DEFAULT_PORTS = {"http": 80, "https": 443}


def realm(url):
    """scheme://host[:port] of a URL, as uv keys credentials: "git+https://x@h:443/r" is "https://h"."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower().split("+")[-1]
    port = parts.port if parts.port not in (None, DEFAULT_PORTS.get(scheme)) else None
    return f"{scheme}://{parts.hostname or ''}{f':{port}' if port else ''}"


def without_credentials(url):
    """(the URL without its credentials, its realm), or (url, None) when it has none.

    Over http(s) any user part is a credential (a token alone is common); elsewhere only a
    password is (git+ssh://git@host keeps its user, whom ssh needs).
    """
    try:
        parts = urlsplit(url)
        index = realm(url)
    except ValueError:  # not a URL after all ("http://[" in a comment)
        return url, None
    web = parts.scheme.lower().split("+")[-1] in DEFAULT_PORTS
    if parts.username is None or (parts.password is None and not web):
        return url, None
    host = parts.netloc.rsplit("@", 1)[1]
    netloc = host if web else f"{parts.username}@{host}"
    return url.replace(parts.netloc, netloc, 1), index


def has_credentials(text):
    return any(without_credentials(url)[1] for url in URL.findall(text))


def strip_text(text):
    """The requirements text without credentials, a comment line for each index they were removed for."""
    realms = []

    def strip(match):
        url, removed_for = without_credentials(match.group(0))
        if removed_for and removed_for not in realms:
            realms.append(removed_for)
        return url

    stripped = URL.sub(strip, text)
    known = set(marked_realms(stripped))
    markers = "".join(f"{MARKER}{index}\n" for index in realms if index not in known)
    if markers and stripped and not stripped.endswith("\n"):
        stripped += "\n"
    return stripped + markers


def marked_realms(text):
    return [line[len(MARKER) :].strip() for line in text.splitlines() if line.startswith(MARKER)]


def strip_file(path):
    with open(path, encoding="utf-8") as file:
        text = file.read()
    stripped = strip_text(text)
    if stripped != text:
        with open(path, "w", encoding="utf-8") as file:
            file.write(stripped)


def strip_lock_credentials():
    """Wraps PythonOptions.fix_dep_urls: the requirements files beside the one it fixes keep no credentials."""
    from bentoml._internal.bento.build_config import PythonOptions

    fix = PythonOptions.fix_dep_urls

    def fix_dep_urls(requirements_txt, *args, **kwargs):
        result = fix(requirements_txt, *args, **kwargs)
        folder = os.path.dirname(os.path.abspath(requirements_txt))
        for name in REQUIREMENTS_FILES:
            if os.path.isfile(os.path.join(folder, name)):
                strip_file(os.path.join(folder, name))
        return result

    PythonOptions.fix_dep_urls = staticmethod(fix_dep_urls)


def removed_credentials(bento_dir):
    """The indexes whose credentials bento-build removed from the Bento's requirements files."""
    realms = []
    for name in REQUIREMENTS_FILES:
        path = os.path.join(bento_dir, "env", "python", name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as file:
                realms += [index for index in marked_realms(file.read()) if index not in realms]
    return realms


def index_settings(realms, environ):
    """(the uv settings of `environ` holding credentials for one of `realms`, the realms none holds)."""
    names, covered = [], set()
    for name in UV_INDEX_SETTINGS:
        for url in URL.findall(environ.get(name) or ""):
            _, index = without_credentials(url)
            if index in realms:
                covered.add(index)
                if name not in names:
                    names.append(name)
    return names, [index for index in realms if index not in covered]


def supports_build_secrets():
    """The BentoML here mounts build-stage variables (envs with stage: build) as BuildKit secrets; older versions have no such variables."""
    import bentoml._internal.container as container

    return hasattr(container, "split_envs_by_stage")


def add_build_secrets(names):
    """The variables `names` become build-stage environment variables of the Dockerfile BentoML generates."""
    import bentoml._internal.container as container
    from bentoml._internal.bento.build_config import BentoEnvSchema

    split = container.split_envs_by_stage

    def split_envs_by_stage(envs):
        runtime, build = split(envs)
        declared = {env.name for env in build}
        return runtime, build + [BentoEnvSchema(name=name, stage="build") for name in names if name not in declared]

    container.split_envs_by_stage = split_envs_by_stage
