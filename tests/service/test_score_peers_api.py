"""Peers over HTTP: POST /v1/score with other series of the body as a synthetic control, and the jobs' option."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"
HOURS = 35 * 24  # the smallest kind of series that scores, as the short_ok body


def _series(frame: pd.DataFrame, sid: str) -> dict[str, Any]:
    one = frame[frame.series_id == sid].iloc[:HOURS]
    return {"series_id": sid, "timestamps": [t.isoformat() for t in one.timestamp], "values": one.load.tolist()}


@pytest.fixture(scope="module")
def three(feeders: pd.DataFrame) -> dict[str, Any]:
    """A body of three feeders of one city over 35 days: feeder-0006 scored, the other two as its peer_series."""
    peers = [_series(feeders, sid) for sid in ("feeder-0001", "feeder-0013")]
    return {**_series(feeders, "feeder-0006"), "unit": "MW", "timezone": "Asia/Tehran", "peer_series": peers}


def test_default_answer_lists_the_peers_it_used(client: TestClient, three: dict[str, Any]) -> None:
    r = client.post("/v1/score", json=three)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["peers"]
    assert set(out["peers"]) <= {"feeder-0001", "feeder-0013"}
    assert {"excess_low", "excess_high"} <= set(out)
    assert all({"excess_low", "excess_high"} <= set(seg) for seg in out["segments"])


def test_peers_none_and_a_single_series_score_alone(client: TestClient, three: dict[str, Any]) -> None:
    none = client.post("/v1/score", json={**three, "peers": "none"}).json()
    single = client.post("/v1/score", json={k: v for k, v in three.items() if k != "peer_series"}).json()
    assert none["peers"] == single["peers"] == []
    assert none["score"] == single["score"]


def test_a_list_of_ids_uses_just_those_peers(client: TestClient, three: dict[str, Any]) -> None:
    out = client.post("/v1/score", json={**three, "peers": ["feeder-0013"]}).json()
    assert out["peers"] == ["feeder-0013"]


def test_a_peer_that_is_the_series_again_or_a_sum_holding_it_is_kept_out_and_named(
    client: TestClient, three: dict[str, Any]
) -> None:
    """peer_series are not in the body's series: the pool is joined with it so a copy or a total is still found."""
    copy = {**three, "series_id": "feeder-0006 copy"}
    peers = three["peer_series"]
    total = {
        "series_id": "substation",
        "timestamps": three["timestamps"],
        "values": [a + b for a, b in zip(three["values"], peers[0]["values"], strict=True)],
    }
    body = {**three, "peer_series": [*peers, {k: copy[k] for k in ("series_id", "timestamps", "values")}, total]}
    out = client.post("/v1/score", json=body).json()
    assert set(out["peers"]) <= {"feeder-0001", "feeder-0013"}
    assert (
        "not used as a peer: feeder-0006 copy, a copy of this series (its daily load is this one's times 1, to 0.0% "
        "day by day): the same load posted twice carries this series' own rise"
    ) in out["warnings"]
    assert (
        "not used as a peer: substation, the sum of this series and others of this input (a total carries this "
        "series' own rise)"
    ) in out["warnings"]


def _repeat_first_peer(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "peer_series": [body["peer_series"][0], body["peer_series"][0]]}


def _shorten_first_peer(body: dict[str, Any]) -> dict[str, Any]:
    first = body["peer_series"][0]
    return {**body, "peer_series": [{**first, "values": first["values"][:-1]}, body["peer_series"][1]]}


BAD_PEERS: list[tuple[str, Callable[[dict[str, Any]], dict[str, Any]], str, str, int | None, Any]] = [
    # (case, make the body, detail, field, index, value)
    (
        "unknown id",
        lambda b: {**b, "peers": ["feeder-0001", "nope"]},
        "peers[1]: no series in peer_series has this id (got 'nope')",
        "peers",
        1,
        "nope",
    ),
    (
        "own id",
        lambda b: {**b, "peers": ["feeder-0006"]},
        "peers[0]: a series cannot be its own peer (got 'feeder-0006')",
        "peers",
        0,
        "feeder-0006",
    ),
    (
        "repeated peer",
        _repeat_first_peer,
        "peer_series[1].series_id: repeats another peer's id (got 'feeder-0001')",
        "peer_series[1].series_id",
        1,
        "feeder-0001",
    ),
    (
        "peer lengths differ",
        _shorten_first_peer,
        f"peer_series[0].values: must have one entry per timestamp ({HOURS}); got {HOURS - 1}",
        "peer_series[0].values",
        None,
        HOURS - 1,
    ),
]


@pytest.mark.parametrize(
    ("case", "make", "detail", "field", "index", "value"), BAD_PEERS, ids=[c[0] for c in BAD_PEERS]
)
def test_bad_peers_are_a_problem_naming_the_field_and_value(
    client: TestClient,
    three: dict[str, Any],
    case: str,
    make: Callable[[dict[str, Any]], dict[str, Any]],
    detail: str,
    field: str,
    index: int | None,
    value: Any,
) -> None:
    r = client.post("/v1/score", json=make(three))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["detail"] == detail
    assert (problem["field"], problem.get("index"), problem["value"]) == (field, index, value)


def test_jobs_keep_their_peers_option(client: TestClient) -> None:
    upload = ("loads.csv", b"series_id,timestamp,load\nm1,2024-03-20T00:00+03:30,1.5\n")
    default = client.post("/v1/jobs", files={"file": upload})
    alone = client.post("/v1/jobs", files={"file": upload}, data={"peers": "none"})
    assert (default.status_code, alone.status_code) == (202, 202)
    assert (default.json()["options"]["peers"], alone.json()["options"]["peers"]) == ("auto", "none")
    bad = client.post("/v1/jobs", files={"file": upload}, data={"peers": "all"})
    assert (bad.status_code, bad.headers["content-type"]) == (422, PROBLEM)
    assert (bad.json()["field"], bad.json()["value"]) == ("peers", "all")
