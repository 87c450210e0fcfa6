"""A block that was on before the data begins and switched off inside it (a seasonal farm seen from July, a
raided farm): only its switch-off is in the data, and the answer says so instead of inventing a switch-on."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import detector
from detector import simulate
from detector.features.calendar import CalendarSpec, grid_calendar
from detector.models.changepoint import Box
from detector.models.signature import lead_share
from detector.scoring import ALREADY_ON_WARNING, _before_data_warning
from tests.conftest import SHARED_DATA

OFF_DAY = 120


def _feeder(block_until: int | None, block_from: int = 0) -> tuple[pd.DataFrame, float]:
    s = simulate.make_series("f", kind="feeder", scenario="clean", days=365, rng=np.random.default_rng(3))
    load = np.asarray(s.load, dtype=float).copy()
    day = np.arange(len(load)) // 24
    block = 0.25 * float(load.mean())
    on = (day >= block_from) & (day < (block_until if block_until is not None else len(load)))
    load[on] += block
    frame = pd.DataFrame({"series_id": "f", "timestamp": s.index, "load": load, "temperature": s.temperature})
    return frame, block


def test_a_block_on_from_the_first_reading_is_reported_from_there_with_a_warning() -> None:
    frame, block = _feeder(OFF_DAY)
    (report,) = detector.score(frame, unit="kW", tz="Asia/Tehran", peers="none")
    assert report.flagged, report
    assert report.onset == frame.timestamp.iloc[0]  # the first reading: the switch-on is not in the data
    assert report.end is not None
    assert abs((report.end - frame.timestamp.iloc[OFF_DAY * 24]).total_seconds()) <= 2 * 86400
    assert report.excess_load == pytest.approx(block, rel=0.25)
    assert report.evidence[0].startswith("load was ")
    assert "above expected from the start of the data" in report.evidence[0]
    assert ALREADY_ON_WARNING in report.warnings


def test_a_block_switched_on_inside_the_data_carries_no_such_warning() -> None:
    frame, _ = _feeder(None, block_from=200)
    (report,) = detector.score(frame, unit="kW", tz="Asia/Tehran", peers="none")
    assert report.flagged
    assert report.evidence[0].startswith("load rose by")
    assert ALREADY_ON_WARNING not in report.warnings


ERCOT = SHARED_DATA / "ercot_weather_zones.parquet"
SWITCH_OFF = pd.Timestamp("2023-10-15", tz="America/Chicago")


@pytest.mark.skipif(not ERCOT.exists(), reason="needs ../shared/data beside the project")
@pytest.mark.parametrize(("zone", "size"), [("ERCOT-SOUTH", 0.10), ("ERCOT-SCENT", 0.20)])
def test_a_seasonal_farm_on_when_a_real_july_window_begins_is_found_by_its_switch_off(zone: str, size: float) -> None:
    """A held-out real zone from 1 July 2023, no temperature, no peers: a farm on from before July to 15 October.

    Measured at stop 35 (model 0aef0756): placed from the first reading to its switch-off (SOUTH 3 days early, SCENT
    to the day), sized 512 MW for 427 and 1.71 GW for 1.81, but scored 0.42 and 0.75, under the alone threshold
    (0.855): found and told, not flagged.
    """
    raw = pd.read_parquet(ERCOT)
    local = raw.timestamp.dt.tz_convert("America/Chicago")
    frame = raw[(local >= "2023-07-01") & (local < "2024-07-01") & (raw.series_id == zone)].copy()
    block = size * float(frame.load.mean())
    frame.loc[frame.timestamp < SWITCH_OFF, "load"] += block
    (report,) = detector.score(frame, unit="MW", country="US", tz="America/Chicago", peers="none")
    assert report.onset == frame.timestamp.iloc[0]
    assert report.end is not None
    assert abs((report.end - SWITCH_OFF).total_seconds()) <= 3 * 86400
    assert report.excess_load == pytest.approx(block, rel=0.25)
    assert "above expected from the start of the data (01 Jul 2023)" in report.evidence[0]
    assert ALREADY_ON_WARNING in report.warnings


@pytest.fixture(scope="module")
def july_province() -> tuple[dict[str, detector.ScoreReport], float]:
    """ERCOT's eight weather zones from 1 July 2023, posted together; ERCOT-SOUTH carries a farm of 20 % of its
    mean load (830 MW) from before the data to 15 October. The answers by zone, and the farm's power."""
    raw = pd.read_parquet(ERCOT)
    local = raw.timestamp.dt.tz_convert("America/Chicago")
    frame = raw[(local >= "2023-07-01") & (local < "2024-07-01") & (raw.series_id != "ERCOT-TOTAL")].copy()
    south = frame.series_id == "ERCOT-SOUTH"
    block = 0.2 * float(frame.loc[south, "load"].mean())
    frame.loc[south & (frame.timestamp < SWITCH_OFF), "load"] += block
    return {r.series_id: r for r in detector.score(frame, unit="MW", country="US", tz="America/Chicago")}, block


def _before_data(report: detector.ScoreReport) -> list[str]:
    return [w for w in report.warnings if w.startswith("load ran") and "above what its peers explain" in w]


@pytest.mark.skipif(not ERCOT.exists(), reason="needs ../shared/data beside the project")
def test_with_peers_a_farm_on_before_the_data_is_told_in_a_warning(
    july_province: tuple[dict[str, detector.ScoreReport], float],
) -> None:
    """With peers the search looks only for blocks switched on inside the data (a block on from the first day,
    offered to the trees, cost the January headline; BENCHMARKS.md, stop 40). The answer still tells the analyst
    what the load did: SOUTH ran high against its peers until the farm switched off. Measured at stop 40 (model
    0bcbc33b): told as 498 MW for 830 (the peers' fit takes part of a block that is on from the first day), score
    0.11, not flagged; no other zone told."""
    reports, block = july_province
    south = reports["ERCOT-SOUTH"]
    assert south.peers
    (told,) = _before_data(south)
    assert "from the start of the data until 15 Oct 2023, then fell" in told
    # The box the score weighs is the same run, found a week in (the next test): the warning says so.
    assert told.endswith(
        "scored only from 08 Jul 2023, where the search, which looks only for blocks switched on inside the data, "
        "found it"
    )
    power, unit = told.split("load ran ")[1].split(" ")[:2]
    assert unit == "MW"
    assert 0.4 * block <= float(power) <= 1.25 * block
    assert [sid for sid, r in reports.items() if _before_data(r)] == ["ERCOT-SOUTH"]


@pytest.mark.skipif(not ERCOT.exists(), reason="needs ../shared/data beside the project")
def test_with_peers_a_farm_found_a_week_in_but_on_before_is_not_told_as_a_rise(
    july_province: tuple[dict[str, detector.ScoreReport], float],
) -> None:
    """The search with peers needs a week before a step, so it finds SOUTH's farm from 8 July. Until stop 48 the
    evidence said "load rose by 462 MW on 08 Jul 2023" beside the warning that it ran high from the first day;
    the 7 days before ran at 104 % of the step, and the answer now says so, from the first reading."""
    reports, _ = july_province
    south = reports["ERCOT-SOUTH"]
    lead = south.evidence[0]
    assert lead.startswith("load was ")
    assert (
        "above expected from the start of the data (01 Jul 2023: the search, which needs a week before a step, " in lead
    )
    assert "found it from 08 Jul 2023, and the 7 days before ran at " in lead
    share = int(lead.split("days before ran at ")[1].split("%")[0])
    assert share >= 50
    assert lead.endswith("stayed on until 15 Oct 2023")
    assert south.onset == south.segments[0].start == pd.Timestamp("2023-07-01", tz="America/Chicago")
    assert ALREADY_ON_WARNING in south.warnings


@pytest.mark.skipif(not ERCOT.exists(), reason="needs ../shared/data beside the project")
def test_with_peers_a_farm_switched_on_in_the_second_week_is_told_as_a_rise_that_day() -> None:
    """The same test must not take a real switch-on near the start for a block already on: ERCOT-COAST from
    February 2024 with the other zones, a farm of 10 % of its mean load from 9 February to 1 September."""
    raw = pd.read_parquet(ERCOT)
    local = raw.timestamp.dt.tz_convert("America/Chicago")
    frame = raw[(local >= "2024-02-01") & (local < "2025-02-01") & (raw.series_id != "ERCOT-TOTAL")].copy()
    coast = frame.series_id == "ERCOT-COAST"
    on, off = (pd.Timestamp(d, tz="America/Chicago") for d in ("2024-02-09", "2024-09-01"))
    frame.loc[coast & (frame.timestamp >= on) & (frame.timestamp < off), "load"] += (
        0.1 * frame.loc[coast, "load"].mean()
    )
    reports = {r.series_id: r for r in detector.score(frame, unit="MW", country="US", tz="America/Chicago")}
    report = reports["ERCOT-COAST"]
    assert report.peers
    assert report.evidence[0].startswith("load rose by ")
    assert " on 09 Feb 2024 and stayed on until " in report.evidence[0]
    assert report.onset is not None
    assert abs((report.onset - on).total_seconds()) <= 24 * 3600
    assert ALREADY_ON_WARNING not in report.warnings


def test_scored_alone_a_block_on_before_the_data_is_searched_not_told() -> None:
    frame, _ = _feeder(OFF_DAY)
    (report,) = detector.score(frame, unit="kW", tz="Asia/Tehran", peers="none")
    assert ALREADY_ON_WARNING in report.warnings  # alone, the search itself takes it
    assert not _before_data(report)


def test_the_days_before_a_box_found_in_the_first_two_weeks_are_measured_as_a_share_of_its_step() -> None:
    resid = np.r_[np.full(7, 0.09), np.full(3, np.nan), np.full(50, 0.1)]
    assert lead_share(resid, 10, 0.1) == (7, pytest.approx(0.9))  # NaN days are not counted
    assert lead_share(np.r_[np.zeros(8), np.full(50, 0.1)], 8, 0.1) == (8, 0.0)  # switched on where found
    assert lead_share(resid, 0, 0.1) is None  # on from the first day: nothing before it
    assert lead_share(np.full(60, 0.1), 15, 0.1) is None  # found more than two weeks in: the scan chose it
    assert lead_share(np.r_[np.nan, np.nan, 0.1, np.full(50, 0.1)], 3, 0.1) is None  # too few days seen


def test_the_before_data_warning_says_whether_the_score_weighs_the_run_and_from_when() -> None:
    start = pd.Timestamp("2023-07-01 05:00", tz="UTC")
    series = SimpleNamespace(start=start, unit="MW", tz="America/Chicago")
    cal = grid_calendar(start, 365 * 24, CalendarSpec(tz="America/Chicago", country="US"))
    run = Box(0, 106, 0.11, 10.2, 0.03, 0.4)  # on from the first day to 15 Oct, 11 % of a mean of 4,500 MW
    unscored = _before_data_warning(series, run, 4500.0, cal, "US")  # type: ignore[arg-type]
    assert unscored == (
        "load ran 495 MW (11% of mean) above what its peers explain from the start of the data until 15 Oct 2023, "
        "then fell (t = 10.2): a block switched on before the data begins and off on that day would look like this, "
        "and so would a series that ran high against its peers; not part of the score, which looks only for blocks "
        "switched on inside the data"
    )
    late = _before_data_warning(series, run, 4500.0, cal, "US", found=7)  # type: ignore[arg-type]
    assert late.endswith(
        "peers; scored only from 08 Jul 2023, where the search, which looks only for blocks switched on inside the "
        "data, found it"
    )
