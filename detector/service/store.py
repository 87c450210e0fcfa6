"""Storage: SQLAlchemy 2 tables for API keys, jobs and per-series job results.

SQLite under the data directory by default; any SQLAlchemy URL (e.g. PostgreSQL) works the same way.
Uploaded files live under ``<data_dir>/uploads``; the database holds their path.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class ApiKey(Base):
    """An API key, stored as the sha256 of a 256-bit random token (a slow hash adds nothing at that entropy)."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # first characters, to tell keys apart in listings
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Job(Base):
    """One uploaded file to score; ``heartbeat_at`` is the worker's lease (see ``claim_job``)."""

    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True, default=QUEUED)
    filename: Mapped[str] = mapped_column(String(255))
    upload_path: Mapped[str] = mapped_column(Text)
    options: Mapped[str] = mapped_column(Text)  # JSON: unit, timezone, country, threshold, model, peers
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    model_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"), nullable=True)


class JobResult(Base):
    """One series of a job: its score-file row (JSON) or its error; unique per (job, series)."""

    __tablename__ = "job_results"
    __table_args__ = (UniqueConstraint("job_id", "series_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), index=True)
    series_id: Mapped[str] = mapped_column(String(255))
    score: Mapped[float | None] = mapped_column(Float, nullable=True, index=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    row: Mapped[str] = mapped_column(Text)  # JSON of ScoreReport.to_row() or {series_id, error}
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class OutcomeRecord(Base):
    """An inspection outcome for a series (optionally one segment), as an analyst recorded it; never updated."""

    __tablename__ = "outcomes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[str] = mapped_column(String(255), index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # mining, not_mining, not_inspected
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id"), nullable=True, index=True)
    segment_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    model_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    inspected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True, slots=True)
class KeyInfo:
    id: int
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Store:
    """Sessions over one engine; every method is a short transaction, safe to call from several threads."""

    def __init__(self, url: str) -> None:
        args = {"check_same_thread": False, "timeout": 30} if url.startswith("sqlite") else {}
        self.engine: Engine = create_engine(url, connect_args=args, pool_pre_ping=True)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_all(self) -> None:
        Base.metadata.create_all(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as s:
            yield s

    def ping(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1

    # --- API keys -------------------------------------------------------------------------------
    def create_key(self, name: str) -> str:
        """Make a key, store its hash, return the plaintext (shown once, never stored)."""
        key = "dk_" + secrets.token_urlsafe(32)
        with self.session() as s:
            s.add(ApiKey(name=name, prefix=key[:10], key_hash=hash_key(key)))
        return key

    def list_keys(self) -> list[KeyInfo]:
        with self.session() as s:
            rows = s.scalars(select(ApiKey).order_by(ApiKey.id)).all()
            return [KeyInfo(k.id, k.name, k.prefix, k.created_at, k.revoked_at) for k in rows]

    def revoke_key(self, key_id: int) -> bool:
        with self.session() as s:
            n = s.execute(
                update(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None)).values(revoked_at=now())
            ).rowcount
        return n == 1

    def find_key(self, key: str) -> KeyInfo | None:
        with self.session() as s:
            k = s.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).first()
            return KeyInfo(k.id, k.name, k.prefix, k.created_at, k.revoked_at) if k else None

    def has_active_keys(self) -> bool:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))) > 0

    # --- jobs -----------------------------------------------------------------------------------
    def add_job(self, job_id: str, filename: str, path: str, options: dict[str, Any], key_id: int | None) -> None:
        with self.session() as s:
            s.add(Job(id=job_id, filename=filename, upload_path=path, options=json.dumps(options), api_key_id=key_id))

    def get_job(self, job_id: str) -> Job | None:
        with self.session() as s:
            return s.get(Job, job_id)

    def claim_job(self, lease: timedelta) -> Job | None:
        """Take the oldest queued job, or a running one whose worker went silent (crash); None if none.

        The conditional UPDATE makes the claim atomic across threads, processes and hosts.
        """
        cutoff = now() - lease
        claimable = or_(Job.state == QUEUED, (Job.state == RUNNING) & (Job.heartbeat_at < cutoff))
        with self.session() as s:
            candidates = s.scalars(select(Job.id).where(claimable).order_by(Job.created_at).limit(5)).all()
        for job_id in candidates:
            with self.session() as s:
                claimed = s.execute(
                    update(Job)
                    .where(Job.id == job_id, claimable)
                    .values(
                        state=RUNNING,
                        heartbeat_at=now(),
                        attempts=Job.attempts + 1,
                        started_at=func.coalesce(Job.started_at, now()),
                    )
                ).rowcount
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

    def heartbeat(self, job_id: str) -> None:
        """Refresh a running job's lease while it is scored elsewhere (the Dask engine) and no row is written."""
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
        self, *, series_id: str | None = None, job_id: str | None = None, limit: int | None = None, offset: int = 0
    ) -> tuple[int, list[OutcomeRecord]]:
        """Outcomes in the order they were recorded, optionally for one series and/or job; (total, page)."""
        where = []
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


def new_job_id() -> str:
    return uuid.uuid4().hex


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL lets readers (status, results) run while the worker writes; NORMAL sync is durable in WAL."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
