"""Prints the version of the BentoML installed for this interpreter, as "bentoml 1.4.39".

The line is part of every Bento key (the runtime input's output is hashed): it keeps the words
the key was made with before this program was a file, so Bento versions stay as they were.

Read from the distribution's metadata: importing bentoml would take a second or two, and this
runs for every project as an Nx runtime input (a BentoML upgrade rebuilds the Bentos) and once
per bento-build. Exits with 1 when BentoML is not installed.
"""

import sys
from importlib.metadata import PackageNotFoundError, version

try:
    print("bentoml", version("bentoml"))
except PackageNotFoundError:
    sys.exit("BentoML is not installed for this interpreter.")
