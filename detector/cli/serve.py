"""``detector serve``: the HTTP scoring service under uvicorn; the first API key handed over once.

Imports of the web stack happen inside the command, so the rest of the CLI stays quick to start.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from detector.cli.common import available_cores, err, out
from detector.cli.database import open_store, refuse
from detector.service.settings import Settings

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
        workers = available_cores()
    store = open_store(settings)
    from detector.service.storage import unwritable

    problem = unwritable(settings)  # e.g. a read-only folder whose database opens but takes no upload
    if problem is not None:
        refuse(f"cannot use the data folder {settings.data_dir.resolve()}: {problem}")
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
