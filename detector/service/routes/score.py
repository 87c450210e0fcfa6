"""POST /v1/score: one series in (with, optionally, other series as its peers), its ScoreReport out.

The body is JSON (``ScoreIn``: parallel arrays) or ``text/csv`` (the ``detector score`` file contract, one
series, its options as query parameters: ``ScoreCsvQuery``).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pandas as pd
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

import detector
from detector.service.deps import KeyDep, Registry, RegistryDep, SettingsDep
from detector.service.problems import ProblemError, from_validation, show
from detector.service.schemas import (
    PeerSeriesIn,
    ScoreCsvQuery,
    ScoreIn,
    ScoreOut,
    example_series,
    problem_responses,
)
from detector.service.validation import csv_problem, json_problem

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
_EXAMPLE = example_series()
_CSV_EXAMPLE = "series_id,timestamp,load,temperature,unit\n" + "".join(
    f"{_EXAMPLE['series_id']},{t},{'' if v is None else v},{c},MW\n"
    for t, v, c in zip(_EXAMPLE["timestamps"], _EXAMPLE["values"], _EXAMPLE["temperature"], strict=True)
)
_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/ScoreIn"}},
        "text/csv": {
            "schema": {
                "type": "string",
                "description": "UTF-8 CSV with a header: series_id (optional), timestamp, load, temperature "
                "(optional, °C), unit (optional); one series; an empty load cell is a gap. Options as query "
                "parameters (unit, timezone, country, calendar, threshold, max_false_alarm, model, include_expected, "
                "series_id)",
            },
            "example": _CSV_EXAMPLE,
        },
    },
}


@router.post(
    "/score",
    response_model=ScoreOut,
    responses=_PROBLEMS,
    openapi_extra={"requestBody": _BODY, "parameters": ScoreCsvQuery.openapi_parameters()},
)
async def score_series(request: Request, registry: RegistryDep, settings: SettingsDep, _: KeyDep) -> ScoreOut:
    """Score one series; ``null`` readings are gaps (up to 3 h interpolated, longer ones left out).

    With ``peer_series`` (other series of the same place and time), the series' expected load also follows
    the peers that track it best (``peers``: "auto" all of them, "none", or a list of their ids); the answer
    lists the ``peers`` it used. Without them the series scores alone.

    Or send ``Content-Type: text/csv``: one series as the ``detector score`` input table (``series_id``
    optional, ``timestamp``, ``load``, ``temperature`` optional, ``unit`` optional), with ``unit``,
    ``timezone``, ``country``, ``calendar``, ``threshold``, ``max_false_alarm``, ``model``, ``include_expected``
    (and ``series_id`` for a table without that column) as query parameters, named as in the JSON body. Errors
    name the 1-based data ``row``, the column and the value. The query parameters apply to CSV bodies only.
    """
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "text/csv":
        query = _csv_query(request)
        metrics = request.app.state.metrics
        return await run_in_threadpool(_score_csv, await request.body(), query, registry, settings.max_points, metrics)
    _no_query(request)
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
    return _score_frame(frame, body, model, peer_table, metrics, json_problem)


def _score_frame(
    frame: pd.DataFrame,
    opts: ScoreIn | ScoreCsvQuery,
    model: detector.MiningModel,
    peers: pd.DataFrame | str,
    metrics: object,
    problem: Callable[[detector.InputValidationError], ProblemError],
) -> ScoreOut:
    """One call to the public API with the request's options, counted; ingest errors as ``problem`` renders them."""
    counter = metrics.series  # type: ignore[attr-defined]
    try:  # the request's options checked once, as one ScoreOptions; an error names its field as ``problem`` does
        options = detector.ScoreOptions(
            unit=opts.unit,
            tz=opts.timezone,
            country=opts.country,
            calendar=opts.calendar,
            threshold=opts.threshold,
            peers=peers,
            max_false_alarm=opts.max_false_alarm,
        )
        report = detector.score(frame, model=model, with_expected=opts.include_expected, options=options)[0]
    except detector.InputValidationError as exc:
        counter.labels("rejected").inc()
        raise problem(exc) from exc
    except detector.DataSufficiencyError:
        counter.labels("rejected").inc()
        raise
    counter.labels("flagged" if report.flagged else "clear").inc()
    return ScoreOut.of(report, with_expected=opts.include_expected)


def _no_query(request: Request) -> None:
    """A JSON body carries its options itself: a query parameter would be ignored, so it is a 422 instead."""
    if not request.query_params:
        return
    name, value = next(iter(request.query_params.items()))
    raise ProblemError(
        422,
        "invalid-input",
        "Invalid input",
        f"{name}: query parameters go with a text/csv body; a JSON body names its options in the body"
        f" (got {show(value)})",
        field=name,
        value=value,
    )


def _csv_query(request: Request) -> ScoreCsvQuery:
    """The options of a CSV body from the query string; 422 naming the parameter (an unknown one too)."""
    params = dict(request.query_params)
    unknown = [name for name in params if name not in ScoreCsvQuery.model_fields]
    if unknown:
        raise ProblemError(
            422,
            "invalid-input",
            "Invalid input",
            f"{unknown[0]}: unknown query parameter; a CSV body takes {', '.join(ScoreCsvQuery.model_fields)}"
            f" (got {show(params[unknown[0]])})",
            field=unknown[0],
            value=params[unknown[0]],
        )
    try:
        return ScoreCsvQuery.model_validate(params)
    except ValidationError as exc:
        raise from_validation(exc.errors()) from None


def _one_series(frame: pd.DataFrame, query: ScoreCsvQuery) -> None:
    """A CSV body holds one series: a second id is a 422 naming its first row (ingest reports empty ids)."""
    ids = frame["series_id"].astype("string").str.strip().fillna("")
    named = ids[ids != ""]
    if named.empty:
        return
    first = named.iloc[0]
    other = named[named != first]
    if not other.empty:
        row = int(other.index[0]) + 1
        raise ProblemError(
            422,
            "invalid-input",
            "Invalid input",
            f"row {row}, field 'series_id': a CSV body holds one series, and this row starts another after "
            f"{show(first)} (got {show(other.iloc[0])}); score several with POST /v1/jobs",
            field="series_id",
            value=other.iloc[0],
            extra={"row": row},
        )
    if query.series_id is not None and query.series_id != first:
        raise ProblemError(
            422,
            "invalid-input",
            "Invalid input",
            f"series_id: the query names {show(query.series_id)} but the CSV's series_id column holds "
            f"{show(first)}; drop one",
            field="series_id",
            value=query.series_id,
        )


def _score_csv(body: bytes, query: ScoreCsvQuery, registry: Registry, max_points: int, metrics: object) -> ScoreOut:
    """Read a CSV body with the package's reader, then score it as the JSON path does (in a worker thread)."""
    counter = metrics.series  # type: ignore[attr-defined]
    try:
        frame = detector.read_table(io.BytesIO(body), series_id=query.series_id or "series")
    except detector.InputValidationError as exc:
        counter.labels("rejected").inc()
        raise csv_problem(exc) from exc
    _one_series(frame, query)
    if len(frame) > max_points:
        raise ProblemError(
            413,
            "too-many-points",
            "Payload too large",
            f"body: {len(frame):,} readings in one series; the limit is {max_points:,}",
            field="body",
            value=len(frame),
        )
    return _score_frame(frame, query, registry.get(query.model), "none", metrics, csv_problem)
