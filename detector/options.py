"""ScoreOptions: the options of one scoring run, checked once where the run starts.

Each edge (``detector.score``/``iter_scores``/``iter_signatures`` from their keyword arguments, the CLI's
flags, the API's fields, the Dask engine) builds one ``ScoreOptions``; the pipeline carries it through
its blocks, files and workers and never checks the zone, country, unit or calendar again.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from numbers import Real
from pathlib import PurePath
from typing import Any

from detector.errors import ErrorCode, InputValidationError
from detector.ingest import MIN_DAYS, Reading, Source
from detector.zones import calendar_country

PEERS_MODES = ("auto", "none")


@dataclass(frozen=True, slots=True)
class ScoreOptions:
    """How to read and score an input, checked on construction (``InputValidationError`` naming the field).

    ``unit``: W, kW, MW, GW or Wh, kWh, MWh, GWh (None: the input's ``unit`` column). ``tz``: IANA zone of
    naive timestamps and of the calendar (None: UTC). ``country``: holiday calendar, ISO 3166 (None: the
    zone's country, see ``holiday_country``). ``threshold``: flag at this probability (None: the model's).
    ``peers``: "auto", "none" (or None), or a table (DataFrame or path) to draw peers from, as in
    ``detector.iter_scores``. ``calendar``: how timestamps are written (gregorian, solar-hijri).
    ``min_days``: days of data a series needs. ``max_false_alarm``: flag where the answer's
    ``false_alarm_rate`` is at most this share (a false-alarm budget, e.g. 0.05) instead of at the model's
    operating point; not with ``threshold``.

    Resolved once: ``holiday_country`` (the calendar used) and ``country_note`` (where it came from when
    ``country`` was not given; it joins each report's warnings); ``reading``, the checked reading arguments.
    """

    unit: str | None = None
    tz: str | None = None
    country: str | None = None
    threshold: float | None = None
    peers: Source | None = "auto"
    calendar: str = "gregorian"
    min_days: float = MIN_DAYS
    max_false_alarm: float | None = None
    holiday_country: str = field(init=False, repr=False)
    country_note: str | None = field(init=False, repr=False)
    reading: Reading = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The order of the checks is the order scoring has always reported them in: zone, country, unit, calendar.
        country, note = calendar_country(self.country, self.tz)
        reading = Reading.check(self.unit, self.tz, self.calendar, self.min_days)
        _check_range("min_days", self.min_days, math.inf, "min_days must be a number of days >= 0")
        if self.threshold is not None:
            _check_range("threshold", self.threshold, 1.0, "threshold must be a probability in [0, 1]")
        if self.max_false_alarm is not None:
            reason = "max_false_alarm must be a share of clean loads in [0, 1] (0.05: 5 %)"
            _check_range("max_false_alarm", self.max_false_alarm, 1.0, reason)
            if self.threshold is not None:
                raise InputValidationError(
                    code=ErrorCode.CONFLICTING_OPTIONS,
                    field="max_false_alarm",
                    value=self.max_false_alarm,
                    reason="give threshold or max_false_alarm, not both",
                )
        _check_peers(self.peers)
        object.__setattr__(self, "country", country if self.country is not None else None)
        object.__setattr__(self, "holiday_country", country)
        object.__setattr__(self, "country_note", note)
        object.__setattr__(self, "reading", reading)


def _check_range(name: str, value: object, high: float, reason: str) -> None:
    """``value`` a real number in [0, ``high``] (NaN is not), else an ``InputValidationError`` on ``name``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputValidationError(code=ErrorCode.BAD_VALUE, field=name, value=value, reason=reason)
    if not 0.0 <= float(value) <= high:
        raise InputValidationError(code=ErrorCode.OUT_OF_RANGE, field=name, value=value, reason=reason)


def _check_peers(peers: object) -> None:
    """Peers are a mode, or a table: a DataFrame or a path (a path is read, and reported, as the input is)."""
    import pandas as pd

    if peers is None or isinstance(peers, str | PurePath | pd.DataFrame):
        return
    raise InputValidationError(
        code=ErrorCode.BAD_CHOICE,
        field="peers",
        value=peers,
        reason="peers must be 'auto', 'none', a table (DataFrame) or the path of one",
    )


_LOOSE_DEFAULTS = {f.name: f.default for f in dataclasses.fields(ScoreOptions) if f.init}


def options_from(options: ScoreOptions | None, **loose: Any) -> ScoreOptions:
    """``options``, or options built from the loose keyword arguments of a public call (checked here, once).

    With ``options`` given, a loose argument left at its default is ignored and one equal to the option is
    harmless; one that disagrees is a ``TypeError``: which of the two was meant is not for us to guess.
    """
    if options is None:
        return ScoreOptions(**loose)
    for name, value in loose.items():
        current = getattr(options, name)
        if name == "country" and isinstance(value, str):
            value = value.upper()
        if not (_same(value, _LOOSE_DEFAULTS[name]) or _same(value, current)):
            raise TypeError(
                f"{name}={value!r} disagrees with options.{name}={current!r}; give options= or {name}=, not both"
            )
    return options


def _same(a: object, b: object) -> bool:
    """Equal option values (tables only when they are the same object: comparing frames is no yes-or-no)."""
    plain = str | PurePath | Real
    return a is b or (isinstance(a, plain) and isinstance(b, plain) and a == b)
