"""The ``wsexplorer`` command line: argument parsing and terminal output over the other layers.

``wsexplorer accept KEY``, ``dump HEX|FILE|-``, ``explain FILE``, ``connect URL``, ``serve``,
``relay UPSTREAM``, ``import FILE -o SESSION``, ``export SESSION --pcapng|--har``,
``replay SESSION URL`` and ``lab``; ``wsexplorer --help`` lists them, with the exit statuses.
"""

from __future__ import annotations

from .app import main

__all__ = ["main"]
