"""Prints the version of the BentoML installed for this interpreter, e.g. "1.4.39".

Read from the distribution's metadata: importing bentoml would take a second or two, and this
runs for every project as an Nx runtime input (a BentoML upgrade rebuilds the Bentos) and once
per bento-build. Exits with 1 when BentoML is not installed.
"""

import sys
from importlib.metadata import PackageNotFoundError, version

try:
    print(version("bentoml"))
except PackageNotFoundError:
    sys.exit("BentoML is not installed for this interpreter.")
