"""What Python an image has, run there as `python3 -c <this file's text>` (python-probe.ts).

Prints python3's version, then the version of every `python3.X` executable on the image's PATH,
one a line: uv (which BentoML's Dockerfile runs as `uv venv --python <docker.python_version>`)
finds those too, so an image may offer more than one.
"""

import os
import re
import sys

print(".".join(str(part) for part in sys.version_info[:3]))
for directory in os.environ.get("PATH", "").split(os.pathsep):
    for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
        if re.fullmatch(r"python3\.\d+", name) and os.access(os.path.join(directory, name), os.X_OK):
            print(name[len("python") :])
