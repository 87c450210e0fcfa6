"""POST /v1/score: one series in (with, optionally, other series as its peers), its ScoreReport out."""

from __future__ import annotations

import numpy as np
import pandas as pd
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

import detector
from detector.service.deps import KeyDep, Registry, RegistryDep, SettingsDep
from detector.service.problems import ProblemError, from_validation, show
from detector.service.schemas import PeerSeriesIn, ScoreIn, ScoreOut, problem_responses
from detector.service.validation import json_problem

router = APIRouter(prefix="/v1", tags=["scoring"])
_PROBLEMS = problem_responses(401, 403, 404, 413, 422, 429)


def _check_lengths(body: ScoreIn | PeerSeriesIn, max_points: int, where: str = "") -> None:
    """Readings per series within the limit (413), one value (and temperature) per timestamp (422)."""
    n = len(body.timestamps)
    if n > max_points:
        raise ProblemError(
            413,
            "too-many-points",
            "Payload too large",
            f"{where}timestamps: {n:,} readings in one series; the limit is {max_points:,}",
            field=f"{where}timestamps",
            value=n,
        )
    for name, arr in (("values", body.values), ("temperature", body.temperature)):
        if arr is not None and len(arr) != n:
            raise ProblemError(
                422,
                "invalid-input",
                "Invalid input",
                f"{where}{name}: must have one entry per timestamp ({n}); got {len(arr)}",
                field=f"{where}{name}",
                value=len(arr),
            )


def _peer_series(body: ScoreIn, max_points: int) -> list[PeerSeriesIn]:
    """The body's other series that ``peers`` selects (all of them for "auto", none for "none").

    An id in ``peers`` that no ``peer_series`` entry has is a 422 naming ``peers``; so is a repeated peer id.
    """
    seen = {body.series_id}
    for i, peer in enumerate(body.peer_series):
        where = f"peer_series[{i}]."
        if peer.series_id in seen:
            detail = (
                "repeats the scored series' id" if peer.series_id == body.series_id else "repeats another peer's id"
            )
            raise ProblemError(
                422,
                "invalid-input",
                "Invalid input",
                f"{where}series_id: {detail} (got {show(peer.series_id)})",
                field=f"{where}series_id",
                index=i,
                value=peer.series_id,
            )
        seen.add(peer.series_id)
        _check_lengths(peer, max_points, where)
    if body.peers == "none":
        return []
    if body.peers == "auto":
        return body.peer_series
    by_id = {peer.series_id: peer for peer in body.peer_series}
    for i, sid in enumerate(body.peers):
        if sid in by_id:
            continue
        reason = "a series cannot be its own peer" if sid == body.series_id else "no series in peer_series has this id"
        raise ProblemError(
            422,
            "invalid-input",
            "Invalid input",
            f"peers[{i}]: {reason} (got {show(sid)})",
            field="peers",
            index=i,
            value=sid,
        )
    return [by_id[sid] for sid in dict.fromkeys(body.peers)]


# The body is read raw and parsed by pydantic-core in one pass (about 1 ms for a year of hourly load,
# against 5 ms for json.loads + validation; NaN and Infinity still reach the finite-number check with
# their index). The schema is declared here so /docs and the OpenAPI file still describe it.
_BODY = {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ScoreIn"}}}}


@router.post("/score", response_model=ScoreOut, responses=_PROBLEMS, openapi_extra={"requestBody": _BODY})
async def score_series(request: Request, registry: RegistryDep, settings: SettingsDep, _: KeyDep) -> ScoreOut:
    """Score one series; ``null`` readings are gaps (up to 3 h interpolated, longer ones left out).

    With ``peer_series`` (other series of the same place and time), the series' expected load also follows
    the peers that track it best (``peers``: "auto" all of them, "none", or a list of their ids); the answer
    lists the ``peers`` it used. Without them the series scores alone.
    """
    try:
        body = ScoreIn.model_validate_json(await request.body())
    except ValidationError as exc:
        raise from_validation(exc.errors()) from None
    _check_lengths(body, settings.max_points)
    peers = _peer_series(body, settings.max_points)
    return await run_in_threadpool(_score, body, peers, registry, request.app.state.metrics)


def _frame(series: ScoreIn | PeerSeriesIn) -> pd.DataFrame:
    """One series of the body as the long table ``detector.score`` reads."""
    frame = pd.DataFrame(
        {
            "series_id": series.series_id,
            "timestamp": series.timestamps,
            "load": np.array(series.values, dtype=np.float64),  # None -> NaN: a gap
        }
    )
    if series.temperature is not None:
        frame["temperature"] = np.array(series.temperature, dtype=np.float64)
    return frame


def _score(body: ScoreIn, peers: list[PeerSeriesIn], registry: Registry, metrics: object) -> ScoreOut:
    """The blocking part, in a worker thread: one call to the public API, its report shaped for HTTP.

    Peers go in as a table of just the selected series; a body without them scores its series alone.
    """
    model = registry.get(body.model)
    frame = _frame(body)
    peer_table = pd.concat([_frame(p) for p in peers], ignore_index=True) if peers else "none"
    counter = metrics.series  # type: ignore[attr-defined]
    try:
        report = detector.score(
            frame,
            model=model,
            unit=body.unit,
            tz=body.timezone,
            country=body.country,
            threshold=body.threshold,
            with_expected=body.include_expected,
            peers=peer_table,
        )[0]
    except detector.InputValidationError as exc:
        counter.labels("rejected").inc()
        raise json_problem(exc) from exc
    except detector.DataSufficiencyError:
        counter.labels("rejected").inc()
        raise
    counter.labels("flagged" if report.flagged else "clear").inc()
    return ScoreOut.of(report, with_expected=body.include_expected)
