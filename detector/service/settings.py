"""Service settings: pydantic-settings, read from ``DETECTOR_*`` environment variables (or a ``.env`` file)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the service can be told; defaults are safe for a single analyst on one machine."""

    model_config = SettingsConfigDict(env_prefix="DETECTOR_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(
        1,
        ge=0,
        description="uvicorn worker processes; 0: one per available core (make serve). /metrics sums every worker; "
        "the workers share the rate limits (buckets in <data_dir>/ratelimit.sqlite)",
    )
    data_dir: Path = Path("data")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default: SQLite file <data_dir>/detector.db")
    model_dir: Path | None = Field(None, description="default model artefact (default: the bundled model)")
    models_dir: Path | None = Field(None, description="directory of further model artefacts, one per subdirectory")
    api_keys: list[str] = Field(default_factory=list, description="extra plaintext keys (e.g. for containers)")
    rate_limit_per_second: float = Field(20.0, gt=0, description="sustained requests per second per API key")
    rate_limit_burst: int = Field(40, ge=1, description="requests a key may send at once before it is throttled")
    auth_fail_limit: int = Field(10, ge=1, description="wrong API keys one client address may send per window")
    auth_fail_window_seconds: float = Field(60.0, gt=0, description="the window of auth_fail_limit")
    max_body_bytes: int = Field(32 * 2**20, ge=1024, description="largest request body for /v1/score")
    max_upload_bytes: int = Field(200 * 2**20, ge=1024, description="largest upload for /v1/jobs")
    max_points: int = Field(600_000, ge=1, description="most readings per series in /v1/score (a year at 1 min)")
    min_free_bytes: int = Field(
        100 * 2**20, ge=0, description="/readyz is not ready while the data folder's disk has less free space"
    )
    job_max_bytes: int = Field(
        1 << 30, ge=1024, description="most bytes a job reads from its upload, uncompressed (a .csv.gz expands)"
    )
    job_max_rows: int = Field(5_000_000, ge=1, description="most data rows a job reads from its upload")
    job_max_points: int = Field(
        8_000_000,
        ge=1,
        description="most readings a job reads from its upload: data rows x values per row (load, and temperature "
        "when the upload has it)",
    )
    cors_origins: list[str] = Field(default_factory=list, description="allowed browser origins; empty: CORS off")
    job_lease_seconds: float = Field(30.0, gt=0, description="a running job silent this long is taken over")
    job_max_attempts: int = Field(
        3, ge=1, description="times a job is started before it is marked failed (starts ended by a full disk: not)"
    )
    job_retry_seconds: float = Field(30.0, gt=0, description="a job paused by a full or unwritable disk waits this")
    job_poll_seconds: float = Field(0.5, gt=0)
    run_worker: bool = Field(True, description="score uploaded jobs in this process")
    job_engine: Literal["local", "dask"] = Field(
        "local", description="score uploaded jobs here (local) or on a Dask cluster, off the API processes"
    )
    dask_scheduler: str | None = Field(None, description="job_engine=dask: cluster address; None: a LocalCluster")
    dask_workers: int | None = Field(None, ge=1, description="job_engine=dask without a scheduler: LocalCluster size")
    blas_threads: int | None = Field(
        1, ge=1, description="BLAS/OpenMP threads per process (requests already run side by side); None: leave"
    )

    def db_url(self) -> str:
        """The database URL, defaulting to a SQLite file under the data directory."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'detector.db').resolve()}"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    def make_dirs(self) -> None:
        """Create the data and upload folders if missing, readable by the service user only (0700)."""
        for folder in (self.data_dir, self.upload_dir):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
