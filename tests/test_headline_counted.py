"""``benchmarks/headline.py --not-counted``: series scored and used as peers, left out of the figures."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from tests.conftest import BENCHMARKS, benchmark_module

sys.path.insert(0, str(BENCHMARKS))
headline = benchmark_module("headline")


def _rows() -> pd.DataFrame:
    ids = ["ERCOT-FWEST", "ERCOT-COAST", "ERCOT-FWEST"]
    return pd.DataFrame({"series_id": ids, "mode": ["alone", "alone", "province"]})


def test_the_series_named_leave_every_mode() -> None:
    kept = headline.counted(_rows(), ["ERCOT-FWEST"])
    assert kept.series_id.tolist() == ["ERCOT-COAST"]
    assert headline.counted(_rows(), []).equals(_rows())


def test_a_name_not_in_the_provinces_is_refused_with_the_names_they_hold() -> None:
    with pytest.raises(SystemExit) as err:
        headline.counted(_rows(), ["ERCOT-FWST"])
    held = "they hold ERCOT-COAST, ERCOT-FWEST"
    assert str(err.value) == f"--not-counted: no series ERCOT-FWST in these provinces ({held})"
