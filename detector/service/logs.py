"""Logging for the service: one JSON object per line (time, level, logger, message), uvicorn's included.

A record may carry fields of its own for machines to read, as ``extra={"fields": {...}}`` (see ``fields``);
they become top-level keys of its line (e.g. the job worker's ``event``, ``job_id``, ``seconds``, ``outcome``).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any


class JsonFormatter(logging.Formatter):
    """A log record as a JSON line; exceptions go into ``exc`` (server log only, never a response)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for name, value in getattr(record, "fields", {}).items():
            out.setdefault(name, value)  # never hides the five keys above
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def fields(**values: Any) -> dict[str, Any]:
    """``extra`` for a log call whose line should carry these keys: ``log.info("...", extra=fields(job_id=...))``."""
    return {"fields": values}


def log_config(level: str = "INFO") -> dict[str, Any]:
    """``logging.config.dictConfig`` form, for uvicorn (each worker process applies it)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": True},
        },
    }
