"""The command line (typer): one module per command group; each parses arguments, calls the public API and
renders the result. ``detector.cli:app`` is the ``detector`` console script (built in ``main``).
"""

from __future__ import annotations

from detector.cli.main import app, main

__all__ = ["app", "main"]
