"""The data folder's health: disk faults that pass (full, unwritable) told apart from bugs, and the folder probed
for readiness. Every reason is in words without the folder's path (``/readyz`` and job errors are public)."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile

from detector.service.settings import Settings

# Errors of a full or unwritable disk (OSError numbers, SQLite's messages): they pass, so a job meeting one pauses.
_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS})
_SQLITE_DISK = ("database or disk is full", "attempt to write a readonly database", "disk I/O error")


def disk_fault(exc: BaseException) -> str | None:
    """What went wrong if ``exc`` (or an error it came from) is a full or unwritable disk, without any path."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in _DISK_ERRNOS:
            return os.strerror(seen.errno).lower()
        phrase = next((p for p in _SQLITE_DISK if p in str(seen)), None)
        if phrase is not None:
            return phrase
        seen = seen.__cause__ or seen.__context__
    return None


def unwritable(settings: Settings) -> str | None:
    """Why the data or uploads folder cannot take a file now (a real write is tried); None: both can."""
    for what, folder in (("data folder", settings.data_dir), ("uploads folder", settings.upload_dir)):
        try:
            fd, name = tempfile.mkstemp(dir=folder, prefix=".probe-")
            os.close(fd)
            os.unlink(name)
        except OSError as exc:
            reason = os.strerror(exc.errno).lower() if exc.errno else type(exc).__name__
            return f"{what} is not writable ({reason})"
    return None


def nearly_full(settings: Settings) -> str | None:
    """Why the data folder's disk is too full for uploads (free space under ``min_free_bytes``); None: not."""
    free = shutil.disk_usage(settings.data_dir).free
    if free >= settings.min_free_bytes:
        return None
    least = f"DETECTOR_MIN_FREE_BYTES is {settings.min_free_bytes:,}"
    return f"data folder nearly full ({free / 2**20:.0f} MiB free, {least})"
