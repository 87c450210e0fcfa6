"""Checks at the HTTP edge that the detector API leaves to its caller, and ingest errors in request terms."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

import detector
from detector.service.problems import ProblemError, show

# Ingest's column names -> the JSON fields of POST /v1/score.
_JSON_FIELDS = {"load": "values", "timestamp": "timestamps", "tz": "timezone"}


def check_country(country: str) -> str:
    """The holiday calendar must exist (the holidays package would otherwise fail deep inside scoring)."""
    if country.upper() not in holidays.list_supported_countries():
        raise ValueError(f"unknown holiday country {country!r}; use an ISO 3166 code such as 'IR'")
    return country.upper()


def check_options(unit: str | None, timezone: str | None, country: str) -> None:
    """Upload options, checked before the file is accepted (422 naming the field)."""
    if unit is not None and unit.strip().lower() not in {u.lower() for u in detector.UNITS}:
        raise ProblemError(
            422,
            "invalid-input",
            "Invalid input",
            f"unit: unknown unit; use one of {', '.join(detector.UNITS)} (got {unit!r})",
            field="unit",
            value=unit,
        )
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ProblemError(
                422,
                "invalid-input",
                "Invalid input",
                f"timezone: unknown time zone; use an IANA name such as 'Asia/Tehran' (got {timezone!r})",
                field="timezone",
                value=timezone,
            ) from exc
    try:
        check_country(country)
    except ValueError as exc:
        raise ProblemError(
            422, "invalid-input", "Invalid input", f"country: {exc}", field="country", value=country
        ) from exc


def json_problem(exc: detector.InputValidationError) -> ProblemError:
    """An ingest error on a one-series JSON body: data row N is array index N - 1 (``values[16]: ...``)."""
    field = _JSON_FIELDS.get(exc.field, exc.field)
    index = exc.row - 1 if exc.row is not None else None
    where = f"{field}[{index}]" if index is not None else field
    reason = re.sub(r"\brow (\d+)", lambda m: f"{field}[{int(m.group(1)) - 1}]", exc.reason)
    detail = f"{where}: {reason} (got {show(exc.value)})"
    if exc.more:
        detail += f"; {exc.more} more like this"
    return ProblemError(422, "invalid-input", "Invalid input", detail, field=field, index=index, value=exc.value)


def csv_problem(exc: detector.InputValidationError) -> ProblemError:
    """An ingest error on a CSV body: 1-based data ``row``, the column (or query parameter) and the value.

    A body pandas cannot read at all is a 400, like malformed JSON; everything else a 422.
    """
    if exc.field == "path":
        return ProblemError(400, "malformed-csv", "Malformed CSV", f"body: {exc.reason}", field="body")
    field = "timezone" if exc.field == "tz" else exc.field  # the query parameter's name
    where = f"row {exc.row}, " if exc.row is not None else ""
    detail = f"{where}field {field!r}: {exc.reason} (got {show(exc.value)})"
    if exc.more:
        detail += f"; {exc.more} more row{'s' if exc.more > 1 else ''} like this"
    extra = {"row": exc.row} if exc.row is not None else {}
    return ProblemError(422, "invalid-input", "Invalid input", detail, field=field, value=exc.value, extra=extra)
