"""Recall of each mining shape against the plain step, with 90 % intervals: issue 14's "within 0.1 of step".

    cd benchmarks
    ../.venv/bin/python shapes.py [--start-month 1] [--modes province,alone] [--out rows.csv]   # paired run
    ../.venv/bin/python shapes.py --rows rows.csv --rows rows_m4.csv ...                        # headline rows

**Paired** (the default, ``provinces.shape_cases``): every held-out zone-year of the headline gets each of the five
shapes in turn at each size of its grid, from the same onset and the same farm noise, and is scored alone and with
the other zones of a province drawn as the headline draws them as its peers (with events of their own; ``peers=``,
so only the zone is scored). The shapes then differ in nothing but their shape. The headline's own rows cannot say
this: it gives each zone-year one shape and one size (the same ones at every start month), so its shapes differ in
zones and sizes too, and rest on 16-26 events each.

Read, per mode: each shape's recall at the model's default threshold (the answers' own flags), pooled over the
sizes and by size, and its gap to the step with a 90 % interval from a bootstrap of zone-years (every row of a
zone-year drawn together: they share the base and its real shifts), and the share of draws in which the gap
meets the target (at least -0.1). On headline rows (``--rows``, starts pooled) the same, plus the
**size-standardised** recall: the mean of the shape's recall in each size stratum (GEFCom's 3-50 % grid apart
from the regions' 2-20 %) weighted by the stratum's share of all mining events.

One start month took 1,512 s with a call per shape (92 zone-years x 5 sizes x 5 shapes, both modes); with a
case's shapes in one input, PJM's cases take 63 s and GEFCom's 254 s, the same rows to the digit. ``--sources``
runs some sources only (the same cases as in the full run);
``results/shapes_365d[_mN].json`` (``--rows``: ``shapes_headline_rows.json``).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from compare_headline import interval  # type: ignore[import-not-found]
from detection import write_result  # type: ignore[import-not-found]
from injector import MINING  # type: ignore[import-not-found]
from provinces import SOURCES, WholeUnits, shape_cases, start_suffix  # type: ignore[import-not-found]

import detector

TARGET_GAP = -0.1  # issue 14: each mining shape within 0.1 recall of the plain step
COLUMNS = ["mode", "source", "series_id", "year", "round", "scenario", "label", "size", "score", "flagged"]


def run_paired(
    start_month: int,
    modes: tuple[str, ...],
    model: detector.MiningModel,
    sources: tuple[str, ...] = tuple(SOURCES),
    whole_units: bool = True,
) -> pd.DataFrame:
    """Rows of the paired shape benchmark: one per held-out zone-year, size, shape and mode. In the province mode
    the zone is scored with the province's other zones as its peers (``peers=``: they are not scored).

    A case's five shapes go in one input, each under its own id ("PJM-DUQ#step"), so the peers' table is read
    once per case, not once per shape (a GEFCom case's 19 peers took 0.77 s a call); each series is scored on
    its own either way, against the same peers."""
    rows = []
    for case in shape_cases(sources=sources, start_month=start_month, whole_units=whole_units):
        joined = pd.concat(
            [frame.assign(series_id=f"{truth['series_id']}#{shape}") for shape, (frame, truth) in case.targets.items()],
            ignore_index=True,
        )
        for mode in modes:
            peers = case.peers if mode == "province" else "none"
            reports = detector.score(joined, unit=case.unit, tz=case.tz, country="US", model=model, peers=peers)
            by_id = {r.series_id: r for r in reports}
            for shape, (_, truth) in case.targets.items():
                report = by_id[f"{truth['series_id']}#{shape}"]
                rows.append(
                    {
                        **truth,
                        "mode": mode,
                        "score": report.score,
                        "flagged": report.flagged,
                        "onset": report.onset,
                        "excess_load": report.excess_load,
                        "peers": len(report.peers),
                    }
                )
    return pd.DataFrame(rows)


def _prepared(rows: pd.DataFrame) -> pd.DataFrame:
    """The mining rows, with the zone-year the bootstrap draws and the size stratum (GEFCom's grid apart)."""
    rows = rows[(rows.label == 1) & rows.scenario.isin(MINING)].copy()
    rows["zone_year"] = rows.series_id + "/" + rows.year.astype(str)
    kind = np.where(rows.source == "gefcom", "gefcom", "region")
    rows["stratum"] = pd.Series(kind, index=rows.index) + "/" + rows["size"].round(3).astype(str)
    rows["flagged"] = rows.flagged.astype(bool)
    return rows


def _recalls(rows: pd.DataFrame, weights: pd.Series) -> dict[str, tuple[float, float]]:
    """Per shape: (recall, size-standardised recall); NaN where a shape has no event."""
    by_stratum = rows.groupby(["scenario", "stratum"]).flagged.mean()
    out = {}
    for shape in MINING:
        mine = rows[rows.scenario == shape]
        if mine.empty:
            out[shape] = (np.nan, np.nan)
            continue
        per = by_stratum[shape].reindex(weights.index)
        known = per.notna()
        standard = float((per[known] * weights[known]).sum() / weights[known].sum()) if known.any() else np.nan
        out[shape] = (float(mine.flagged.mean()), standard)
    return out


def shape_table(rows: pd.DataFrame, draws: int, seed: int, standardised: bool) -> dict[str, Any]:
    """One mode's figures per shape, with the gaps' bootstrap intervals."""
    weights = rows.stratum.value_counts(normalize=True)
    point = _recalls(rows, weights)
    groups = rows.groupby("zone_year").indices
    names = np.array(list(groups))
    rng = np.random.default_rng(seed)
    readings = (("gap", 0), ("gap_size_standardised", 1)) if standardised else (("gap", 0),)
    gaps: dict[str, dict[str, list[float]]] = {s: {r: [] for r, _ in readings} for s in MINING if s != "step"}
    for _ in range(draws):
        pick = rng.choice(names, size=len(names), replace=True)
        got = _recalls(rows.iloc[np.concatenate([groups[z] for z in pick])], weights)
        for shape, per in gaps.items():
            for reading, i in readings:
                per[reading].append(got[shape][i] - got["step"][i])
    out: dict[str, Any] = {"zone_years": len(names), "events": len(rows)}
    for shape in MINING:
        mine = rows[rows.scenario == shape]
        entry: dict[str, Any] = {
            "events": len(mine),
            "recall": round(point[shape][0], 3),
            "recall_by_size": {f"{s:g}": round(float(v), 3) for s, v in mine.groupby("size").flagged.mean().items()},
            "median_score": round(float(mine.score.median()), 3),
        }
        if standardised:
            entry["recall_size_standardised"] = round(point[shape][1], 3)
        for reading, i in readings if shape in gaps and len(mine) else ():
            v = np.asarray(gaps[shape][reading], dtype=float)
            entry[reading] = round(point[shape][i] - point["step"][i], 3)
            entry[f"{reading}_90"] = interval(v)
            entry[f"{reading}_meets_target_share"] = round(float((v[np.isfinite(v)] >= TARGET_GAP).mean()), 3)
        out[shape] = entry
    return out


def _print(result: dict[str, Any], modes: tuple[str, ...]) -> None:
    for mode in modes:
        table = result[mode]
        print(f"{mode}: {table['events']} mining events, {table['zone_years']} zone-years")
        for shape in MINING:
            e = table[shape]
            sizes = " ".join(f"{k}:{v:.2f}" for k, v in e["recall_by_size"].items())
            line = f"  {shape:10s} n={e['events']:4d} recall {e['recall']:.2f} ({sizes})"
            for reading in ("gap", "gap_size_standardised"):
                if reading in e:
                    lo, hi = e[f"{reading}_90"]
                    label = "gap" if reading == "gap" else "standardised gap"
                    line += f"  {label} {e[reading]:+.2f} [{lo:+.2f}, {hi:+.2f}]"
                    line += f" meets target in {e[f'{reading}_meets_target_share']:.0%} of draws"
            print(line)


def main(
    rows: Annotated[list[Path] | None, typer.Option(help="headline rows (headline.py --out): read, not run")] = None,
    start_month: int = 1,
    modes: str = "province,alone",
    model: Annotated[str, typer.Option(help="model directory (default: the bundled model)")] = "",
    sources: Annotated[str, typer.Option(help="comma-separated: pjm, ercot, gefcom")] = ",".join(SOURCES),
    out: Annotated[Path | None, typer.Option(help="write the paired run's rows here (CSV)")] = None,
    draws: int = 2000,
    seed: int = 0,
    whole_units: WholeUnits = True,
) -> None:
    logging.basicConfig(level=logging.ERROR)
    wanted, asked = tuple(modes.split(",")), tuple(sources.split(","))
    t0 = time.perf_counter()
    meta: dict[str, Any]
    if rows:
        data = pd.concat([pd.read_csv(p, usecols=COLUMNS) for p in rows], ignore_index=True)
        meta = {"rows": [str(p) for p in rows]}
    else:
        loaded = detector.load_model(model or None)
        data = run_paired(start_month, wanted, loaded, asked, whole_units)
        meta = {
            "model_version": loaded.version,
            "start_month": start_month,
            "sources": list(asked),
            "whole_units": whole_units,
        }
        if out is not None:
            data.to_csv(out, index=False)
    data = _prepared(data)
    result = {
        **meta,
        "draws": draws,
        **{m: shape_table(data[data["mode"] == m], draws, seed, standardised=bool(rows)) for m in wanted},
        "seconds": round(time.perf_counter() - t0, 1),
    }
    _print(result, wanted)
    month = start_suffix(start_month)
    only = "" if rows or set(asked) == set(SOURCES) else "_" + "_".join(asked)
    units = "_fractions" if not whole_units and not rows else ""
    write_result("shapes_headline_rows" if rows else f"shapes_365d{month}{only}{units}", result)


if __name__ == "__main__":
    typer.run(main)
