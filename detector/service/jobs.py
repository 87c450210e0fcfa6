"""Background scoring of uploaded files: a worker thread that claims jobs from the database.

Each series' result is committed as it is produced (progress is visible and nothing done is lost).
The worker renews a job's lease (``heartbeat_at``) every third of ``job_lease_seconds`` while it runs; a job
whose worker died (its lease went stale) is claimed again and resumed:
series already written are skipped; after ``job_max_attempts`` starts it is marked failed with the reason. A full
or unwritable disk while writing (ENOSPC, EACCES, ...) pauses the job instead: queued again, claimed after
``job_retry_seconds``, that start counted in ``attempts`` and ``pauses`` but never held against it.
Each run of a job logs a ``job_started`` and a ``job_ended`` line (JSON fields: id, tenant, series, seconds,
outcome), never an API key or an upload's path.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import detector
from detector.service.deps import Registry
from detector.service.logs import fields
from detector.service.settings import Settings
from detector.service.storage import disk_fault
from detector.service.store import DONE, FAILED, QUEUED, Job, Store
from detector.service.validation import request_terms

log = logging.getLogger(__name__)
# The reader's limits (detector.read_table's arguments) -> the settings that set them for jobs.
_LIMIT_SETTINGS = {
    "max_bytes": "DETECTOR_JOB_MAX_BYTES",
    "max_rows": "DETECTOR_JOB_MAX_ROWS",
    "max_points": "DETECTOR_JOB_MAX_POINTS",
}


def public_message(exc: Exception, job: Job) -> str:
    """``exc`` as the job's user may read it: the upload's path on the server becomes the name it was uploaded as;
    a limit is named by its setting."""
    if isinstance(exc, detector.LimitExceededError):
        name = _LIMIT_SETTINGS.get(exc.limit, exc.limit)
        limit = f"{name} = {exc.maximum:,} {exc.what}"
        return f"{job.filename}: over this server's limit {limit}; split it into smaller jobs"
    message, path = request_terms(str(exc), "form"), Path(job.upload_path)
    for form in dict.fromkeys((str(path.resolve()), str(path), path.name)):  # longest first
        message = message.replace(form, job.filename)
    return message


def job_options(options: dict[str, Any], peers: str | Path) -> detector.ScoreOptions:
    """A queued job's scoring options, from its stored row (checked at upload; built here once per run).

    A job queued before an option existed gets the default it was queued under: country IR, Gregorian.
    """
    return detector.ScoreOptions(
        unit=options.get("unit"),
        tz=options.get("timezone"),
        country=options.get("country", "IR"),
        threshold=options.get("threshold"),
        max_false_alarm=options.get("max_false_alarm"),
        calendar=options.get("calendar", "gregorian"),
        peers=peers,
    )


class JobWorker:
    """Polls for claimable jobs and scores them one at a time, in a daemon thread."""

    def __init__(self, store: Store, registry: Registry, settings: Settings) -> None:
        self.store, self.registry, self.settings = store, registry, settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="job-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _loop(self) -> None:
        lease = timedelta(seconds=self.settings.job_lease_seconds)
        disk_full = False  # said once, not at every poll: a full disk would fill with the log as well
        while not self._stop.is_set():
            wait = self.settings.job_poll_seconds
            try:
                job = self.store.claim_job(lease)
            except Exception as exc:  # database briefly unavailable: try again later, keep the thread alive
                fault, job = disk_fault(exc), None
                if fault is None:
                    log.exception("could not claim a job")
                else:
                    wait = self.settings.job_retry_seconds
                    if not disk_full:
                        log.warning("jobs wait: %s in the data folder; trying again every %g s", fault, wait)
                disk_full = fault is not None
            else:
                if disk_full:
                    log.warning("jobs resume: the data folder takes writes again")
                disk_full = False
            if job is None:
                self._stop.wait(wait)
                continue
            try:
                self.run(job)
            except Exception:  # the job's row could not even be marked failed (e.g. the database went away)
                log.exception("job %s: could not record its end", job.id)

    def run(self, job: Job) -> None:
        """Score ``job`` (``_score``); a JSON log line when it starts and one when it ends, however it ends."""
        began = time.perf_counter()
        try:
            with self._leased(job.id):
                self._score(job)
        except Exception as exc:
            fault = disk_fault(exc)
            if fault is None:
                log.exception("job %s failed unexpectedly", job.id)
                self.store.finish_job(job.id, FAILED, "internal error while scoring; see the server log")
            else:  # a full or unwritable disk passes: pause the job, a later start resumes it
                retry = self.settings.job_retry_seconds
                log.warning("job %s paused: %s while writing; retried in %g s", job.id, fault, retry)
                if not self._pause(job, timedelta(seconds=retry)):
                    return  # stopping with the disk still full: the lease runs out, the next start resumes it
        self._log_end(job.id, time.perf_counter() - began)

    def _pause(self, job: Job, delay: timedelta) -> bool:
        """Record the pause; on a disk still full, recording it is itself a write that fails, so try again (each
        poll, while renewing the lease) until it is written or the worker stops (False).

        Given up at once, the job stayed "running" until its lease ran out and the next start counted as a crash:
        after ``job_max_attempts`` of them the job failed for good (issue 15, a real disk filled mid-job).
        """
        with self._leased(job.id):
            while True:
                try:
                    self.store.pause(job.id, delay, attempt=job.attempts)
                    return True
                except Exception as exc:
                    if disk_fault(exc) is None:
                        raise
                if self._stop.wait(self.settings.job_poll_seconds):
                    return False

    @contextmanager
    def _leased(self, job_id: str) -> Iterator[None]:
        """Renew the job's lease every third of it while the block runs (reading a big upload, a slow series),
        so no other worker or process takes the job over while this one is still on it."""
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(self.settings.job_lease_seconds / 3):
                try:
                    self.store.heartbeat(job_id)
                except Exception:  # database briefly unavailable: the next beat tries again
                    log.warning("job %s: could not renew its lease", job_id, exc_info=True)

        thread = threading.Thread(target=beat, name=f"lease-{job_id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _log_start(self, job: Job, series: int | None) -> None:
        """The line a job starts with; ``series`` is None when the upload could not be read."""
        log.info(
            "job %s started: %s series (attempt %d)",
            job.id,
            "?" if series is None else series,
            job.attempts,
            extra=fields(event="job_started", job_id=job.id, tenant=job.tenant, series=series, attempt=job.attempts),
        )

    def _log_end(self, job_id: str, seconds: float) -> None:
        """The line a job ends with: its state now (done, failed, or queued again at shutdown) and its counts.

        Read back from the database, so it says what clients see. No key, no path: the error is the public one.
        """
        job = self.store.get_job(job_id)
        if job is None:  # removed meanwhile: nothing to tell
            return
        outcome = "requeued" if job.state == QUEUED else job.state
        log.log(
            logging.WARNING if outcome == FAILED else logging.INFO,
            "job %s %s: %s series, %d failed, %d flagged, in %.1f s",
            job.id,
            outcome,
            "?" if job.total is None else job.total,
            job.failed,
            job.flagged,
            seconds,
            extra=fields(
                event="job_ended",
                job_id=job.id,
                tenant=job.tenant,
                outcome=outcome,
                series=job.total,
                done=job.done,
                failed=job.failed,
                flagged=job.flagged,
                seconds=round(seconds, 3),
                attempt=job.attempts,
                error=job.error,
            ),
        )

    def _score(self, job: Job) -> None:
        """Score ``job``'s upload, writing each series as it finishes; skip series already written."""
        crashes = job.attempts - job.pauses  # starts not ended by a disk fault (which passes)
        if crashes > self.settings.job_max_attempts:
            self._log_start(job, job.total)
            self.store.finish_job(
                job.id,
                FAILED,
                f"interrupted {crashes - 1} times (the server stopped while scoring it); not retried",
            )
            return
        opts = json.loads(job.options)
        try:
            model = self.registry.get(opts.get("model"))
            frame = detector.read_table(
                Path(job.upload_path),
                max_bytes=self.settings.job_max_bytes,
                max_rows=self.settings.job_max_rows,
                max_points=self.settings.job_max_points,
            )
        except detector.DetectorError as exc:
            self._log_start(job, None)
            self.store.finish_job(job.id, FAILED, public_message(exc, job))
            return
        total = int(frame["series_id"].fillna("").astype(str).nunique())
        self._log_start(job, total)
        self.store.set_total(job.id, total, model.version)
        done = self.store.done_series(job.id)
        if done:
            log.info("resuming job %s (attempt %d): %d series already written", job.id, job.attempts, len(done))
        rows: Iterable[dict[str, Any]]
        try:
            # jobs queued before peers existed resume as they began: alone
            options = job_options(opts, opts.get("peers", "none"))
            if self.settings.job_engine == "dask":  # each series alone, on the cluster
                rows = self._dask_rows(job, model, options)
            else:  # "auto": an upload of 2..400 series is its own peer pool (read whole, then scored in turn)
                rows = (
                    {"series_id": sid, "error": str(r)} if isinstance(r, detector.DetectorError) else r.to_row()
                    for sid, r in detector.iter_scores(frame, model=model, options=options)
                )
            for row in rows:
                if self._stop.is_set():
                    self.store.requeue(job.id)  # shutting down cleanly: the next start resumes the job
                    return
                if row["series_id"] in done:
                    continue
                if row["error"]:  # the engine names Python arguments (tz=); the upload form names its fields
                    row = {**row, "error": request_terms(str(row["error"]), "form")}
                self.store.add_result(job.id, str(row["series_id"]), row, str(row["error"]) or None)
        except detector.DetectorError as exc:  # the whole table is unusable (e.g. unknown unit or zone)
            self.store.finish_job(job.id, FAILED, public_message(exc, job))
            return
        self.store.finish_job(job.id, DONE)

    def _dask_rows(self, job: Job, model: detector.MiningModel, options: detector.ScoreOptions) -> list[dict[str, Any]]:
        """Score the upload on the Dask cluster (DETECTOR_JOB_ENGINE=dask); ``run`` keeps the lease fresh meanwhile."""
        out = self.settings.data_dir / "jobs" / job.id
        try:
            run = detector.score_dataset(
                job.upload_path,
                out,
                model=model,
                options=options,
                scheduler=self.settings.dask_scheduler,
                workers=self.settings.dask_workers,
            )
            return detector.read_results(run.results)
        finally:
            shutil.rmtree(out, ignore_errors=True)
