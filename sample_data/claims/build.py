"""Rebuild sample_data/claims/ (from the project root: python sample_data/claims/build.py).

A simulated province under one weather, Asia/Tehran, two years from Nowruz 1401 (21 Mar 2022), MW:
eight counties (three hold mining farms of known size from 1 Khordad 1402 = 22 May 2023, five hold
none and serve as peers) and three licensed mining sites on their own meters: one honouring the
evening peak-hour curtailment all year, one never, one only in June-September (a summer rule).
``claims.csv`` lists the claims to check and the verdict the truth implies; tests/claims and notebooks/05
read them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from detector import simulate
from detector.features.calendar import CalendarSpec, calendar_features

HERE = Path(__file__).resolve().parent
START, DAYS = "2022-03-21", 730
CLAIM_START = "2023-05-22"  # 1 Khordad 1402
S19_KW = 3.25
# county: (size factor on a simulated region, farm MW from CLAIM_START)
COUNTIES = {
    "county-A": (0.45, 74.3),
    "county-B": (0.40, 0.0),
    "county-C": (0.50, 20.0),
    "county-D": (0.35, 160.0),
    "county-E": (0.45, 0.0),
    "county-F": (0.40, 0.0),
    "county-G": (0.55, 0.0),
    "county-H": (0.30, 0.0),
}
PEAK = (19, 20, 21, 22)  # local hours a licensed miner must shed (19:00-23:00, the evening peak)
ALL_YEAR, SUMMER = tuple(range(1, 13)), (6, 7, 8, 9)


def _farm(n: int, after: np.ndarray, mw: float, rng: np.random.Generator) -> np.ndarray:
    """Rigs: flat power with 0.3 % ripple and 3 % of hours down for maintenance."""
    on = after & (rng.random(n) > 0.03)
    return np.where(on, mw * (1 + rng.normal(0, 0.003, n)), 0.0)


def build() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(1402)
    weather = simulate.make_series("weather", kind="region", start=START, days=DAYS, rng=rng).temperature
    frames = []
    for i, (name, (factor, farm_mw)) in enumerate(COUNTIES.items()):
        s = simulate.make_series(
            name, kind="region", start=START, days=DAYS, temperature_c=weather, rng=np.random.default_rng(100 + i)
        )
        after = s.index >= pd.Timestamp(CLAIM_START, tz="Asia/Tehran")
        load = s.load * factor + _farm(len(s.index), after, farm_mw, rng)
        frames.append(pd.DataFrame({"series_id": name, "timestamp": s.index, "load": load, "temperature": weather}))
    # Licensed sites: metered alone from the claimed start; 3 % auxiliary load (cooling) that follows heat.
    first = pd.Timestamp(CLAIM_START, tz="Asia/Tehran").tz_convert("UTC")
    index = pd.date_range(first, pd.Timestamp("2024-03-19", tz="UTC"), freq="h")
    cal = calendar_features(index, CalendarSpec())
    site_temp = pd.Series(weather, index=frames[0].timestamp).reindex(index).to_numpy()
    local_month = np.asarray(index.tz_convert("Asia/Tehran").month)
    for name, rigs, shed_months in (("site-1", 2900, ALL_YEAR), ("site-2", 2900, ()), ("site-3", 2900, SUMMER)):
        mw = rigs * 3.0 / 1000  # S19j Pro
        power = _farm(len(index), np.ones(len(index), bool), mw, rng)
        power = np.where(np.isin(cal.hour, PEAK) & np.isin(local_month, shed_months), 0.02 * mw, power)
        aux = 0.03 * mw * (1 + np.clip(site_temp - 25, 0, None) / 15)
        frames.append(pd.DataFrame({"series_id": name, "timestamp": index, "load": power + aux}))
    loads = pd.concat(frames, ignore_index=True).assign(unit="MW")
    peers = "county-E,county-F,county-G,county-H"
    claims = pd.DataFrame(
        [
            # The truth decides the expected verdict: a claim within 15 % of the farm is consistent, one the
            # farm cannot supply is inconsistent (too little), a farm well above the claim "more than claimed".
            ("A-true", "county-A", 22869, "S19", None, CLAIM_START, peers, False, None, "", 74.3, "consistent"),
            ("B-phantom", "county-B", 22869, "S19", None, CLAIM_START, peers, False, None, "", 0.0, "inconsistent"),
            ("C-inflated", "county-C", 22869, "S19", None, CLAIM_START, peers, False, None, "", 20.0, "inconsistent"),
            ("D-under", "county-D", 22869, "S19", None, CLAIM_START, peers, False, None, "", 160.0, "inconsistent"),
            ("B-late", "county-B", 22869, "S19", None, "2024-03-12", peers, False, None, "", 0.0, "undecidable"),
            ("site-1", "site-1", 2900, "S19j Pro", 9000, CLAIM_START, "", True, 19, "19-23", 8.7, "consistent"),
            ("site-2", "site-2", 2900, "S19j Pro", 9000, CLAIM_START, "", True, 19, "19-23", 8.7, "consistent"),
            ("site-3", "site-3", 2900, "S19j Pro", 9000, CLAIM_START, "", True, 19, "19-23", 8.7, "consistent"),
        ],
        columns=[
            "claim_id",
            "series_id",
            "rigs",
            "rig_model",
            "licensed_kw",
            "start",
            "peers",
            "dedicated",
            "_",
            "curtail_hours",
            "true_mw",
            "expected_verdict",
        ],
    ).drop(columns="_")
    claims["curtail_months"] = claims.claim_id.map({"site-3": "6-9"}).fillna("")
    claims["expected_curtailment"] = claims.claim_id.map(
        {"site-1": "complies", "site-2": "does not comply", "site-3": "complies"}
    )
    claims["licensed_kw"] = claims.licensed_kw.astype("Int64")
    return loads, claims


if __name__ == "__main__":
    loads, claims = build()
    loads.to_parquet(HERE / "province.parquet", index=False, compression="zstd")
    claims.to_csv(HERE / "claims.csv", index=False)
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("sample_data").info(
        "%d series, %d rows; %d claims", loads.series_id.nunique(), len(loads), len(claims)
    )
