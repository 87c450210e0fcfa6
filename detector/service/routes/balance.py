"""POST /v1/balance: feeders, their billed meters and the mapping in; each feeder's energy balance out."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from fastapi import APIRouter

import detector
from detector.service.balance_schemas import BalanceIn, BalanceOut, FeederBalanceOut, SeriesIn
from detector.service.deps import KeyDep, SettingsDep
from detector.service.problems import ProblemError, show
from detector.service.schemas import problem_responses

router = APIRouter(prefix="/v1", tags=["balance"])
_PROBLEMS = problem_responses(401, 403, 413, 422, 429)
MAX_TOTAL_POINTS = 5_000_000  # readings over all series of one request (the body limit usually bites first)
_SERIES_FIELDS = {"load": "values", "timestamp": "timestamps", "series_id": "id"}


def _check_sizes(body: BalanceIn, max_points: int) -> None:
    total = 0
    for name, group in (("feeders", body.feeders), ("meters", body.meters)):
        for i, s in enumerate(group):
            n = len(s.timestamps)
            total += n
            if n > max_points:
                raise ProblemError(
                    413,
                    "too-many-points",
                    "Payload too large",
                    f"{name}[{i}].timestamps: {n:,} readings in one series; the limit is {max_points:,}",
                    field=f"{name}[{i}].timestamps",
                    value=n,
                )
            if len(s.values) != n:
                raise ProblemError(
                    422,
                    "invalid-input",
                    "Invalid input",
                    f"{name}[{i}].values: must have one entry per timestamp ({n}); got {len(s.values)}",
                    field=f"{name}[{i}].values",
                    value=len(s.values),
                )
    if total > MAX_TOTAL_POINTS:
        raise ProblemError(
            413,
            "too-many-points",
            "Payload too large",
            f"feeders, meters: {total:,} readings in all; the limit is {MAX_TOTAL_POINTS:,}",
            field="meters",
            value=total,
        )


@router.post("/balance", response_model=BalanceOut, responses=_PROBLEMS)
def balance(body: BalanceIn, settings: SettingsDep, _: KeyDep) -> BalanceOut:
    """Energy balance of every feeder: unbilled power (feeder − Σ billed meters in service − technical losses),
    when it stepped up, how flat and round-the-clock it is, its size in the feeder unit and in S19 rigs, and
    the meters that moved at the same time; ranked for inspection. Meter reads missing for more than 3 h
    make those hours unusable (reported), never zero.
    """
    _check_sizes(body, settings.max_points)  # a plain ``def``: FastAPI runs it in a worker thread
    return _balance(body)


def _frame(group: list[SeriesIn]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series_id": np.repeat([s.id for s in group], [len(s.timestamps) for s in group]),
            "timestamp": [t for s in group for t in s.timestamps],
            "load": np.array([v for s in group for v in s.values], dtype=np.float64),  # None -> NaN: a gap
        }
    )


def _balance(body: BalanceIn) -> BalanceOut:
    """The blocking part, in a worker thread: one call to the public API, its results shaped for HTTP."""
    cols = ["meter_id", "feeder_id", "valid_from", "valid_to"]
    mapping = pd.DataFrame([r.model_dump() for r in body.mapping], columns=cols)
    try:
        results = detector.balance_feeders(
            _frame(body.feeders),
            _frame(body.meters),
            mapping,
            feeder_unit=body.feeder_unit,
            meter_unit=body.meter_unit,
            tz=body.timezone,
        )
    except detector.InputValidationError as exc:  # balance errors name their table (feeders, meters, mapping)
        if getattr(exc, "table", None) is None:
            raise
        raise _problem(exc, body) from exc
    return BalanceOut(feeders=[FeederBalanceOut.of(r, with_daily=body.include_daily) for r in results])


def _problem(exc: detector.InputValidationError, body: BalanceIn) -> ProblemError:
    """A balance input error in request terms: table row N is ``feeders[i].values[j]`` or ``mapping[N-1]``."""
    where, field, index = _locate(exc, body)
    reason = exc.reason
    if getattr(exc, "table", None) == "mapping":  # "row 3 already maps ..." -> "mapping[2] already maps ..."
        reason = re.sub(r"\brow (\d+)", lambda m: f"mapping[{int(m.group(1)) - 1}]", reason)
    detail = f"{where}: {reason} (got {show(exc.value)})"
    if exc.more:
        detail += f"; {exc.more} more like this"
    return ProblemError(
        422, "invalid-input", "Invalid input", detail, field=field, index=index, value=exc.value, code=exc.code
    )


def _locate(exc: detector.InputValidationError, body: BalanceIn) -> tuple[str, str, int | None]:
    """(where as the client writes it, field, array index) of the error."""
    table = str(getattr(exc, "table", ""))
    if table == "mapping":
        if exc.row is None:
            return "mapping", "mapping", None
        field = f"mapping[{exc.row - 1}].{exc.field}"
        return field, field, None
    if exc.field in ("unit", "tz"):
        name = {"unit": "feeder_unit" if table == "feeders" else "meter_unit", "tz": "timezone"}[exc.field]
        return name, name, None
    group = body.feeders if table == "feeders" else body.meters
    pos: Any = None
    if exc.row is not None:  # row of the concatenated table -> (series, position)
        ends = np.cumsum([len(s.timestamps) for s in group])
        i = int(np.searchsorted(ends, exc.row - 1, side="right"))
        j = exc.row - 1 - (int(ends[i - 1]) if i else 0)
        pos = (i, j)
    elif exc.series_id is not None:
        found = next((k for k, s in enumerate(group) if s.id == exc.series_id), None)
        pos = (found, None) if found is not None else None
    name = _SERIES_FIELDS.get(exc.field, exc.field)
    if pos is None:
        return f"{table}.{name}", f"{table}.{name}", None
    i, j = pos
    field = f"{table}[{i}].{name}"
    if j is None or name == "id":
        return field, field, None
    return f"{field}[{j}]", field, j
