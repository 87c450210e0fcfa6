"""The headline benchmark's data: real zone-years with independently injected events, grouped into provinces.

A province is every zone of one source in one local calendar year (PJM 2014-2017, ERCOT 2016-2024, GEFCom2012
2004-2007), as an analyst would post them together. Each round gives every zone one event from
``injector`` (mining 40 %, a look-alike 40 %, clean 20 %; sizes on a fixed grid); in a third of the rounds the
province's farms all switch on the same day. Only HELD-OUT zones (never in the model's training) are scored
and counted; the training zones are in the province as peers, with their own events. Seeds >= 5000.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from data_home import data_file  # type: ignore[import-not-found]
from injector import LOOKALIKES, MINING, REGION_SIZES, SMALL_ZONE_SIZES, Injected, inject  # type: ignore[import-not-found]

# The command-line option of the scripts that inject (shapes.py, feature_screen.py): whole units by default.
WholeUnits = Annotated[
    bool,
    typer.Option(
        "--whole-units/--fractions",
        help="whole-unit loads stay whole after injection (injector); --fractions: the blocks of stops 1-42",
    ),
]


@dataclass(frozen=True, slots=True)
class Source:
    file: str
    unit: str
    tz: str
    zones: tuple[str, ...]  # every zone in the province (ERCOT-TOTAL is their sum: left out)
    held_out: tuple[str, ...]  # the zones that are scored and counted
    years: tuple[int, ...]
    sizes: tuple[float, ...]


SOURCES: dict[str, Source] = {
    "pjm": Source(
        "pjm_regions.parquet",
        "MW",
        "America/New_York",
        ("PJM-AEP", "PJM-COMED", "PJM-DEOK", "PJM-DOM", "PJM-DUQ", "PJM-EKPC", "PJM-PJME"),
        ("PJM-DEOK", "PJM-DUQ", "PJM-EKPC", "PJM-PJME"),
        (2014, 2015, 2016, 2017),
        REGION_SIZES,
    ),
    "ercot": Source(
        "ercot_weather_zones.parquet",
        "MW",
        "America/Chicago",
        tuple(f"ERCOT-{z}" for z in ("COAST", "EAST", "FWEST", "NCENT", "NORTH", "SCENT", "SOUTH", "WEST")),
        ("ERCOT-NCENT", "ERCOT-SOUTH", "ERCOT-SCENT", "ERCOT-WEST"),
        tuple(range(2016, 2025)),
        REGION_SIZES,
    ),
    # GEF12-Z10 steps up ~3x in 2008 (a real anomaly); years 2004-2007 are before it, so it stays as a peer.
    "gefcom": Source(
        "gefcom2012_zones.parquet",
        "kW",
        "Etc/GMT+5",
        tuple(f"GEF12-Z{z:02d}" for z in range(1, 21)),
        tuple(f"GEF12-Z{z:02d}" for z in range(11, 21)),
        (2004, 2005, 2006, 2007),
        SMALL_ZONE_SIZES,
    ),
}


@dataclass(frozen=True, slots=True, eq=False)
class Province:
    source: str
    year: int
    round: int
    loads: pd.DataFrame  # series_id, timestamp, load (+ temperature): every zone, events injected
    truth: pd.DataFrame  # one row per counted zone (HELD-OUT, or every zone of split 'train')
    unit: str
    tz: str
    days: int
    # Every zone's event (``_truth``'s columns), the peers' too: what a peer's own event did to an answer's rise
    # (``peer_events.peer_event_near``). Empty for a province built without it.
    events: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)


def _wide(src: Source) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    raw = pd.read_parquet(data_file(src.file))
    raw = raw[raw.series_id.isin(src.zones)]
    load = raw.pivot_table(index="timestamp", columns="series_id", values="load").resample("h").mean()
    temp = None
    if "temperature" in raw:
        temp = raw.pivot_table(index="timestamp", columns="series_id", values="temperature").resample("h").mean()
    return load, temp


START_MONTHS = (1, 4, 7, 10)  # the windows' starts that ``--start-month all`` pools


def start_months(choice: str) -> tuple[int, ...]:
    """The start months a ``--start-month`` value names: "all" is ``START_MONTHS``, else the one month."""
    return START_MONTHS if choice == "all" else (int(choice),)


def start_suffix(month: int) -> str:
    """The suffix of a benchmark's files for windows starting in ``month``: none for January, else ``_m<month>``
    (``headline_365d_m7.json``, the rows file ``rows_m7.csv``)."""
    return f"_m{month}" if month != 1 else ""


def _windows(src: Source, days: int, start_month: int) -> Iterator[tuple[int, pd.DataFrame, pd.DataFrame | None]]:
    """Each year's window of ``days`` from the first of ``start_month`` (local): year, loads, temperatures."""
    wide, temps = _wide(src)
    years = src.years if days <= 366 else src.years[:-1]
    for year in years:
        local = wide.index.tz_convert(src.tz)
        lo = pd.Timestamp(year=year, month=start_month, day=1, tz=src.tz)
        hi = lo + pd.DateOffset(days=days)
        keep = (local >= lo) & (local < hi)
        window = wide[keep].interpolate(limit=3)
        twin = temps[keep].interpolate(limit=3) if temps is not None else None
        if len(window) >= 0.95 * days * 24:
            yield year, window, twin


def _zones(
    src: Source, window: pd.DataFrame, twin: pd.DataFrame | None
) -> Iterator[tuple[str, np.ndarray, np.ndarray | None]]:
    """Each zone with at most 5 % of its window missing: its load and temperature (None without one)."""
    for zone in src.zones:
        base = window[zone].to_numpy(float)
        if np.isnan(base).mean() <= 0.05:
            yield zone, base, twin[zone].to_numpy(float) if twin is not None else None


def _truth(ev: Injected, zone: str, source: str, year: int, r: int, base: np.ndarray, same_day: bool) -> dict:
    """The truth row of one zone's event (``Province.events``; the counted zones' are ``Province.truth``)."""
    return {
        "series_id": zone,
        "source": source,
        "year": year,
        "round": r,
        "scenario": ev.scenario,
        "label": ev.label,
        "size": ev.size,
        "start": ev.start,
        "end": ev.end,
        "excess": ev.excess,
        "mean_load": float(np.nanmean(base)),
        "same_day": same_day,
    }


def _split_source(name: str, split: str) -> Source:
    """``SOURCES[name]`` as a split sees it: "held_out" as it is, "train" its TRAINING zones only, every one counted."""
    if split not in ("held_out", "train"):
        raise ValueError(f"split must be 'held_out' or 'train', not {split!r}")
    src = SOURCES[name]
    if split == "held_out":
        return src
    train = tuple(z for z in src.zones if z not in src.held_out)
    return dataclasses.replace(src, zones=train, held_out=train)


HEADLINE_SEED = 5000  # the headline's draw of events; training and calibration draws use other seeds


def provinces(
    rounds: int = 3,
    sources: tuple[str, ...] = tuple(SOURCES),
    days: int = 365,
    seed: int = HEADLINE_SEED,
    start_month: int = 1,
    split: str = "held_out",
    whole_units: bool = True,
    years: tuple[int, ...] | None = None,
) -> Iterator[Province]:
    """Every province-year of ``sources``, ``rounds`` times with fresh events. ``days`` = 730: two-year windows.

    ``split`` "train" gives provinces of the TRAINING zones only (every zone counted, the held-out ones not even
    peers): the headline's injector on the bases the model was fitted on, for setting what is not learned
    (the width of ``excess_load``'s interval, ``interval_factor.py``) without touching a held-out zone. Use
    another ``seed`` than the headline's.

    ``start_month`` 7 starts each window on 1 July of the year instead of 1 January: the same zones and events
    with the winter in the middle of the window (a check that the engine does not lean on calendar years).

    ``whole_units`` (the default): loads in whole units stay in whole units after injection (``injector``'s
    docstring); False gives the fractional blocks of stops 1-42.

    ``years`` replaces each source's years (a year whose window the data does not hold is skipped): PJM's zones of
    2006-2013 were never read by a decision, unlike the headline's 2014-2017 (``headline.py --years``).
    """
    for si, name in enumerate(sources):
        src = _split_source(name, split)
        if years is not None:
            src = dataclasses.replace(src, years=years)
        for year, window, twin in _windows(src, days, start_month):
            for r in range(rounds):
                rng = np.random.default_rng(seed + 100_000 * si + 100 * year + r)
                same_day = rng.random() < 1 / 3
                shared_onset = int(rng.integers(int(0.15 * len(window)), int(0.75 * len(window))))
                frames, truth, events = [], [], []
                for zone, base, temp in _zones(src, window, twin):
                    u = rng.random()
                    if u < 0.4:
                        scenario = MINING[int(rng.integers(len(MINING)))]
                    elif u < 0.8:
                        scenario = LOOKALIKES[int(rng.integers(len(LOOKALIKES)))]
                    else:
                        scenario = "clean"
                    size = float(src.sizes[int(rng.integers(len(src.sizes)))])
                    onset = shared_onset + int(rng.integers(0, 24)) if same_day and scenario in MINING else None
                    ev = inject(base, window.index, src.tz, scenario, size, rng, temp, onset, whole_units=whole_units)
                    frame = pd.DataFrame({"series_id": zone, "timestamp": window.index, "load": ev.load})
                    if ev.temperature is not None:
                        frame["temperature"] = ev.temperature
                    frames.append(frame)
                    row = _truth(ev, zone, name, year, r, base, same_day)
                    events.append(row)
                    if zone in src.held_out:
                        truth.append(row)  # built apart: a frame of the counted rows alone keeps None, not NaT
                yield Province(
                    name,
                    year,
                    r,
                    pd.concat(frames, ignore_index=True),
                    pd.DataFrame(truth),
                    src.unit,
                    src.tz,
                    days,
                    pd.DataFrame(events),
                )


@dataclass(frozen=True, slots=True, eq=False)
class ShapeCase:
    """One held-out zone-year and size with each mining shape injected in turn (``shape_cases``)."""

    source: str
    year: int
    size_index: int  # the size's index in the source's grid
    targets: dict[str, tuple[pd.DataFrame, dict]]  # shape -> (the zone's long frame, its truth row)
    peers: pd.DataFrame  # the province's other zones, long, with events of their own (``provinces(rounds=1)``)
    unit: str
    tz: str


def shape_cases(
    sources: tuple[str, ...] = tuple(SOURCES),
    days: int = 365,
    seed: int = 7000,
    start_month: int = 1,
    shapes: tuple[str, ...] = MINING,
    split: str = "held_out",
    whole_units: bool = True,
) -> Iterator[ShapeCase]:
    """Paired cases for comparing the mining shapes (``shapes.py``): every held-out zone-year of the headline, at every
    size of its grid, with each shape injected in turn into its clean load, from the same onset and the same random
    stream for the farm's noise. Its peers are the other zones of one province drawn as the headline draws them
    (``provinces(rounds=1)`` for this source alone: events of their own; for PJM, first in ``SOURCES``, the
    headline's round 0, for the others draws of their own), the same for every shape. The shapes then differ in
    nothing but their shape: the headline gives each zone-year one shape and one size, so its shapes differ in zones
    and sizes too.

    ``split`` "train": the same cases on the TRAINING zones, each with the other training zones as peers (the
    held-out ones are not even peers, as in ``provinces``), for screening a feature before any retraining
    (``feature_screen.py``); use another ``seed`` than the held-out cases'. ``shapes`` may hold look-alikes too.
    ``whole_units`` as in ``provinces``.
    """
    for name in sources:
        src = _split_source(name, split)
        si = list(SOURCES).index(name)  # the source's own stream, whichever sources are asked for
        rounds = provinces(
            rounds=1, sources=(name,), days=days, start_month=start_month, split=split, whole_units=whole_units
        )
        for (year, window, twin), prov in zip(_windows(src, days, start_month), rounds, strict=True):
            n = len(window)
            for zi, (zone, base, temp) in enumerate(_zones(src, window, twin)):
                if zone not in src.held_out:
                    continue
                for k, size in enumerate(src.sizes):
                    draw = np.random.default_rng(seed + 100_000 * si + 1000 * year + 10 * zi + k)
                    onset, stream = int(draw.integers(int(0.1 * n), int(0.8 * n))), int(draw.integers(2**31))
                    targets = {}
                    for scenario in shapes:
                        rng = np.random.default_rng(stream)
                        ev = inject(base, window.index, src.tz, scenario, size, rng, temp, onset, whole_units)
                        frame = pd.DataFrame({"series_id": zone, "timestamp": window.index, "load": ev.load})
                        if ev.temperature is not None:
                            frame["temperature"] = ev.temperature
                        targets[scenario] = (frame, _truth(ev, zone, name, year, k, base, same_day=False))
                    peers = prov.loads[prov.loads.series_id != zone]
                    yield ShapeCase(name, year, k, targets, peers, src.unit, src.tz)
