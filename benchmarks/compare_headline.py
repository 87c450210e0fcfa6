"""Before and after on the same headline rows: the differences, with 90 % intervals from a zone-year bootstrap.

    cd benchmarks
    ../.venv/bin/python headline.py --rounds 3 --out before.csv                      # e.g. the shipped model
    ../.venv/bin/python headline.py --rounds 3 --model DIR --name _try --out after.csv
    ../.venv/bin/python compare_headline.py before.csv after.csv

    ../.venv/bin/python headline.py --rounds 3 --start-month all --out before.csv    # before.csv, before_m4.csv, ...
    ../.venv/bin/python compare_headline.py --starts before.csv after.csv            # the four starts pooled

Given one file, the intervals of its own figures. ``--starts`` reads each FILE as the first of the four
per-start files ``headline.py --start-month all --out FILE`` writes (FILE, then FILE's stem with ``_m4``, ``_m7``
and ``_m10``) and pools them, as ``results/headline_365d_pooled.json`` does: rows are matched on the start month
too, and one zone-year's windows from every start are drawn together.

The headline's per-size recalls rest on about 22 events each and a look-alike's flag rate on 16 windows, so one
window moves them by 0.05 or 0.06: this says whether a change is larger than the windows it was measured on. Rows
are matched on mode, source, zone, year and round (the same windows and events, or it stops with the first row that
differs). Each draw resamples the zone-years with replacement, all rounds of one together (they share the base and
its real shifts), ``--draws`` times from a fixed seed. Per mode: AP, AP on events >= 5 %, recall by size at each
run's own flags, the share of clean windows and of all negatives flagged; for two files, before, after, the
difference with its 90 % interval and the share of draws in which after is higher.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer
from sklearn.metrics import average_precision_score

KEY = ["mode", "source", "series_id", "year", "round"]
TRUTH = ["label", "size", "scenario"]
SIZES = (0.05, 0.1, 0.2)
MODES = ("province", "alone")


def figures(rows: pd.DataFrame) -> dict[str, float]:
    """The headline's figures on ``rows`` of one mode (NaN where a sample holds none of what one needs)."""
    y, score, flagged, size = rows.label.to_numpy(), rows.score.to_numpy(), rows.flagged.to_numpy(bool), rows["size"]
    big = (y == 0) | (size.to_numpy() >= 0.05)
    out = {
        "ap": _ap(y, score),
        "ap_ge_5pct": _ap(y[big], score[big]),
        "fpr_clean": _mean(flagged[(y == 0) & (rows.scenario.to_numpy() == "clean")]),
        "fpr_all_negatives": _mean(flagged[y == 0]),
    }
    for s in SIZES:
        out[f"recall_{s:g}"] = _mean(flagged[(y == 1) & np.isclose(size.to_numpy(), s)])
    return out


def point_at_fpr(y: np.ndarray, score: np.ndarray, fpr: float = 0.01) -> float:
    """The lowest threshold at which at most ``fpr`` of the negatives score as high: read off the held-out
    negatives themselves (an oracle, not an operating point), as the issue states its reference's recall."""
    neg = np.sort(score[y == 0])
    k = int(np.floor(fpr * len(neg)))
    return float(np.nextafter(neg[len(neg) - k - 1], np.inf))


def point_within_limits(
    y: np.ndarray, score: np.ndarray, kinds: np.ndarray, clean: float = 0.01, kind: float = 0.05
) -> float:
    """The lowest threshold at which at most ``clean`` of the clean negatives and at most ``kind`` of each other
    negative kind (``kinds``: the scenario) score as high: the issue's operating conditions, read off the held-out
    rows themselves (an oracle, as ``point_at_fpr``). Compares the ranking of two models where it matters, apart
    from the operating points their training set (stop 57: the two disagree)."""
    neg = y == 0
    rows = {k: neg & (kinds == k) for k in np.unique(kinds[neg])}
    return max(point_at_fpr(y[m], score[m], clean if k == "clean" else kind) for k, m in rows.items())


def _ap(y: np.ndarray, score: np.ndarray) -> float:
    return float(average_precision_score(y, score)) if 0 < y.sum() < len(y) else float("nan")


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")


def read_rows(path: Path) -> pd.DataFrame:
    """A ``headline.py --out`` file, checked for the columns this needs."""
    if not path.is_file():
        raise typer.BadParameter(f"{path}: no such file")
    rows = pd.read_csv(path)
    missing = [c for c in [*KEY, *TRUTH, "score", "flagged"] if c not in rows]
    if missing:
        raise typer.BadParameter(f"{path}: no column(s) {', '.join(missing)}; write it with headline.py --out")
    return rows


def read_starts(path: Path) -> pd.DataFrame:
    """The four per-start rows files of ``headline.py --start-month all --out path``, pooled with their
    ``start_month``; a missing one is named."""
    from provinces import START_MONTHS, start_suffix  # type: ignore[import-not-found]

    frames = []
    for month in START_MONTHS:
        one = path.with_name(f"{path.stem}{start_suffix(month)}{path.suffix}")
        if not one.is_file():
            raise typer.BadParameter(
                f"{one}: no such file (--starts needs the four files of headline.py --start-month all)"
            )
        frames.append(read_rows(one).assign(start_month=month))
    return pd.concat(frames, ignore_index=True)


def paired(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """One row per window with both runs' answers; the same windows and truth in both, or a clear error."""
    key = [*KEY, "start_month"] if "start_month" in before and "start_month" in after else KEY
    both = before.merge(after, on=key, how="outer", suffixes=("", "_after"), indicator=True)
    lone = both[both._merge != "both"]
    if len(lone):
        r = lone.iloc[0]
        side = "first" if r._merge == "left_only" else "second"
        raise typer.BadParameter(
            f"row {', '.join(f'{k}={r[k]}' for k in key)} is only in the {side} file: not the same benchmark run"
        )
    for col in TRUTH:
        differ = both[both[col].astype(str) != both[f"{col}_after"].astype(str)]
        if len(differ):
            r = differ.iloc[0]
            raise typer.BadParameter(
                f"row {', '.join(f'{k}={r[k]}' for k in key)}: {col} {r[col]} in the first file, "
                f"{r[f'{col}_after']} in the second: not the same events"
            )
    return both.drop(columns="_merge")


def bootstrap(rows: pd.DataFrame, runs: list[str], draws: int, seed: int) -> dict[str, np.ndarray]:
    """Each run's figures over ``draws`` zone-year resamples of ``rows`` (one mode): name -> (draws, runs)."""
    groups = rows.groupby(["source", "series_id", "year"]).indices
    members = list(groups.values())
    rng = np.random.default_rng(seed)
    out: dict[str, list[list[float]]] = {}
    for _ in range(draws):
        pick = rng.integers(len(members), size=len(members))
        sample = rows.iloc[np.concatenate([members[i] for i in pick])]
        for k, run in enumerate(runs):
            for name, value in figures(_as_run(sample, run)).items():
                out.setdefault(name, [[] for _ in runs])[k].append(value)
    return {name: np.array(values).T for name, values in out.items()}


def _as_run(rows: pd.DataFrame, run: str) -> pd.DataFrame:
    """``rows`` with the answer columns of ``run`` ("" the first file, "_after" the second) as score and flagged."""
    return rows.assign(score=rows[f"score{run}"], flagged=rows[f"flagged{run}"])


def interval(values: np.ndarray) -> list[float]:
    """The 5th and 95th percentiles of the finite ``values`` (empty where none is)."""
    finite = values[np.isfinite(values)]
    return [round(float(v), 3) for v in np.percentile(finite, [5, 95])] if len(finite) else []


def compare(files: list[Path], draws: int = 2000, seed: int = 0, starts: bool = False) -> dict[str, Any]:
    """The comparison (two files) or the intervals (one), per mode; ``starts``: each file the first of four
    per-start files, pooled (``read_starts``). See the module's docstring."""
    if len(files) not in (1, 2):
        raise typer.BadParameter("give one rows file (its intervals) or two (before, after)")
    read = read_starts if starts else read_rows
    rows = read(files[0]) if len(files) == 1 else paired(read(files[0]), read(files[1]))
    runs = [""] if len(files) == 1 else ["", "_after"]
    out: dict[str, Any] = {"files": [str(f) for f in files], "draws": draws, "seed": seed, "starts_pooled": starts}
    for mode, g in rows.groupby("mode"):
        g = g.reset_index(drop=True)
        point = [figures(_as_run(g, run)) for run in runs]
        boot = bootstrap(g, runs, draws, seed)
        zone_years = int(g.groupby(["source", "series_id", "year"]).ngroups)
        block: dict[str, Any] = {"windows": len(g), "zone_years": zone_years}
        for name, values in boot.items():
            if len(runs) == 1:
                block[name] = {"value": round(point[0][name], 3), "interval_90": interval(values[:, 0])}
                continue
            diff = values[:, 1] - values[:, 0]
            ok = np.isfinite(diff)
            block[name] = {
                "before": round(point[0][name], 3),
                "after": round(point[1][name], 3),
                "difference": round(point[1][name] - point[0][name], 3),
                "interval_90": interval(diff),
                "share_of_draws_higher": round(float((diff[ok] > 0).mean()), 3) if ok.any() else None,
            }
        out[str(mode)] = block
    return out


def lines(result: dict[str, Any]) -> list[str]:
    """``compare``'s result as one line per mode and figure, for reading."""
    out = []
    for mode in MODES:
        block = result.get(mode)
        if block is None:
            continue
        out.append(f"{mode}: {block['windows']} windows, {block['zone_years']} zone-years")
        for name, v in block.items():
            if not isinstance(v, dict):
                continue
            low, high = v["interval_90"] or (float("nan"), float("nan"))
            if "value" in v:
                out.append(f"  {name:18s} {v['value']:.3f}  90 % [{low:.3f}, {high:.3f}]")
            else:
                share = v["share_of_draws_higher"]
                higher = f"{share:.0%}" if share is not None else "no"
                out.append(
                    f"  {name:18s} {v['before']:.3f} -> {v['after']:.3f}  {v['difference']:+.3f}"
                    f"  90 % [{low:+.3f}, {high:+.3f}]  after higher in {higher} of draws"
                )
    return out


def main(
    files: list[Path],
    draws: int = 2000,
    seed: int = 0,
    as_json: bool = typer.Option(False, "--json"),
    starts: bool = typer.Option(False, "--starts", help="pool each file's four per-start files (--start-month all)"),
) -> None:
    result = compare(files, draws, seed, starts)
    print(json.dumps(result, indent=2) if as_json else "\n".join(lines(result)))


if __name__ == "__main__":
    typer.run(main)
