"""The service's database for the commands that use it (serve, keys, outcomes, recalibrate).

SQLAlchemy is imported only when one of them runs, so the rest of the CLI stays quick to start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import typer

from detector.cli.common import err
from detector.service.settings import Settings

if TYPE_CHECKING:
    from detector.service.store import Store


def open_store(settings: Settings) -> Store:
    """The database, tables made; a data folder or database it cannot use is one stderr line and exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from detector.service.store import Store  # SQLAlchemy only when a service command runs

    try:
        settings.make_dirs()
        store = Store(settings.db_url())
        store.create_all()
    except OSError as exc:
        refuse(f"cannot use the data folder {settings.data_dir.resolve()}: {(exc.strerror or str(exc)).lower()}")
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or type(exc).__name__
        refuse(f"cannot open the database (data folder {settings.data_dir.resolve()}): {reason}")
    return store


def refuse(message: str) -> NoReturn:
    """One red line on stderr, exit 2 (the message is ours: it may hold markup)."""
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)
