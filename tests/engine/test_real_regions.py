"""The new user's case on real regional load (issue 14): ERCOT's weather zones, Feb 2024 - Jan 2025.

A flat +5 % block (about 700 MW) switched on in ERCOT-COAST on 1 Aug 2024; the zones are posted together,
as an analyst posts a province. Without temperature, the other zones carry the weather.
"""

from __future__ import annotations

import pandas as pd
import pytest

import detector
from detector.scoring import MODEL_ERROR
from tests.conftest import SHARED_DATA

ERCOT = SHARED_DATA / "ercot_weather_zones.parquet"
pytestmark = pytest.mark.skipif(not ERCOT.exists(), reason="needs ../shared/data beside the project")
ONSET = pd.Timestamp("2024-08-01", tz="America/Chicago")


def _zones(start: str, end: str) -> pd.DataFrame:
    """ERCOT's eight weather zones (not their total) from ``start`` to ``end``, local dates."""
    raw = pd.read_parquet(ERCOT)
    local = raw.timestamp.dt.tz_convert("America/Chicago")
    return raw[(local >= start) & (local < end) & (raw.series_id != "ERCOT-TOTAL")].copy()


@pytest.fixture(scope="module")
def province() -> pd.DataFrame:
    frame = _zones("2024-02-01", "2025-02-01")
    coast = frame.series_id == "ERCOT-COAST"
    block = 0.05 * frame.loc[coast, "load"].mean()
    frame.loc[coast & (frame.timestamp >= ONSET), "load"] += block
    return frame


@pytest.fixture(scope="module")
def coast(province: pd.DataFrame) -> detector.ScoreReport:
    reports = {r.series_id: r for r in detector.score(province, unit="MW", country="US", tz="America/Chicago")}
    return reports["ERCOT-COAST"]


def test_the_block_is_found_on_its_day_with_the_other_zones_as_peers(coast: detector.ScoreReport) -> None:
    assert coast.peers
    assert "ERCOT-COAST" not in coast.peers
    assert coast.onset is not None
    assert abs((coast.onset - ONSET).total_seconds()) <= 24 * 3600  # not the January cold spell, not Beryl's eve
    assert coast.excess_interval is not None
    low, high = coast.excess_interval
    # Never narrower than the peers' model error (11 % of the estimate at 90 %): peers' fits are off by that much.
    assert (high - low) / 2 >= 1.645 * MODEL_ERROR["peers"] * coast.excess_load * 0.999
    assert coast.evidence[0].startswith("load rose by")
    assert not any(w.startswith("scored without temperature and without peers") for w in coast.warnings)


def test_the_block_is_flagged_at_the_default_threshold(coast: detector.ScoreReport) -> None:
    # Flagged since model 36130882 (0.79 against the threshold with peers 0.71; 0.31 under 0.61 before): with
    # peers, a one-year input's design leaves the season to them, and a smooth season took most of this block.
    assert coast.flagged


@pytest.mark.xfail(
    strict=True,
    reason="known miss (issue 14): read as 1.15 GW for 704 MW (models 36130882 to 132dc45e): without the smooth "
    "season, COAST's own season against its peers' goes into the block from August to January (one harmonic in the "
    "sizing fit reads 769 MW here but sizes ERCOT's held-out farms worse, 13.9 -> 18.8 %: BENCHMARKS.md, stop 45)",
)
def test_the_block_is_sized_within_a_quarter(province: pd.DataFrame, coast: detector.ScoreReport) -> None:
    block = 0.05 * province[province.series_id == "ERCOT-COAST"].load.mean()
    assert coast.excess_load == pytest.approx(block, rel=0.25)
    assert coast.excess_interval is not None
    low, high = coast.excess_interval
    assert low <= block <= high


def test_scored_alone_the_answer_says_it_had_neither_temperature_nor_peers(province: pd.DataFrame) -> None:
    coast = province[province.series_id == "ERCOT-COAST"]
    report = detector.score(coast, unit="MW", country="US", tz="America/Chicago")[0]
    assert report.peers == ()
    assert any(w.startswith("scored without temperature and without peers") for w in report.warnings)
    if not report.flagged:
        assert report.rigs == 0.0  # no rig count on an unflagged rise


def test_a_farm_switching_off_in_one_zone_is_not_a_rise_in_another() -> None:
    """July 2022 - June 2023: ERCOT-SCENT carries a farm of 30 % of its mean load from the window's start until
    15 Oct 2022 (a seasonal farm seen from mid-year). Through SCENT's coefficient in ERCOT-SOUTH's expected
    load, the farm switching off read as SOUTH's load rising on 14 Oct (a strict xfail until stop 66)."""
    frame = _zones("2022-07-01", "2023-07-01")
    off = pd.Timestamp("2022-10-15", tz="America/Chicago")
    scent = frame.series_id == "ERCOT-SCENT"
    frame.loc[scent & (frame.timestamp < off), "load"] += 0.3 * frame.loc[scent, "load"].mean()
    reports = {r.series_id: r for r in detector.score(frame, unit="MW", country="US", tz="America/Chicago")}
    south = reports["ERCOT-SOUTH"]
    assert not south.flagged
    assert "ERCOT-SCENT" not in south.peers
    assert south.onset is None or abs((south.onset - off).total_seconds()) > 7 * 24 * 3600


def test_a_rise_that_is_a_neighbours_farm_switching_off_names_that_neighbour() -> None:
    """The case above, as the answer tells it: SCENT's level fell apart from the other peers as SOUTH's "rise"
    switched on (15 Oct), so SOUTH was read again without it, and the answer says so (stop 66; until then SCENT
    stayed a peer and SOUTH read "rose by 871 MW on 14 Oct", 0.34)."""
    frame = _zones("2022-07-01", "2023-07-01")
    off = pd.Timestamp("2022-10-15", tz="America/Chicago")
    scent = frame.series_id == "ERCOT-SCENT"
    frame.loc[scent & (frame.timestamp < off), "load"] += 0.3 * frame.loc[scent, "load"].mean()
    reports = {r.series_id: r for r in detector.score(frame, unit="MW", country="US", tz="America/Chicago")}
    (warning,) = [w for w in reports["ERCOT-SOUTH"].warnings if w.startswith("not used as a peer")]
    assert warning.startswith(
        "not used as a peer: ERCOT-SCENT, whose load fell 24% of its mean below the other peers' as a rise here "
        "switched on (15 Oct 2022; the 28 days before against the 28 after)"
    )
    left_out = {sid: [w for w in r.warnings if w.startswith("not used as a peer")] for sid, r in reports.items()}
    assert sorted(sid for sid, w in left_out.items() if w) == ["ERCOT-EAST", "ERCOT-SOUTH", "ERCOT-WEST"]
    assert all(w.startswith("not used as a peer: ERCOT-SCENT, ") for ws in left_out.values() for w in ws)
    assert not reports["ERCOT-SCENT"].flagged  # its farm ends in the data, never starts: told, not flagged


def test_a_farm_of_the_series_own_leans_on_no_peer(coast: detector.ScoreReport) -> None:
    """The new user's +5 % block keeps over half its size whichever of COAST's peers leaves the design."""
    assert not [w for w in coast.warnings if w.startswith("the main rise leans on peer")]
