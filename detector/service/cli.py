"""`detector serve` and `detector keys create|list|revoke` (registered on the main CLI app).

Imports of the web stack happen inside the commands, so the rest of the CLI stays quick to start.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from detector.service.settings import Settings

if TYPE_CHECKING:
    from detector.service.store import Store

keys_app = typer.Typer(no_args_is_help=True, help="Manage API keys (stored hashed; a key is shown once).")
out = Console()
err = Console(stderr=True)


def _store(settings: Settings) -> Store:
    """The database, tables made; a data folder or database it cannot use is one stderr line and exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from detector.service.store import Store  # SQLAlchemy only when a service command runs

    try:
        settings.make_dirs()
        store = Store(settings.db_url())
        store.create_all()
    except OSError as exc:
        _refuse(f"cannot use the data folder {settings.data_dir.resolve()}: {(exc.strerror or str(exc)).lower()}")
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or type(exc).__name__
        _refuse(f"cannot open the database (data folder {settings.data_dir.resolve()}): {reason}")
    return store


def _refuse(message: str) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


@keys_app.command("create")
def create_key(
    name: Annotated[str, typer.Argument(help="who or what the key is for")],
    tenant: Annotated[
        str | None,
        typer.Option(help="share jobs and outcomes with the other keys of this tenant (default: a tenant of its own)"),
    ] = None,
    admin: Annotated[
        bool, typer.Option("--admin", help="the key sees every tenant's jobs, uploads and outcomes")
    ] = False,
) -> None:
    """Create a key and print it once; only its hash is stored. A key sees only its tenant's data, an admin key
    every tenant's (what it creates belongs to its own tenant)."""
    from detector.service.store import check_tenant

    try:
        tenant = check_tenant(tenant) if tenant is not None else None
    except ValueError as exc:
        err.print(f"[red]error:[/red] --tenant: {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    key = _store(Settings()).create_key(name, tenant, admin=admin)
    role = "admin key (sees every tenant's data)" if admin else "API key"
    out.print(f"{role} for {name!r} (shown once; send it as the X-API-Key header):")
    out.print(key, highlight=False, soft_wrap=True)


@keys_app.command("list")
def list_keys() -> None:
    """List keys: id, name, tenant, admin, prefix, created, revoked."""
    table = Table("id", "name", "tenant", "admin", "prefix", "created", "revoked")
    for k in _store(Settings()).list_keys():
        revoked = f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else ""
        created = f"{k.created_at:%Y-%m-%d %H:%M}"
        table.add_row(str(k.id), k.name, k.tenant, "admin" if k.admin else "", k.prefix + "…", created, revoked)
    out.print(table)


@keys_app.command("revoke")
def revoke_key(key_id: Annotated[int, typer.Argument(help="id from `detector keys list`")]) -> None:
    """Revoke a key: requests with it get 403 from then on."""
    if not _store(Settings()).revoke_key(key_id):
        err.print(f"[red]error:[/red] no active key with id {key_id}")
        raise typer.Exit(2)
    out.print(f"key {key_id} revoked")


FIRST_KEY_FILE = "first-api-key.txt"


def _interactive() -> bool:
    """Whether standard output is a terminal a person reads (not a log file or a pipe)."""
    return sys.stdout.isatty()


def _hand_over_first_key(key: str, settings: Settings) -> None:
    """Show the first key on an interactive terminal, else write it to a 0600 file and print only its path.

    Never on stderr: that is where the server's log goes, and a log is kept and shipped where a key must not be.
    """
    more = "More keys: `detector keys create NAME`; list or revoke them with `detector keys list|revoke`."
    if _interactive():
        out.print(
            f"No API keys yet, so one was created. It is shown only now; send it as the X-API-Key header:\n  {key}\n"
            + more,
            highlight=False,
            soft_wrap=True,
        )
        return
    path = (settings.data_dir / FIRST_KEY_FILE).resolve()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file left from before keeps its mode otherwise
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    err.print(
        f"No API keys yet, so one was created and written to {path} (readable by this user only): "
        f"read it, then delete the file. {more}",
        highlight=False,
        soft_wrap=True,
    )


def _shared_metrics(settings: Settings) -> None:
    """Several workers: prometheus_client's multiprocess mode, so /metrics sums every worker's counters.

    Each worker writes its values to files in ``<data_dir>/metrics`` (the variable must be set before the workers
    import prometheus_client); files of an earlier run are removed first, or their counts would be added in.
    """
    folder = (settings.data_dir / "metrics").resolve()
    folder.mkdir(mode=0o700, exist_ok=True)
    for old in folder.glob("*.db"):
        old.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default 127.0.0.1; DETECTOR_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default 8000; DETECTOR_PORT)")] = None,
    workers: Annotated[
        int | None, typer.Option(min=0, help="worker processes; 0: one per available core (DETECTOR_WORKERS)")
    ] = None,
) -> None:
    """Run the HTTP scoring service (OpenAPI docs at /docs). Settings: DETECTOR_* environment variables."""
    import uvicorn

    from detector.service.logs import log_config

    settings = Settings()
    host, port = host or settings.host, port or settings.port
    workers = settings.workers if workers is None else workers
    if workers == 0:
        from detector.score_cli import available_cores

        workers = available_cores()
    store = _store(settings)
    from detector.service.storage import unwritable

    problem = unwritable(settings)  # e.g. a read-only folder whose database opens but takes no upload
    if problem is not None:
        _refuse(f"cannot use the data folder {settings.data_dir.resolve()}: {problem}")
    if not settings.api_keys and not store.has_active_keys():
        _hand_over_first_key(store.create_key("first key (created by detector serve)"), settings)
    store.engine.dispose()
    err.print(f"detector service on http://{host}:{port} (docs at /docs); data in {settings.data_dir.resolve()}")
    os.environ.setdefault("DETECTOR_DATA_DIR", str(settings.data_dir.resolve()))  # workers see the same data
    if workers > 1:
        _shared_metrics(settings)
    uvicorn.run(
        "detector.service.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(),
    )
