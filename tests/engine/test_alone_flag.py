"""A series scored with peers is also read alone, and flagged where that reading meets the alone operating point
(``scoring.ALONE_FLAG_WARNING``): a peer's own event can take a large farm out of the reading with peers.

The case is one the headline's injector drew on held-out GEFCom zones (``headline.py --seed 11000``, windows from
July): GEF12-Z17 carries a raided farm of 45 % of its mean load from 29 Dec 2004 to 1 Mar 2005, in a province where
GEF12-Z16 has a raided farm of its own and GEF12-Z19 takes up night EV charging. With peers it read 0.5982, under the
threshold with peers (0.59826); alone 0.997.
"""

from __future__ import annotations

import sys

import pandas as pd
import pytest

import detector
from tests.conftest import BENCHMARKS, SHARED_DATA, benchmark_module

pytestmark = pytest.mark.skipif(
    not (SHARED_DATA / "gefcom2012_zones.parquet").exists(), reason="needs ../shared/data beside the project"
)
sys.path.insert(0, str(BENCHMARKS))  # the scripts import each other by name, as run from that folder

ON, OFF = pd.Timestamp("2004-12-29 07:00", tz="UTC"), pd.Timestamp("2005-03-01 07:00", tz="UTC")


@pytest.fixture(scope="module")
def province() -> object:
    provinces = benchmark_module("provinces")
    for prov in provinces.provinces(rounds=2, seed=11000, start_month=7, sources=tuple(provinces.SOURCES)):
        if prov.source == "gefcom" and prov.year == 2004 and prov.round == 1:
            return prov
    raise AssertionError("the headline's draw no longer holds this province")


def _z17(province: object, **options: object) -> detector.ScoreReport:
    reports = detector.score(
        province.loads,  # type: ignore[attr-defined]
        unit=province.unit,  # type: ignore[attr-defined]
        tz=province.tz,  # type: ignore[attr-defined]
        country="US",
        peers="auto",
        **options,
    )
    return next(r for r in reports if r.series_id == "GEF12-Z17")


def test_a_farm_the_peers_hide_is_flagged_on_its_own_load_and_the_answer_says_so(province: object) -> None:
    truth = province.truth.set_index("series_id").loc["GEF12-Z17"]  # type: ignore[attr-defined]
    assert (truth["scenario"], truth["size"]) == ("raided", 0.5)
    z17 = _z17(province)
    assert z17.flagged
    (note,) = [w for w in z17.warnings if w.startswith("flagged on its own load")]
    assert note.startswith(f"flagged on its own load: scored alone it reads {z17.score:.3f} (alone operating point")
    assert "with peers GEF12-Z15, GEF12-Z19, GEF12-Z18 in its expected load it read 0.598" in note
    assert z17.onset is not None
    assert abs((z17.onset - ON).total_seconds()) <= 24 * 3600
    assert z17.end is not None
    assert abs((z17.end - OFF).total_seconds()) <= 2 * 24 * 3600
    assert z17.excess_load == pytest.approx(truth["excess"], rel=0.1)
    assert z17.rigs > 0  # flagged: a rig count with it


def test_the_alone_reading_is_not_offered_at_a_threshold_the_caller_sets(province: object) -> None:
    """The rule joins two operating points the model set out of fold; a threshold given by the caller is one point
    for every answer, so the answer with peers stands."""
    z17 = _z17(province, threshold=0.9)
    assert not z17.flagged
    assert z17.score < 0.6
    assert not any(w.startswith("flagged on its own load") for w in z17.warnings)


def test_the_alone_reading_is_the_answer_the_series_gets_scored_alone(province: object) -> None:
    """The alone reading goes on from the search it gated on (``signature.finish``): the same answer as a request
    of that series alone."""
    z17 = _z17(province)
    alone = detector.score(
        province.loads[province.loads.series_id == "GEF12-Z17"],  # type: ignore[attr-defined]
        unit=province.unit,  # type: ignore[attr-defined]
        tz=province.tz,  # type: ignore[attr-defined]
        country="US",
        peers="none",
    )[0]
    assert z17.score == alone.score
    assert (z17.onset, z17.end, z17.excess_load, z17.evidence) == (
        alone.onset,
        alone.end,
        alone.excess_load,
        alone.evidence,
    )


def test_no_series_that_flags_alone_is_left_unflagged_with_peers(province: object) -> None:
    """The gate that spares most series their alone reading (``scoring.ALONE_READING_MIN_T``) keeps every one
    the alone reading flags: on this province, each series flagged when posted alone is flagged in the province."""
    loads = province.loads  # type: ignore[attr-defined]
    options = {"unit": province.unit, "tz": province.tz, "country": "US"}  # type: ignore[attr-defined]
    together = {r.series_id: r for r in detector.score(loads, peers="auto", **options)}
    for sid in loads.series_id.unique():
        alone = detector.score(loads[loads.series_id == sid], peers="none", **options)[0]
        if alone.flagged:
            assert together[sid].flagged, (sid, alone.score, together[sid].score)


def test_a_two_year_input_keeps_its_reading_with_peers() -> None:
    """The alone reading is joined on inputs of about a year only (``scoring.ALONE_JOIN_CONTEXT``): on the
    headline's two-year windows it flagged as many negatives as farms. One of them: ERCOT-WEST 2017-2018 with a
    stuck meter (``headline.py --days 730``, round 1) reads over the alone operating point on its own, and keeps
    its unflagged answer with peers in its province."""
    provinces = benchmark_module("provinces")
    draws = provinces.provinces(rounds=2, days=730, sources=tuple(provinces.SOURCES))
    prov = next(p for p in draws if (p.source, p.year, p.round) == ("ercot", 2017, 1))
    truth = prov.truth.set_index("series_id").loc["ERCOT-WEST"]
    assert truth["scenario"] == "stuck_meter"
    options = {"unit": prov.unit, "tz": prov.tz, "country": "US"}
    west = prov.loads[prov.loads.series_id == "ERCOT-WEST"]
    alone = detector.score(west, peers="none", **options)[0]
    assert alone.flagged  # the alone reading's own false alarm
    together = next(r for r in detector.score(prov.loads, peers="auto", **options) if r.series_id == "ERCOT-WEST")
    assert not together.flagged
    assert together.quality["peers"]
    assert not any(w.startswith("flagged on its own load") for w in together.warnings)
