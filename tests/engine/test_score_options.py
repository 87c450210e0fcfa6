"""ScoreOptions: every scoring option checked once, with known messages; the pipeline then trusts it."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import pandas as pd
import pytest

import detector
from detector import ErrorCode, InputValidationError, ScoreOptions
from detector.ingest import Reading

REGIONS = Path(__file__).parents[2] / "sample_data" / "tehran_regions.parquet"


@pytest.mark.parametrize(
    ("options", "code", "message"),
    [
        (
            {"tz": "Mars/Olympus"},
            ErrorCode.BAD_ZONE,
            "field 'tz': unknown time zone; use an IANA name such as 'Asia/Tehran' (got 'Mars/Olympus')",
        ),
        (
            {"country": "ZZ"},
            ErrorCode.BAD_COUNTRY,
            "field 'country': unknown holiday country; use an ISO 3166 code such as 'IR' or 'US' (got 'ZZ')",
        ),
        (
            {"unit": "furlongs"},
            ErrorCode.BAD_UNIT,
            "field 'unit': unknown unit; use one of W, kW, MW, GW, Wh, kWh, MWh, GWh (got 'furlongs')",
        ),
        (
            {"threshold": 1.5},
            ErrorCode.OUT_OF_RANGE,
            "field 'threshold': threshold must be a probability in [0, 1] (got 1.5)",
        ),
        (
            {"threshold": math.nan},
            ErrorCode.OUT_OF_RANGE,
            "field 'threshold': threshold must be a probability in [0, 1] (got nan)",
        ),
        (
            {"threshold": "0.5"},
            ErrorCode.BAD_VALUE,
            "field 'threshold': threshold must be a probability in [0, 1] (got '0.5')",
        ),
        (
            {"max_false_alarm": 5},
            ErrorCode.OUT_OF_RANGE,
            "field 'max_false_alarm': max_false_alarm must be a share of clean loads in [0, 1] (0.05: 5 %) (got 5)",
        ),
        (
            {"max_false_alarm": 0.05, "threshold": 0.5},
            ErrorCode.CONFLICTING_OPTIONS,
            "field 'max_false_alarm': give threshold or max_false_alarm, not both (got 0.05)",
        ),
        (
            {"peers": 3},
            ErrorCode.BAD_CHOICE,
            "field 'peers': peers must be 'auto', 'none', a table (DataFrame) or the path of one (got 3)",
        ),
        (
            {"calendar": "julian"},
            ErrorCode.BAD_CALENDAR,
            "field 'calendar': calendar must be one of gregorian, solar-hijri (got 'julian')",
        ),
        (
            {"calendar": "solar-hijri"},
            ErrorCode.BAD_CALENDAR,
            "field 'calendar': Solar Hijri timestamps are local time: give tz (e.g. tz='Asia/Tehran') "
            "(got 'solar-hijri')",
        ),
        (
            {"min_days": -1},
            ErrorCode.OUT_OF_RANGE,
            "field 'min_days': min_days must be a number of days >= 0 (got -1)",
        ),
    ],
)
def test_a_bad_option_is_refused_naming_field_and_value(
    options: dict[str, object], code: ErrorCode, message: str
) -> None:
    with pytest.raises(InputValidationError) as info:
        ScoreOptions(**options)  # type: ignore[arg-type]
    assert str(info.value) == message
    assert info.value.code == code


def test_the_zone_is_reported_before_the_country_as_scoring_always_did() -> None:
    with pytest.raises(InputValidationError, match=r"^field 'tz'"):
        ScoreOptions(tz="Mars/Olympus", country="ZZ", unit="furlongs")


def test_the_holiday_country_is_resolved_once_with_its_note() -> None:
    chicago = ScoreOptions(tz="America/Chicago")
    assert (chicago.country, chicago.holiday_country) == (None, "US")
    assert chicago.country_note == "holiday calendar: US, inferred from the zone America/Chicago"
    utc = ScoreOptions()
    assert utc.holiday_country == "IR"
    assert utc.country_note == "holiday calendar: IR, the default, as the zone UTC names no country"
    given = ScoreOptions(tz="America/Chicago", country="ir", unit="kw")
    assert (given.country, given.holiday_country, given.country_note) == ("IR", "IR", None)
    assert given.reading.unit is not None
    assert given.reading.unit.name == "kW"


def test_options_survive_the_trip_to_a_worker_process() -> None:
    options = ScoreOptions(unit="MW", tz="Asia/Tehran", threshold=0.4, peers="none")
    again = pickle.loads(pickle.dumps(options))
    assert again == options
    assert (again.holiday_country, again.country_note, again.reading) == (
        options.holiday_country,
        options.country_note,
        options.reading,
    )


def test_a_keyword_that_disagrees_with_options_is_a_type_error() -> None:
    options = ScoreOptions(unit="MW", tz="Asia/Tehran")
    with pytest.raises(TypeError, match=r"^tz='Europe/Madrid' disagrees with options.tz='Asia/Tehran'; give options="):
        list(detector.iter_scores(REGIONS, tz="Europe/Madrid", options=options))
    with pytest.raises(TypeError, match=r"^threshold=0.2 disagrees with options.threshold=None"):
        detector.score(REGIONS, threshold=0.2, options=options)
    with pytest.raises(TypeError, match=r"^peers='none' disagrees with options.peers='auto'"):
        list(detector.iter_signatures(REGIONS, peers="none", options=options))


@pytest.fixture(scope="module")
def two_regions() -> pd.DataFrame:
    frame = pd.read_parquet(REGIONS)
    return frame[frame["series_id"].isin(["region-0000", "region-0001"])]


def test_options_score_exactly_as_the_keyword_arguments_do(
    two_regions: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same input (a sample file's regions, peers auto), same options both ways: identical reports.

    With ``options=`` the reading arguments are not checked again: ``Reading.check`` is not called once.
    """
    loose = detector.score(two_regions, tz="Asia/Tehran", threshold=0.3)
    options = ScoreOptions(tz="Asia/Tehran", threshold=0.3)

    def no_second_check(*args: object, **kwargs: object) -> Reading:
        raise AssertionError("options were checked again inside the pipeline")

    monkeypatch.setattr(Reading, "check", no_second_check)
    # an equal keyword beside options is harmless
    given = detector.score(two_regions, options=options, tz="Asia/Tehran")
    assert [r.to_row() for r in given] == [r.to_row() for r in loose]
    assert [r.score for r in given] == [r.score for r in loose]  # bit for bit, not approximately
    assert all(r.quality["country"] == "IR" for r in given)
    assert all("holiday calendar: IR, inferred from the zone Asia/Tehran" in r.warnings for r in given)


def test_the_dask_engine_checks_its_options_before_starting_a_cluster(tmp_path: Path) -> None:
    """A bad country fails the call at once (it used to fail inside every task)."""
    with pytest.raises(InputValidationError, match=r"^field 'country': unknown holiday country"):
        detector.score_dataset(REGIONS, tmp_path, country="ZZ", workers=1)
    assert not (tmp_path / "scores.parquet").exists()
