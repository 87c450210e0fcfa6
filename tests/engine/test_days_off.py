"""The days-off test: a block is the same power on working days and days off, and the answer says so.

The case is the headline's own (benchmarks/provinces.py, GEFCom2012 2007 in windows from 1 July, round 0): a flat
step of 20 % of mean load in GEF12-Z20 from 9 Oct 2007, with farms in two other zones switched on the same
week. Fitted on the ~110 days off alone, the whole expected-load design (three bands for each peer, holidays)
read the day-off step as -6.16 times the working-day one (BENCHMARKS.md, stop 51); the box split into working
days and days off in one fit over every day reads 1.0.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import numpy as np
import pytest

import detector
from detector.models.signature import FEATURES
from detector.pipeline import iter_signatures
from tests.conftest import BENCHMARKS, SHARED_DATA, benchmark_module

GEFCOM = SHARED_DATA / "gefcom2012_zones.parquet"
pytestmark = pytest.mark.skipif(not GEFCOM.exists(), reason="needs ../shared/data beside the project")


@pytest.fixture(scope="module")
def province() -> Any:  # benchmarks/provinces.py's Province (a script module, untyped here)
    sys.path.insert(0, str(BENCHMARKS))  # the scripts import each other by name, as run from that folder
    provinces = benchmark_module("provinces")
    for p in provinces.provinces(rounds=1, start_month=7):
        if p.source == "gefcom" and p.year == 2007:
            return p
    raise AssertionError("no GEFCom 2007 province")


def test_a_flat_farm_among_peers_is_the_same_on_days_off(province: Any) -> None:
    truth = province.truth.set_index("series_id").loc["GEF12-Z20"]
    assert (truth.scenario, truth["size"]) == ("step", 0.2)
    target = province.loads[province.loads.series_id == "GEF12-Z20"]
    options = {"unit": province.unit, "tz": province.tz, "country": "US", "peers": province.loads}
    ((_, features),) = iter_signatures(target, **options)
    assert isinstance(features, np.ndarray), features
    assert 0.8 <= features[FEATURES.index("offday_ratio")] <= 1.25
    # The reading with peers, which this test is about: at the model's own operating point this farm (0.39 with
    # peers) is answered from its alone reading (``scoring.ALONE_FLAG_WARNING``, stop 62), whose working-day step
    # reads 16.7 MW; a threshold the caller sets keeps the reading with peers.
    (default,) = detector.score(target, **options)
    assert default.flagged
    assert any(w.startswith("flagged on its own load") for w in default.warnings)
    (report,) = detector.score(target, **options, threshold=0.5)
    assert report.peers
    (same,) = [line for line in report.evidence if line.startswith("same rise on days off as on working days")]
    off, work = (float(v) for v in re.findall(r"([\d.]+) MW", same))
    for step in (off, work):  # the farm: 18.8 MW (20 % of the zone's mean load before it)
        assert step == pytest.approx(truth.excess / 1000, rel=0.1), same
    assert not [line for line in report.evidence if line.startswith("rise mostly on working days")]
