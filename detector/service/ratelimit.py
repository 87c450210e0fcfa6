"""Token buckets per key, shared by every worker process of one server through a small SQLite file.

``make serve`` runs one uvicorn worker per core. Buckets held in each process's memory let a key send
workers × the limit, and a keep-alive client that stays on one worker got the whole limit of that worker
only. The buckets live instead in ``<data_dir>/ratelimit.sqlite``: one row per key, read and written in one
``BEGIN IMMEDIATE`` transaction, so the workers draw on the same tokens. Written here rather than with a
rate-limit library because those keep state in memory or need Redis, which a utility's single box lacks.
The file holds only counters (no keys: the caller passes a digest or an address), is written without fsync
(losing it in a crash only refills the buckets) and rows of buckets that have refilled are pruned.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

_PRUNE_EVERY = 1000  # acquisitions between sweeps of refilled buckets


@dataclass(slots=True)
class RateLimiter:
    """Token bucket per key: ``rate`` requests per second sustained, ``burst`` at once (this process only)."""

    rate: float
    burst: int
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self, key: str, take: bool = True) -> float:
        """0 if the request may go ahead (a token is taken unless ``take`` is False), else the seconds until it may."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens, wait = _refill(tokens, last, now, self.rate, self.burst, take)
            self._buckets[key] = (tokens, now)
            return wait


def _refill(tokens: float, last: float, now: float, rate: float, burst: int, take: bool) -> tuple[float, float]:
    """The bucket's tokens after ``now - last`` seconds and this request, and the wait (0: it may go ahead)."""
    tokens = min(float(burst), tokens + max(now - last, 0.0) * rate)
    if tokens >= 1.0:
        return tokens - (1.0 if take else 0.0), 0.0
    return tokens, (1.0 - tokens) / rate


@dataclass(slots=True)
class SharedRateLimiter:
    """``RateLimiter`` whose buckets every process opening the same ``path`` shares (``name`` keeps limits apart).

    Opened on first use (the data folder exists once the server has started). While the file cannot be opened
    or written (a read-only or full disk, a lock held past 5 s), each request is limited by this process's own
    buckets instead, and the log says so once: a request is never refused because the counters cannot be
    stored, and the shared buckets are used again as soon as the file works.
    """

    path: Path
    name: str
    rate: float
    burst: int
    _local: threading.local = field(default_factory=threading.local)
    _fallback: RateLimiter | None = None
    _count: int = 0

    def acquire(self, key: str, take: bool = True) -> float:
        """0 if the request may go ahead (a token is taken unless ``take`` is False), else the seconds until it may."""
        try:
            return self._acquire(key, take)
        except (OSError, sqlite3.Error) as exc:
            if self._fallback is None:
                log.warning(
                    "rate limit %s: cannot use %s (%s); limiting per process meanwhile", self.name, self.path, exc
                )
                self._fallback = RateLimiter(self.rate, self.burst)
            self._local.conn = None  # reopen next time
            return self._fallback.acquire(key, take)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=5.0, isolation_level=None, check_same_thread=True)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS buckets "
                "(name TEXT, key TEXT, tokens REAL, last REAL, PRIMARY KEY (name, key))"
            )
            self._local.conn = conn
        return conn

    def _acquire(self, key: str, take: bool) -> float:
        conn = self._connection()
        now = time.time()  # wall clock: monotonic clocks are not comparable between processes
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(
                "SELECT tokens, last FROM buckets WHERE name = ? AND key = ?", (self.name, key)
            ).fetchone()
            tokens, last = (float(row[0]), float(row[1])) if row else (float(self.burst), now)
            tokens, wait = _refill(tokens, last, now, self.rate, self.burst, take)
            conn.execute(
                "INSERT OR REPLACE INTO buckets (name, key, tokens, last) VALUES (?, ?, ?, ?)",
                (self.name, key, tokens, now),
            )
            self._count += 1
            if self._count % _PRUNE_EVERY == 0:  # a bucket idle long enough to be full again is the same as none
                conn.execute(
                    "DELETE FROM buckets WHERE name = ? AND last < ?", (self.name, now - self.burst / self.rate)
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return wait
