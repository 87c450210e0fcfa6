"""What a claim says: the fleet, its start, its licence and curtailment rule; and the text forms of those rules.

``Claim`` is one claim as the library takes it (``Claim.check`` refuses what cannot be checked, naming the
field); ``ClaimRow`` is one row of a claims table. ``parse_hours``, ``parse_months`` and
``parse_curtail_months`` read the rules as people write them (``18-22``, ``6-9``, ``Tir-Shahrivar``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from detector.errors import ErrorCode, InputValidationError
from detector.ingest.solar_hijri import CALENDARS, month_number
from detector.rigs import RIGS


@dataclass(frozen=True, slots=True)
class Claim:
    """What a company or licence says runs at a place.

    Give the fleet as ``rigs`` with ``rig_model`` (a key of ``RIGS``) or ``kw_per_rig``, or as
    ``power_kw`` in total. ``start`` is a local date or time; ``uptime`` the claimed share of hours on.
    ``curtail_hours`` (local hours, e.g. 19..22) with ``curtail_share`` (1.0 = switch off), in the local
    months ``curtail_months`` (1..12; empty = all year, e.g. 6..9 for a summer peak rule), is a
    peak-hour curtailment the miner must honour; ``licensed_kw`` the capacity it may draw.
    ``curtail_calendar`` "solar-hijri": ``curtail_months`` are Solar Hijri months (4..6 = Tir to Shahrivar, which
    run from about 22 June to 22 September), matched by each local day's Solar Hijri date.
    """

    start: str | pd.Timestamp
    rigs: float | None = None
    rig_model: str | None = None
    kw_per_rig: float | None = None
    power_kw: float | None = None
    uptime: float = 1.0
    licensed_kw: float | None = None
    curtail_hours: tuple[int, ...] = ()
    curtail_share: float = 1.0
    curtail_months: tuple[int, ...] = ()
    dedicated: bool = False
    curtail_calendar: str = "gregorian"  # the calendar of curtail_months: gregorian or solar-hijri

    def rig_kw(self, rig_table: dict[str, float] | None = None) -> float:
        """kW per rig: ``kw_per_rig``, else the table's entry for ``rig_model``, else an S19's."""
        if self.kw_per_rig is not None:
            return self.kw_per_rig
        table = rig_table or RIGS
        if self.rig_model is None:
            return table.get("S19", RIGS["S19"])
        for name, kw in table.items():
            if name.replace(" ", "").lower() == self.rig_model.replace(" ", "").lower():
                return kw
        raise InputValidationError(
            code=ErrorCode.BAD_CHOICE,
            field="rig_model",
            value=self.rig_model,
            reason=f"unknown rig model; known: {', '.join(table)}",
        )

    def check(self) -> None:
        """Refuse claims that cannot be checked, naming the field."""
        if (self.rigs is None) == (self.power_kw is None):
            raise InputValidationError(
                code=ErrorCode.CONFLICTING_OPTIONS,
                field="rigs",
                value=self.rigs,
                reason="give either the number of rigs or the total power_kw",
            )
        positive = {"rigs": self.rigs, "kw_per_rig": self.kw_per_rig, "power_kw": self.power_kw}
        positive["licensed_kw"] = self.licensed_kw
        for name, value in positive.items():
            if value is not None and not (math.isfinite(value) and value > 0):
                raise InputValidationError(
                    code=ErrorCode.OUT_OF_RANGE, field=name, value=value, reason="must be a positive number"
                )
        for name, value in (("uptime", self.uptime), ("curtail_share", self.curtail_share)):
            if not (math.isfinite(value) and 0 < value <= 1):
                raise InputValidationError(
                    code=ErrorCode.OUT_OF_RANGE, field=name, value=value, reason="must be a share in (0, 1]"
                )
        bad = [h for h in self.curtail_hours if not 0 <= h <= 23]
        if bad:
            raise InputValidationError(
                code=ErrorCode.OUT_OF_RANGE, field="curtail_hours", value=bad[0], reason="hours must be 0..23 (local)"
            )
        bad_months = [m for m in self.curtail_months if not 1 <= m <= 12]
        if bad_months:
            raise InputValidationError(
                code=ErrorCode.OUT_OF_RANGE, field="curtail_months", value=bad_months[0], reason="months must be 1..12"
            )
        if self.curtail_calendar not in CALENDARS:
            raise InputValidationError(
                code=ErrorCode.BAD_CALENDAR,
                field="curtail_calendar",
                value=self.curtail_calendar,
                reason=f"calendar must be one of {', '.join(CALENDARS)}",
            )
        if len(set(self.curtail_hours)) >= 24:
            raise InputValidationError(
                code=ErrorCode.OUT_OF_RANGE,
                field="curtail_hours",
                value=len(self.curtail_hours),
                reason="curtailment cannot cover all 24 hours",
            )
        try:
            pd.Timestamp(self.start)
        except (ValueError, TypeError) as exc:
            raise InputValidationError(
                code=ErrorCode.BAD_TIMESTAMP,
                field="start",
                value=self.start,
                reason="not a date or time (use ISO 8601, e.g. 2023-05-01)",
            ) from exc

    def claimed_kw(self, rig_table: dict[str, float] | None = None) -> float:
        """Mean power the claim implies: rigs × kW per rig × uptime (or power_kw × uptime)."""
        total = self.power_kw if self.power_kw is not None else float(self.rigs or 0) * self.rig_kw(rig_table)
        return total * self.uptime


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """One row of a claims table: which series, the claim, and its peers (ids, or every other series)."""

    claim_id: str
    series_id: str
    claim: Claim
    peers: tuple[str, ...] | Literal["all"] = ()


def _cyclic(text: str | None, first: int, count: int, inclusive: bool, field: str, hint: str) -> tuple[int, ...]:
    """Values of a cycle (hours 0..23, months 1..12) from ``a-b`` ranges, which may wrap, or single values.

    Only the numbers' parsing is guarded: a range end outside the cycle is refused by name (which end, which
    bounds), and anything else that goes wrong here is a bug, never read as the user's bad input.
    """
    if not text or not str(text).strip():
        return ()
    last_start, last_end = first + count - 1, first + count - int(inclusive)  # hours 18-24 end at midnight
    values: list[int] = []
    for part in str(text).split(","):
        try:
            ends = [int(v) for v in part.split("-", 1)]
        except ValueError:
            raise InputValidationError(code=ErrorCode.BAD_VALUE, field=field, value=text, reason=hint) from None
        if len(ends) == 1:
            values += ends
            continue
        a, b = ends
        if not first <= a <= last_start:
            reason = f"range {part.strip()!r} starts at {a}, outside {first}..{last_start}; {hint}"
            raise InputValidationError(code=ErrorCode.OUT_OF_RANGE, field=field, value=text, reason=reason)
        if not first <= b <= last_end:
            reason = f"range {part.strip()!r} ends at {b}, outside {first}..{last_end}; {hint}"
            raise InputValidationError(code=ErrorCode.OUT_OF_RANGE, field=field, value=text, reason=reason)
        start, stop = a - first, b - first + int(inclusive)
        values += [first + (start + i) % count for i in range((stop - start) % count or count)]
    return tuple(sorted(set(values)))


def parse_hours(text: str | None) -> tuple[int, ...]:
    """Local hours from ``18-22`` (18:00 to 22:00, i.e. hours 18..21), ``23-2`` (across midnight) or ``18,19``."""
    return _cyclic(text, 0, 24, False, "curtail_hours", "use local hours like 18-22 or 18,19,20,21")


def parse_months(text: str | None) -> tuple[int, ...]:
    """Months 1..12 from ``6-9`` (June to September, inclusive), ``11-2`` (across the new year) or ``6,7,8``."""
    return _cyclic(text, 1, 12, True, "curtail_months", "use months like 6-9 or 6,7,8 (1 = January)")


_PERSIAN_HINT = "use Solar Hijri month names like Tir-Shahrivar or Tir,Mordad (Farvardin to Esfand)"


def parse_curtail_months(text: str | None) -> tuple[tuple[int, ...], str]:
    """Months and their calendar: Gregorian numbers (``6-9``, as ``parse_months``) or Solar Hijri month names
    (``Tir-Shahrivar``, ``Dey-Farvardin`` across Nowruz, ``Tir,Mordad``; case-insensitive, common spellings).

    Names give Solar Hijri month numbers (Tir = 4): the rule is then matched by Solar Hijri date, since those
    months begin around the 21st-23rd of Gregorian ones. Names and numbers in one rule are an error.
    """
    if text is None or not re.search(r"[^\d\s,\-]", str(text)):
        return parse_months(text), "gregorian"
    numbers = []
    for token in re.split(r"([,\-])", str(text)):
        if token in (",", "-"):
            numbers.append(token)
            continue
        month = month_number(token)
        if month is None:
            raise InputValidationError(
                code=ErrorCode.BAD_VALUE, field="curtail_months", value=text, reason=_PERSIAN_HINT
            )
        numbers.append(str(month))
    return _cyclic("".join(numbers), 1, 12, True, "curtail_months", _PERSIAN_HINT), "solar-hijri"
