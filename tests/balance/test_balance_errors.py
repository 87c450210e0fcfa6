"""Bad mappings and bad loads: each error names the table, the 1-based data row, the field and the value."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import detector
from detector.balance import BalanceInputError
from detector.balance.simulate import BalanceSet

TZ = "Asia/Tehran"


def _run(s: BalanceSet, mapping: pd.DataFrame | Path, **kw: object) -> list[detector.FeederBalance]:
    return detector.balance_feeders(s.feeders, s.meters, mapping, **{"tz": TZ, **kw})  # type: ignore[arg-type]


def _raises(s: BalanceSet, mapping: pd.DataFrame | Path, message: str, **kw: object) -> BalanceInputError:
    with pytest.raises(BalanceInputError, match="^" + re.escape(message) + "$") as info:
        _run(s, mapping, **kw)
    return info.value


def _with(s: BalanceSet, row: int, **values: str) -> pd.DataFrame:
    m = s.mapping.copy()
    for k, v in values.items():
        m.loc[row - 1, k] = v
    return m


def test_the_mapping_as_given_balances(small: BalanceSet) -> None:
    results = _run(small, small.mapping)
    assert sorted(r.feeder_id for r in results) == ["feeder-01", "feeder-02"]
    assert not any(r.flagged for r in results)


def test_meter_mapped_to_two_feeders_at_once(small: BalanceSet) -> None:
    extra = pd.DataFrame([{"meter_id": "feeder-01-m01", "feeder_id": "feeder-02", "valid_from": "2023-04-15"}])
    mapping = pd.concat([small.mapping, extra], ignore_index=True)
    exc = _raises(
        small,
        mapping,
        "mapping: row 13, field 'valid_from': meter 'feeder-01-m01' mapped to two feeders at once: row 1 maps it to "
        "'feeder-01' with no end, this row to 'feeder-02' (got '2023-04-15')",
    )
    assert (exc.table, exc.row, exc.field) == ("mapping", 13, "valid_from")


def test_overlapping_validity_on_one_feeder(small: BalanceSet) -> None:
    mapping = _with(small, 1, valid_to="2023-04-10")
    extra = pd.DataFrame([{"meter_id": "feeder-01-m01", "feeder_id": "feeder-01", "valid_from": "2023-04-01"}])
    _raises(
        small,
        pd.concat([mapping, extra], ignore_index=True),
        "mapping: row 13, field 'valid_from': overlapping validity: row 1 already maps meter 'feeder-01-m01' to "
        "'feeder-01' until 2023-04-09T20:30:00+00:00 (got '2023-04-01')",
    )


def test_leaving_and_rejoining_without_overlap_is_fine(small: BalanceSet) -> None:
    mapping = _with(small, 1, valid_to="2023-04-10")
    extra = pd.DataFrame([{"meter_id": "feeder-01-m01", "feeder_id": "feeder-02", "valid_from": "2023-04-10"}])
    results = _run(small, pd.concat([mapping, extra], ignore_index=True))
    assert {r.feeder_id: r.meters for r in results} == {"feeder-01": 6, "feeder-02": 7}


def test_unknown_feeder_and_meter_ids(small: BalanceSet) -> None:
    _raises(
        small,
        _with(small, 3, feeder_id="feeder-99"),
        "mapping: row 3, field 'feeder_id': no feeder series with this id (got 'feeder-99')",
    )
    _raises(
        small,
        _with(small, 2, meter_id="m-x"),
        "mapping: row 2, field 'meter_id': no meter series with this id (got 'm-x')",
    )


def test_meter_series_without_a_mapping_row(small: BalanceSet) -> None:
    row = int((small.meters["series_id"] == "feeder-02-m06").to_numpy().argmax()) + 1
    _raises(
        small,
        small.mapping.iloc[:-1],
        f"meters: row {row}, field 'series_id': meter series has no mapping row (add meter_id, feeder_id to the "
        "mapping) (got 'feeder-02-m06')",
    )


def test_reversed_out_of_range_and_unreadable_dates(small: BalanceSet) -> None:
    _raises(
        small,
        _with(small, 1, valid_from="2023-05-01", valid_to="2023-04-01"),
        "mapping: row 1, field 'valid_to': valid_to must be after valid_from (2023-05-01) (got '2023-04-01')",
    )
    _raises(
        small,
        _with(small, 4, valid_from="2030-01-01"),
        "mapping: row 4, field 'valid_from': out of range: after the end of feeder 'feeder-01''s data "
        "(2023-05-19T20:30:00+00:00) (got '2030-01-01')",
    )
    _raises(
        small,
        _with(small, 8, valid_to="2020-01-01"),
        "mapping: row 8, field 'valid_to': out of range: before the start of feeder 'feeder-02''s data "
        "(2023-03-20T20:30:00+00:00) (got '2020-01-01')",
    )
    _raises(
        small,
        _with(small, 1, valid_from="next week"),
        "mapping: row 1, field 'valid_from': valid_from is not an ISO 8601 date or date-time (got 'next week')",
    )


def test_naive_dates_need_a_zone(small: BalanceSet) -> None:
    _raises(
        small,
        _with(small, 2, valid_from="2023-04-01"),
        "mapping: row 2, field 'valid_from': valid_from has no UTC offset; give tz (e.g. tz='Asia/Tehran') or write "
        "offsets (got '2023-04-01')",
        tz=None,
    )


def test_empty_id_and_missing_column(small: BalanceSet) -> None:
    _raises(small, _with(small, 2, meter_id=""), "mapping: row 2, field 'meter_id': meter_id is empty (got '')")
    with pytest.raises(BalanceInputError, match=r"^mapping: field 'feeder_id': required mapping column missing"):
        _run(small, small.mapping.drop(columns="feeder_id"))


def test_mapping_file_rows_are_data_rows(small: BalanceSet, tmp_path: Path) -> None:
    path = tmp_path / "mapping.csv"
    _with(small, 5, feeder_id="F9").to_csv(path, index=False)
    _raises(small, path, "mapping: row 5, field 'feeder_id': no feeder series with this id (got 'F9')")


def test_bad_loads_name_their_table_row_and_series(small: BalanceSet) -> None:
    feeders = small.feeders.copy()
    feeders.loc[4, "load"] = -1.0
    with pytest.raises(
        BalanceInputError,
        match=r"^feeders: row 5, field 'load': load must be >= 0 \(got -1\.0\) \[series 'feeder-01'\]$",
    ):
        detector.balance_feeders(feeders, small.meters, small.mapping, tz=TZ)
    meters = small.meters.assign(unit="kVA")
    with pytest.raises(BalanceInputError, match=r"^meters: row 1, field 'unit': unknown unit; use one of W, kW"):
        detector.balance_feeders(small.feeders, meters, small.mapping, tz=TZ)


def test_meter_hours_must_line_up_with_the_feeders(small: BalanceSet) -> None:
    """Tehran's local hours start at :30 UTC; a meter on whole UTC hours cannot be summed hour by hour."""
    meters = small.meters.copy()
    first = meters["series_id"] == "feeder-01-m03"
    meters.loc[first, "timestamp"] = meters.loc[first, "timestamp"] + pd.Timedelta(minutes=30)
    with pytest.raises(
        BalanceInputError,
        match=r"^meters: field 'timestamp': meter hours start 0 min past the UTC hour, feeder 'feeder-01''s at 30 min",
    ):
        detector.balance_feeders(small.feeders, meters, small.mapping, tz=TZ)


def test_open_ended_rows_that_clash_show_an_empty_date_as_none(small: BalanceSet, tmp_path: Path) -> None:
    path = tmp_path / "mapping.csv"
    extra = pd.DataFrame([{"meter_id": "feeder-02-m01", "feeder_id": "feeder-01"}])
    pd.concat([small.mapping, extra], ignore_index=True).to_csv(path, index=False)
    _raises(
        small,
        path,
        "mapping: row 13, field 'valid_from': meter 'feeder-02-m01' mapped to two feeders at once: row 7 maps it to "
        "'feeder-02' with no end, this row to 'feeder-01' (got None)",
    )
