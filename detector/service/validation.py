"""Checks at the HTTP edge that the detector API leaves to its caller, and ingest errors in request terms."""

from __future__ import annotations

import re
from typing import Literal

import holidays

import detector
from detector.service.problems import ProblemError, show

# Ingest's column names -> the JSON fields of POST /v1/score; the options' names -> the upload form's fields.
_JSON_FIELDS = {"load": "values", "timestamp": "timestamps", "tz": "timezone"}
_FORM_FIELDS = {"tz": "timezone"}


# How every request model, query and form names and describes ``calendar`` (the engine checks it too).
Calendar = Literal["gregorian", "solar-hijri"]
CALENDAR_FIELD = (
    "how the timestamps are written: gregorian (ISO 8601) or solar-hijri (local Solar Hijri date-times such as "
    "1402/08/17 14:00, ASCII or Persian digits, read in `timezone`, which it needs); solar-hijri also fills "
    "onset_local and end_local"
)


# How every request model and form describes ``country`` (its default is the same everywhere).
MAX_FALSE_ALARM_FIELD = (
    "flag where `false_alarm_rate` is at most this share (0.05: at most 5 % of clean loads like this one score as "
    "high) instead of at the model's operating point; not with `threshold`"
)
COUNTRY_FIELD = (
    "holiday calendar, ISO 3166 code; default: the country of `timezone` (America/Chicago: US), or IR for a zone "
    "of no country (UTC); the result's warnings say which"
)


def _unknown_country(country: object) -> str:
    """How the API words an unknown holiday country (its request models and its upload form alike)."""
    return f"unknown holiday country {country!r}; use an ISO 3166 code such as 'IR'"


def check_country(country: str) -> str:
    """The holiday calendar must exist (the holidays package would otherwise fail deep inside scoring)."""
    if country.upper() not in holidays.list_supported_countries():
        raise ValueError(_unknown_country(country))
    return country.upper()


def check_options(
    unit: str | None,
    timezone: str | None,
    country: str | None,
    calendar: str = "gregorian",
    threshold: float | None = None,
    peers: str = "auto",
    max_false_alarm: float | None = None,
) -> detector.ScoreOptions:
    """Upload options as one ``detector.ScoreOptions``, checked before the file is accepted (422 naming the field)."""
    try:
        return detector.ScoreOptions(
            unit=unit,
            tz=timezone,
            country=country,
            calendar=calendar,
            threshold=threshold,
            peers=peers,
            max_false_alarm=max_false_alarm,
        )
    except detector.InputValidationError as exc:
        field = _FORM_FIELDS.get(exc.field, exc.field)
        if exc.code == detector.ErrorCode.BAD_COUNTRY:
            detail = f"{field}: {_unknown_country(exc.value)}"
        else:
            detail = f"{field}: {request_terms(exc.reason, 'form')} (got {exc.value!r})"
        raise ProblemError(
            422, "invalid-input", "Invalid input", detail, field=field, value=exc.value, code=exc.code
        ) from exc


# The engine's phrases that name a Python argument -> how each kind of request names the same input.
_GIVE_TZ = "give tz (e.g. tz='Asia/Tehran')"
_ARGUMENT_PHRASES = {
    _GIVE_TZ: {
        "json": 'give timezone (e.g. "timezone": "Asia/Tehran")',
        "query": "give the timezone query parameter (e.g. timezone=Asia/Tehran)",
        "form": "give the timezone form field (e.g. Asia/Tehran)",
    },
    "pass unit= (e.g. 'kW')": {
        "json": 'give unit (e.g. "unit": "kW")',
        "query": "give the unit query parameter (e.g. unit=kW)",
        "form": "give the unit form field (e.g. kW)",
    },
}


def request_terms(message: str, kind: Literal["json", "query", "form"]) -> str:
    """``message`` with the engine's argument names (``tz=``, ``unit=``) as a ``kind`` request names them."""
    for python, named in _ARGUMENT_PHRASES.items():
        message = message.replace(python, named[kind])
    return message


def json_problem(exc: detector.InputValidationError) -> ProblemError:
    """An ingest error on a one-series JSON body: data row N is array index N - 1 (``values[16]: ...``)."""
    field = _JSON_FIELDS.get(exc.field, exc.field)
    index = exc.row - 1 if exc.row is not None else None
    where = f"{field}[{index}]" if index is not None else field
    reason = re.sub(r"\brow (\d+)", lambda m: f"{field}[{int(m.group(1)) - 1}]", request_terms(exc.reason, "json"))
    detail = f"{where}: {reason} (got {show(exc.value)})"
    if exc.more:
        detail += f"; {exc.more} more like this"
    return ProblemError(
        422, "invalid-input", "Invalid input", detail, field=field, index=index, value=exc.value, code=exc.code
    )


def csv_problem(exc: detector.InputValidationError) -> ProblemError:
    """An ingest error on a CSV body: 1-based data ``row``, the column (or query parameter) and the value.

    A body pandas cannot read at all is a 400, like malformed JSON; everything else a 422.
    """
    if exc.field == "path":
        return ProblemError(400, "malformed-csv", "Malformed CSV", f"body: {exc.reason}", field="body", code=exc.code)
    field = "timezone" if exc.field == "tz" else exc.field  # the query parameter's name
    where = f"row {exc.row}, " if exc.row is not None else ""
    detail = f"{where}field {field!r}: {request_terms(exc.reason, 'query')} (got {show(exc.value)})"
    if exc.more:
        detail += f"; {exc.more} more row{'s' if exc.more > 1 else ''} like this"
    extra = {"row": exc.row} if exc.row is not None else {}
    return ProblemError(
        422, "invalid-input", "Invalid input", detail, field=field, value=exc.value, extra=extra, code=exc.code
    )
