"""Storage: sessions and short transactions over the tables in ``tables.py`` (keys, jobs, results, outcomes).

SQLite under the data directory by default; any SQLAlchemy URL (e.g. PostgreSQL) works the same way.
Uploaded files live under ``<data_dir>/uploads``; the database holds their path. Requests find only their
tenant's rows (``job_of``, ``outcomes(tenant=...)``), an admin key's every tenant's (tenant None);
``create_all`` adds the tenant and admin columns to a database made before them (see
``database.add_tenants``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import func, or_, select, text, true, update
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import Update

from detector.service.database import connect, upgrade
from detector.service.tables import (
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    SETTINGS_TENANT,
    ApiKey,
    Base,
    Job,
    JobResult,
    KeyInfo,
    OutcomeRecord,
    ReadyProbe,
    check_tenant,
    hash_key,
    new_job_id,
    now,
    own_tenant,
)

__all__ = [  # the tables' names are handed on: routes, the worker and tests import them from here
    "DONE",
    "FAILED",
    "QUEUED",
    "RUNNING",
    "SETTINGS_TENANT",
    "Base",
    "Job",
    "KeyInfo",
    "OutcomeRecord",
    "Store",
    "check_tenant",
    "hash_key",
    "new_job_id",
    "now",
]


class Store:
    """Sessions over one engine; every method is a short transaction, safe to call from several threads."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = connect(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_all(self) -> None:
        """Create missing tables, and add the tenant columns to tables made before them."""
        Base.metadata.create_all(self.engine)
        upgrade(self.engine, self._sessions)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as s:
            yield s

    def ping(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1

    def write_probe(self) -> None:
        """Rewrite one row and commit it: raises whatever the database raises when it takes no write (a full disk,
        a read-only file or replica). Cheap: one row, one short transaction."""
        with self.session() as s:
            if _rows_updated(s, update(ReadyProbe).where(ReadyProbe.id == 1).values(checked_at=now())) == 1:
                return
        with suppress(IntegrityError), self.session() as s:  # the first probe; another process may write it too
            s.add(ReadyProbe(id=1))

    # --- API keys -------------------------------------------------------------------------------
    def create_key(self, name: str, tenant: str | None = None, admin: bool = False) -> str:
        """Make a key in ``tenant`` (None: a tenant of its own), store its hash, return the plaintext (shown once).

        ``admin``: the key sees every tenant's jobs, results and outcomes (what it creates is ``tenant``'s).
        """
        tenant = check_tenant(tenant) if tenant is not None else None
        key = "dk_" + secrets.token_urlsafe(32)
        with self.session() as s:
            row = ApiKey(name=name, prefix=key[:10], key_hash=hash_key(key), tenant=tenant, admin=admin)
            s.add(row)
            s.flush()  # assigns the id
            row.tenant = tenant or own_tenant(row.id)
        return key

    def list_keys(self) -> list[KeyInfo]:
        with self.session() as s:
            return [KeyInfo.of(k) for k in s.scalars(select(ApiKey).order_by(ApiKey.id)).all()]

    def revoke_key(self, key_id: int) -> bool:
        with self.session() as s:
            n = _rows_updated(
                s, update(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None)).values(revoked_at=now())
            )
        return n == 1

    def find_key(self, key: str) -> KeyInfo | None:
        with self.session() as s:
            k = s.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).first()
            return KeyInfo.of(k) if k else None

    def has_active_keys(self) -> bool:
        with self.session() as s:
            active = s.scalar(select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None)))
            return (active or 0) > 0  # COUNT(*) always gives a row; the stubs allow None

    # --- jobs -----------------------------------------------------------------------------------
    def add_job(
        self, job_id: str, filename: str, path: str, options: dict[str, Any], key_id: int | None, tenant: str
    ) -> Job:
        """Queue a job; returns it as stored (queued). Not read back later: a worker may have claimed it already,
        and the 202 answer describes the job as it was accepted."""
        job = Job(
            id=job_id,
            filename=filename,
            upload_path=path,
            options=json.dumps(options),
            api_key_id=key_id,
            tenant=tenant,
        )
        with self.session() as s:
            s.add(job)
            s.flush()
            s.refresh(job)  # defaults (state, created_at) as the database wrote them
        return job

    def get_job(self, job_id: str) -> Job | None:
        """Any tenant's job (the worker, the CLI); requests use ``job_of``."""
        with self.session() as s:
            return s.get(Job, job_id)

    def job_of(self, job_id: str, tenant: str | None) -> Job | None:
        """The job if ``tenant`` owns it; None for another tenant's job exactly as for no job (ids do not leak).

        ``tenant`` None (an admin key): any tenant's job.
        """
        job = self.get_job(job_id)
        return job if job is not None and (tenant is None or job.tenant == tenant) else None

    def jobs_of(
        self, tenant: str | None, limit: int, after: tuple[datetime, str] | None = None
    ) -> tuple[int, list[Job]]:
        """``tenant``'s jobs (None: every tenant's), newest first (ties by id), up to ``limit`` of them; (how many
        it has, the page).

        ``after``: the (created_at, id) of the last job of the previous page; the page starts just past it, so a
        job created meanwhile neither repeats nor skips one (keyset pagination, not an offset).
        """
        where = [] if tenant is None else [Job.tenant == tenant]
        query = select(Job).where(*where).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
        if after is not None:
            created, job_id = after
            query = query.where(or_(Job.created_at < created, (Job.created_at == created) & (Job.id < job_id)))
        with self.session() as s:
            total = s.scalar(select(func.count()).select_from(Job).where(*where)) or 0
            return int(total), list(s.scalars(query).all())

    def claim_job(self, lease: timedelta) -> Job | None:
        """Take the oldest queued job (a paused one once its pause is over), or a running one whose worker went
        silent (crash); None if none.

        The conditional UPDATE makes the claim atomic across threads, processes and hosts.
        """
        cutoff = now() - lease
        queued = (Job.state == QUEUED) & or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < now())  # not paused
        claimable = or_(queued, (Job.state == RUNNING) & (Job.heartbeat_at < cutoff))
        with self.session() as s:
            candidates = s.scalars(select(Job.id).where(claimable).order_by(Job.created_at).limit(5)).all()
        for job_id in candidates:
            with self.session() as s:
                claimed = _rows_updated(
                    s,
                    update(Job)
                    .where(Job.id == job_id, claimable)
                    .values(
                        state=RUNNING,
                        heartbeat_at=now(),
                        attempts=Job.attempts + 1,
                        started_at=func.coalesce(Job.started_at, now()),
                    ),
                )
            if claimed == 1:
                return self.get_job(job_id)
        return None

    def set_total(self, job_id: str, total: int, model_version: str) -> None:
        with self.session() as s:
            s.execute(update(Job).where(Job.id == job_id).values(total=total, model_version=model_version))

    def requeue(self, job_id: str) -> None:
        """Hand a running job back (clean shutdown); the attempt does not count against it."""
        with self.session() as s:
            s.execute(
                update(Job).where(Job.id == job_id).values(state=QUEUED, attempts=Job.attempts - 1, heartbeat_at=None)
            )

    def pause(self, job_id: str, delay: timedelta, attempt: int | None = None) -> None:
        """Hand a running job back after a disk fault, to be claimed again after ``delay``; the start counts in
        ``attempts`` and in ``pauses``, which ``job_max_attempts`` does not hold against it.

        ``attempt``: only if the job is still on that start (no other worker has claimed it meanwhile).
        """
        same_start = Job.attempts == attempt if attempt is not None else true()
        with self.session() as s:
            s.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == RUNNING, same_start)
                .values(state=QUEUED, pauses=Job.pauses + 1, heartbeat_at=now() + delay)
            )

    def heartbeat(self, job_id: str) -> None:
        """Renew a running job's lease (the worker does, every third of the lease, while it runs the job)."""
        with self.session() as s:
            s.execute(update(Job).where(Job.id == job_id, Job.state == RUNNING).values(heartbeat_at=now()))

    def finish_job(self, job_id: str, state: str, error: str | None = None) -> None:
        with self.session() as s:
            s.execute(update(Job).where(Job.id == job_id).values(state=state, error=error, finished_at=now()))

    def done_series(self, job_id: str) -> set[str]:
        with self.session() as s:
            return set(s.scalars(select(JobResult.series_id).where(JobResult.job_id == job_id)).all())

    def add_result(self, job_id: str, series_id: str, row: dict[str, Any], error: str | None) -> bool:
        """Write one series' result and bump the job's counters and lease in the same transaction.

        False (and nothing changed) if the series is already written: a second worker that took over a job
        whose lease ran out while the first was still busy cannot double-count it.
        """
        score = None if error else float(row["score"])
        flagged = bool(row.get("flagged")) and not error
        try:
            self._add_result(job_id, series_id, row, error, score, flagged)
        except IntegrityError:
            return False
        return True

    def _add_result(
        self, job_id: str, series_id: str, row: dict[str, Any], error: str | None, score: float | None, flagged: bool
    ) -> None:
        with self.session() as s:
            s.add(
                JobResult(
                    job_id=job_id,
                    series_id=series_id,
                    score=score,
                    flagged=flagged,
                    row=json.dumps(row, default=str),
                    error=error,
                )
            )
            s.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(
                    done=Job.done + 1,
                    failed=Job.failed + (1 if error else 0),
                    flagged=Job.flagged + (1 if flagged else 0),
                    heartbeat_at=now(),
                )
            )

    def results(self, job_id: str, limit: int | None, offset: int) -> list[dict[str, Any]]:
        """Rows ranked by score, highest first; series that failed come last."""
        query = (
            select(JobResult.row)
            .where(JobResult.job_id == job_id)
            .order_by(JobResult.score.desc().nulls_last(), JobResult.series_id)
            .offset(offset)
        )
        if limit is not None:
            query = query.limit(limit)
        with self.session() as s:
            return [json.loads(r) for r in s.scalars(query).all()]

    def result_of(self, job_id: str, series_id: str) -> dict[str, Any] | None:
        with self.session() as s:
            row = s.scalar(select(JobResult.row).where(JobResult.job_id == job_id, JobResult.series_id == series_id))
        return json.loads(row) if row is not None else None

    # --- inspection outcomes --------------------------------------------------------------------
    def add_outcomes(self, records: Sequence[dict[str, Any]]) -> list[OutcomeRecord]:
        """Store outcomes in one transaction: all of them, or none if any fails."""
        rows = [OutcomeRecord(**r) for r in records]
        with self.session() as s:
            s.add_all(rows)
            s.flush()  # assigns ids before the commit
        return rows

    def outcomes(
        self,
        *,
        series_id: str | None = None,
        job_id: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        tenant: str | None = None,
    ) -> tuple[int, list[OutcomeRecord]]:
        """Outcomes in the order they were recorded, optionally for one series and/or job; (total, page).

        ``tenant``: only that tenant's (requests); None: every outcome (the CLI).
        """
        where = [] if tenant is None else [OutcomeRecord.tenant == tenant]
        if series_id is not None:
            where.append(OutcomeRecord.series_id == series_id)
        if job_id is not None:
            where.append(OutcomeRecord.job_id == job_id)
        query = select(OutcomeRecord).where(*where).order_by(OutcomeRecord.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        with self.session() as s:
            total = s.scalar(select(func.count()).select_from(OutcomeRecord).where(*where)) or 0
            return int(total), list(s.scalars(query).all())

    def key_name(self, key_id: int) -> str | None:
        with self.session() as s:
            return s.scalar(select(ApiKey.name).where(ApiKey.id == key_id))


def _rows_updated(session: Session, statement: Update) -> int:
    """Run an UPDATE and return how many rows it changed."""
    # Session.execute is typed as returning Result; for DML it is a CursorResult, which has rowcount.
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount
