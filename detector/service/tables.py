"""The service's tables (SQLAlchemy 2 declarative): API keys with their tenant, jobs, job results, outcomes.

Ownership: every key belongs to a tenant (a name given at ``Store.create_key``, else a tenant of its own,
``key:<id>``; keys from the settings share ``key:settings``). Jobs and outcomes carry the tenant of the key
that created them. An admin key (``detector keys create --admin``) sees every tenant's; what it creates is its
own tenant's.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
SETTINGS_TENANT = "key:settings"  # the tenant of every key from DETECTOR_API_KEYS (and of their old jobs)


def own_tenant(key_id: int) -> str:
    """The tenant of a key created without a tenant name: its own ("key:7"); ':' is not allowed in names."""
    return f"key:{key_id}"


def check_tenant(name: str) -> str:
    """A tenant name as given to ``create_key``: 1-100 characters, no ':' (reserved) and no control characters."""
    name = name.strip()
    if not 1 <= len(name) <= 100 or ":" in name or any(ord(c) < 32 for c in name):
        raise ValueError(f"tenant must be 1-100 characters without ':' or control characters (got {name!r})")
    return name


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
    tenant: Mapped[str | None] = mapped_column(String(100), nullable=True)  # None only before the id is known
    admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # sees every tenant's data


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
    # Running: the lease, renewed while the job runs. Queued after a pause (disk full): not claimed before it.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    pauses: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # starts ended by a disk fault
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"), nullable=True)
    tenant: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)


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
    # None: seen by the CLI only (imported without a job or --tenant, or unmatched when the column was added)
    tenant: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)


class ReadyProbe(Base):
    """One row that ``/readyz`` rewrites: a database that answers reads may still take no write (full, read-only)."""

    __tablename__ = "ready_probe"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


@dataclass(frozen=True, slots=True)
class KeyInfo:
    id: int
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    tenant: str
    admin: bool = False

    @classmethod
    def of(cls, k: ApiKey) -> KeyInfo:
        return cls(k.id, k.name, k.prefix, k.created_at, k.revoked_at, k.tenant or own_tenant(k.id), bool(k.admin))


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_job_id() -> str:
    return uuid.uuid4().hex
