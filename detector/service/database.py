"""The database under the store: its engine (a private SQLite file, WAL) and the columns added since tables were made.

``Store`` (``store.py``) runs its transactions over the engine ``connect`` makes; ``Store.create_all`` makes the
tables and calls ``upgrade``, so a database made by an older version gets the columns added since.
"""

from __future__ import annotations

import os
from contextlib import suppress
from typing import Any

from sqlalchemy import create_engine, event, inspect, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from detector.service.tables import SETTINGS_TENANT, ApiKey, Job, OutcomeRecord, own_tenant

_TENANT_TABLES = ("api_keys", "jobs", "outcomes")


def connect(url: str) -> Engine:
    """An engine for ``url``; for SQLite, a missing file is made private (0600) and each connection set to WAL."""
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
    args = {"check_same_thread": False, "timeout": 30} if url.startswith("sqlite") else {}
    engine = create_engine(url, connect_args=args, pool_pre_ping=True)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def upgrade(engine: Engine, sessions: sessionmaker[Session]) -> None:
    """Add the columns made after a table was: the tenants, job pauses, admin keys (old rows get their defaults)."""
    add_tenants(engine, sessions)
    add_column(engine, "jobs", "pauses", "INTEGER NOT NULL DEFAULT 0")  # disk-fault pauses: 0 for every old job
    add_column(engine, "api_keys", "admin", "BOOLEAN NOT NULL DEFAULT FALSE")  # every old key: not an admin


def add_column(engine: Engine, table: str, column: str, definition: str) -> None:
    """Give a table made before ``column`` that column; its ``definition``'s default fills the old rows."""
    if column in {c["name"] for c in inspect(engine).get_columns(table)}:
        return
    with suppress(DBAPIError), engine.begin() as conn:  # another process may add it meanwhile
        conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {definition}"))


def add_tenants(engine: Engine, sessions: sessionmaker[Session]) -> None:
    """Give a database from before tenants its ``tenant`` columns and each old row its owner, once.

    Keys get a tenant of their own; a job goes to the tenant of the key that created it (no key: the settings
    keys, the only ones that leave none); an outcome to its job's tenant, else to the one key whose name it
    was recorded under ("settings key": the settings keys). Outcomes matching no key stay ownerless: the
    CLI (``detector outcomes list``, ``recalibrate``) sees them, no API key does. The filling runs only in
    the process that added the column, so a key created later never inherits old rows by its name.
    """
    added = set()
    for table in _TENANT_TABLES:
        if "tenant" in {c["name"] for c in inspect(engine).get_columns(table)}:
            continue
        try:
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN tenant VARCHAR(100)"))
        except DBAPIError:  # another process added it meanwhile, and fills it
            continue
        added.add(table)
    if not added:
        return
    with sessions.begin() as s:
        keys = s.scalars(select(ApiKey)).all()
        for k in keys:
            k.tenant = k.tenant or own_tenant(k.id)
        tenant_of_key = {k.id: k.tenant for k in keys}
        if "jobs" in added:
            for job in s.scalars(select(Job)).all():
                job.tenant = tenant_of_key.get(job.api_key_id or 0, SETTINGS_TENANT)
        if "outcomes" in added:
            s.flush()
            by_name: dict[str, list[str | None]] = {"settings key": [SETTINGS_TENANT]}
            for k in keys:
                by_name.setdefault(k.name, []).append(k.tenant)
            job_tenant: dict[str, str | None] = dict(s.execute(select(Job.id, Job.tenant)).all())
            for o in s.scalars(select(OutcomeRecord)).all():
                named = by_name.get(o.recorded_by, [])
                o.tenant = job_tenant.get(o.job_id) if o.job_id else (named[0] if len(named) == 1 else None)


def _private_sqlite_file(url: str) -> None:
    """Create a missing SQLite file as 0600 before SQLite does (it would follow the umask: 0644, world-readable).

    SQLite gives its -wal and -shm files the database file's permissions.
    """
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    with suppress(OSError):  # it exists already; or SQLite reports why it cannot be made, as before
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL lets readers (status, results) run while the worker writes; NORMAL sync is durable in WAL."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
