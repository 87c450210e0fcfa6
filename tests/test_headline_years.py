"""``benchmarks/headline.py --years``: provinces of other years than each source's (PJM's 2006-2012, unread)."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import BENCHMARKS, SHARED_DATA, benchmark_module

sys.path.insert(0, str(BENCHMARKS))
headline = benchmark_module("headline")
provinces = benchmark_module("provinces")

PJM = SHARED_DATA / "pjm_regions.parquet"


def test_a_range_includes_both_ends_and_a_list_is_taken_as_written() -> None:
    assert headline.year_range("2006-2009") == (2006, 2007, 2008, 2009)
    assert headline.year_range("2006,2012") == (2006, 2012)
    assert headline.year_range("") is None


def test_years_that_are_not_numbers_are_refused_with_the_value() -> None:
    with pytest.raises(SystemExit) as err:
        headline.year_range("2006-13a")
    assert str(err.value) == "--years: '2006-13a' is not a range like 2006-2013 or a list like 2006,2008"


@pytest.mark.skipif(not PJM.exists(), reason="needs PJM's loads in ../shared/data")
def test_the_provinces_are_of_the_years_asked_and_a_year_the_data_lacks_is_skipped() -> None:
    """PJM's zones begin from 2002 (PJME) to 2013 (EKPC): 2001 holds no window and is skipped; in 2006 the zones
    that began later (COMED, DEOK, EKPC) are left out of the province, and the held-out ones there are counted."""
    drawn = list(provinces.provinces(rounds=1, sources=("pjm",), years=(2001, 2006)))
    assert [p.year for p in drawn] == [2006]
    assert set(drawn[0].loads.series_id) == {"PJM-AEP", "PJM-DOM", "PJM-DUQ", "PJM-PJME"}
    assert set(drawn[0].truth.series_id) == {"PJM-DUQ", "PJM-PJME"}
