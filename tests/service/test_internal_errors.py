"""A bug while scoring: a 500 problem for one series over HTTP, that series' error in a job (the others scored)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from service_harness import wait_done

from detector import pipeline


def _buggy_for(bad: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = pipeline.score_series

    def score_series(series: Any, *args: Any, **kwargs: Any) -> Any:
        if series.series_id == bad:
            raise IndexError("index 8760 is out of bounds for axis 0 with size 8760")
        return real(series, *args, **kwargs)

    monkeypatch.setattr(pipeline, "score_series", score_series)


def test_score_answers_a_bare_500_problem(
    client: TestClient, mined: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _buggy_for(mined["series_id"], monkeypatch)
    r = client.post("/v1/score", json=mined)
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert (body["type"], body["title"], body["detail"]) == (
        "/problems/internal",
        "Internal error",
        "the series could not be scored: internal error",
    )
    assert "IndexError" not in r.text  # no internals in the body: they are in the log


def test_a_job_keeps_scoring_the_other_series(
    client: TestClient, feeders: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    _buggy_for("feeder-0006", monkeypatch)
    two = feeders[feeders.series_id.isin(["feeder-0001", "feeder-0006"])]
    r = client.post("/v1/jobs", files={"file": ("two.csv", two.to_csv(index=False), "text/csv")})
    assert r.status_code == 202, r.text
    job = wait_done(client, r.json()["id"])
    assert (job["state"], job["counts"]["done"], job["counts"]["failed"]) == ("done", 2, 1)
    rows = {row["series_id"]: row for row in client.get(f"/v1/jobs/{job['id']}/results").json()["items"]}
    assert rows["feeder-0001"]["score"] is not None
    assert rows["feeder-0006"]["error"] == (
        "internal error while scoring this series (IndexError: index 8760 is out of bounds for axis 0 with size "
        "8760); it is logged, please report it [series 'feeder-0006']"
    )
