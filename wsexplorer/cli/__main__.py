"""``python -m wsexplorer.cli``: the ``wsexplorer`` command without the console script installed."""

from __future__ import annotations

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
