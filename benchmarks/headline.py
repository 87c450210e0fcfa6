"""The headline: detection on real zone-years of HELD-OUT zones with independently injected events.

Two modes: every held-out zone scored ALONE, and every province-year posted as ONE INPUT (the detector's default
``peers="auto"`` then gives each zone the others as peers). Figures: AP, AP on events >= 5 % of mean load,
recall by size and by shape at the model's threshold, FPR on clean windows, flag rate per look-alike, onset and
excess errors, 90 % interval coverage, ms per series-year, the top-scoring false positives (and how many flagged
answers have a peer's own event switching at their onset: ``peer_event_near``), and per size how
many events the search found and how those scored (``located_by_size``); and how sure
the main figures are (``intervals_90``: AP, AP on events >= 5 %, recall by size, clean and all-negative flag
rates, over 1,000 resamples of the zone-years, as ``compare_headline.py`` draws them); and, on the same windows,
issue 14's reference (``flat_step_reference``, our reading of it; with the province's other zones as peers in the
province mode) and CUSUM (``against_reference``: AP, and recall by size at each one's held-out 1 % FPR point);
and what keeping the answers whose ``false_alarm_rate`` is at most 1, 2, 5 or 10 % gives on these zones
(``by_false_alarm_budget``: clean windows and negatives kept, worst look-alike, recall by size).

    cd benchmarks && ../.venv/bin/python headline.py [--rounds 3] [--days 365] [--start-month 1]

The headline's windows start on 1 January. ``--start-month 4 / 7 / 10`` starts them on the first of that month
instead (results ``headline_365d_m7.json`` ...): the same held-out zones and the same kind of events, with the
winter in the middle of the window. An analyst posts the last twelve months or a fiscal or Solar Hijri year, so
these are reported beside the headline (BENCHMARKS.md), never pooled into it. ``--start-month all`` runs the
four starts in one go, writes each one's result file, and ``headline_365d_starts.json``: per start and mode the
AP, AP on events >= 5 % and the share of clean windows flagged, with the mean and the worst of the four.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from compare_headline import bootstrap, interval, point_at_fpr  # type: ignore[import-not-found]
from peer_events import named, peer_event_counts, peer_event_near  # type: ignore[import-not-found]
from provinces import (  # type: ignore[import-not-found]
    HEADLINE_SEED,
    SOURCES,
    Province,
    provinces,
    start_months,
    start_suffix,
)
from sklearn.metrics import average_precision_score

import detector
from detector.evaluation import FALSE_ALARM_BUDGETS, within_budget
from detector.features.calendar import CalendarSpec, grid_calendar
from detector.features.daily import daily_view
from detector.models.baselines import cusum_level_shift, flat_step_reference

MODES = ("alone", "province")


def score_province(
    prov: Province, mode: str, model: detector.MiningModel, max_false_alarm: float | None = None
) -> tuple[pd.DataFrame, float, int]:
    """Rows of truth + answers for the held-out zones; seconds spent and series scored. ``max_false_alarm``: the
    answers of ``detector.score(max_false_alarm=...)``, flagged within that false-alarm budget."""
    held = set(prov.truth.series_id)
    t0 = time.perf_counter()
    options: dict[str, Any] = {
        "unit": prov.unit,
        "tz": prov.tz,
        "country": "US",
        "model": model,
        "max_false_alarm": max_false_alarm,
    }
    if mode == "alone":
        loads = prov.loads
        reports = [detector.score(loads[loads.series_id == sid], peers="none", **options)[0] for sid in sorted(held)]
        n_scored = len(held)
    else:
        reports = detector.score(prov.loads, peers="auto", **options)
        n_scored = len(reports)
    seconds = time.perf_counter() - t0
    by_id = {r.series_id: r for r in reports if r.series_id in held}
    others = _comparators(prov, mode)
    rows = []
    for t in prov.truth.itertuples(index=False):
        r = by_id[t.series_id]
        low, high = getattr(r, "excess_interval", None) or (np.nan, np.nan)
        rows.append(
            {
                **t._asdict(),
                "mode": mode,
                "score": r.score,
                "flagged": r.flagged,
                "onset": r.onset,
                "excess_load": r.excess_load,
                "excess_low": low,
                "excess_high": high,
                "peers": len(r.quality.get("peers", [])),
                "peer_ids": " ".join(r.quality.get("peers", [])),
                "temperature": "temperature" in prov.loads,  # the zone's source carries temperature
                "evidence": "; ".join(r.evidence[:3]),
                # the answer names a peer whose fall may have made its rise (``falling_peer_warnings``)
                "peer_fall_warning": any("below the other peers'" in w for w in r.warnings),
                # the answer names a peer without which its main rise falls under half (``leaning_peer_warnings``)
                "peer_leans_warning": any(w.startswith("the main rise leans on peer") for w in r.warnings),
                "false_alarm_rate": r.false_alarm_rate,
                "peer_event": peer_event_near(r.onset, r.quality.get("peers", []), prov.events),
                **others[t.series_id],
            }
        )
    return pd.DataFrame(rows), seconds, n_scored


COMPARATORS = ("reference", "cusum")


def _comparators(prov: Province, mode: str) -> dict[str, dict[str, float]]:
    """Each held-out zone's scores by the issue's reference (``flat_step_reference``: with the province's other
    zones as peers in the province mode) and by the best generic detector here (``cusum_level_shift``)."""
    wide = prov.loads.pivot_table(index="timestamp", columns="series_id", values="load").sort_index()
    cal = grid_calendar(pd.Timestamp(wide.index[0]), len(wide), CalendarSpec(tz=prov.tz, country="US"))
    levels = {z: daily_view(wide[z].to_numpy(float), cal).mean for z in wide} if mode == "province" else {}
    out = {}
    for sid in prov.truth.series_id:
        load = wide[sid].to_numpy(float)
        peers = np.column_stack([v for z, v in levels.items() if z != sid]) if levels else None
        out[sid] = {"reference": flat_step_reference(load, cal, peers), "cusum": cusum_level_shift(load, cal)}
    return out


def by_false_alarm_budget(df: pd.DataFrame) -> dict[str, Any]:
    """What an analyst who keeps the answers whose ``false_alarm_rate`` is at most a budget gets on the held-out
    windows: the share of clean windows and of all negatives kept (does the rate read on training zones hold on
    zones never seen?), the worst look-alike, and the recall by size. Answers without a rate are not kept."""
    out: dict[str, Any] = {}
    for budget in FALSE_ALARM_BUDGETS:
        kept = df.assign(kept=within_budget(df.false_alarm_rate, budget))
        neg, pos = kept[kept.label == 0], kept[kept.label == 1]
        by_kind = neg[neg.scenario != "clean"].groupby("scenario").kept.mean()
        out[f"{budget:g}"] = {
            "clean_kept": round(float(neg[neg.scenario == "clean"].kept.mean()), 4),
            "negatives_kept": round(float(neg.kept.mean()), 4),
            "worst_lookalike": {str(by_kind.idxmax()): round(float(by_kind.max()), 3)} if len(by_kind) else {},
            "recall_by_size": pos.groupby("size").kept.mean().round(3).to_dict(),
        }
    return out


def against_reference(df: pd.DataFrame, draws: int = 1000) -> dict[str, Any]:
    """The detector beside the issue's reference and CUSUM on the same windows: AP, AP on events >= 5 %, and
    recall by size at each one's own held-out 1 % FPR point; and the detector's AP minus the reference's with
    its 90 % interval over the zone-years (paired draws, as ``compare_headline.py``)."""
    y = df.label.to_numpy(int)
    big = ((df.label == 0) | (df["size"] >= 0.05)).to_numpy()
    out: dict[str, Any] = {}
    for name, col in (("detector", "score"), *((c, c) for c in COMPARATORS)):
        v = df[col].to_numpy(float)
        cut = point_at_fpr(y, v)
        hit = df.assign(hit=v >= cut)[y == 1]
        out[name] = {
            "ap": round(float(average_precision_score(y, v)), 3),
            "ap_ge_5pct": round(float(average_precision_score(y[big], v[big])), 3),
            "recall_at_fpr_1pct_by_size": hit.groupby("size").hit.mean().round(3).to_dict(),
        }
    both = df.reset_index(drop=True)
    at_point = both.reference >= point_at_fpr(y, both.reference.to_numpy())
    both = both.assign(score_ref=both.reference, flagged_ref=at_point)
    boot = bootstrap(both, ["", "_ref"], draws=draws, seed=0)
    out["detector_minus_reference"] = {
        key: {
            "difference": round(out["detector"][key] - out["reference"][key], 3),
            "interval_90": interval(boot[key][:, 0] - boot[key][:, 1]),
        }
        for key in ("ap", "ap_ge_5pct")
    }
    return out


LOCATED_DAYS = 7  # an answer whose onset is this close to the event's first switch-on found it (``located_by_size``)


def found_events(rows: pd.DataFrame) -> np.ndarray:
    """Which rows' answers start within ``LOCATED_DAYS`` of the event's first switch-on (False without an onset)."""
    err = (pd.to_datetime(rows.onset, utc=True) - pd.to_datetime(rows.start, utc=True)).abs()
    return (err <= pd.Timedelta(days=LOCATED_DAYS)).to_numpy()


def located_by_size(pos: pd.DataFrame) -> dict[float, dict[str, Any]]:
    """Per event size: how many events the search found (the answer's onset within ``LOCATED_DAYS`` of the first
    switch-on, flagged or not) and how the found ones and the rest scored and were flagged.

    Tells a search that missed from trees that scored a found block low: at stop 60, the province mode found 67 %
    of its 10 % events (every plain step) yet flagged 15 of those 58, median score 0.38. A staircase's answer
    often starts at a later batch, so it counts as not found here though the block was.
    """
    out: dict[float, dict[str, Any]] = {}
    for size, g in pos.assign(found=found_events(pos)).groupby("size"):
        yes, no = g[g.found], g[~g.found]
        out[float(size)] = {
            "events": len(g),
            "found": len(yes),
            "found_flagged": int(yes.flagged.sum()),
            "median_score_found": round(float(yes.score.median()), 3) if len(yes) else None,
            "median_score_not_found": round(float(no.score.median()), 3) if len(no) else None,
            "found_by_shape": g.groupby("scenario").found.mean().round(2).to_dict(),
        }
    return out


def summarise(df: pd.DataFrame) -> dict[str, Any]:
    y = df.label.to_numpy(int)
    neg = df[df.label == 0]
    pos = df[df.label == 1]
    big = df[(df.label == 0) | (df["size"] >= 0.05)]
    out: dict[str, Any] = {
        "n": len(df),
        "positives": int(y.sum()),
        "ap": round(float(average_precision_score(y, df.score)), 3),
        "ap_ge_5pct": round(float(average_precision_score(big.label, big.score)), 3),
        "ap_by_source": {
            s: round(float(average_precision_score(g.label, g.score)), 3) for s, g in df.groupby("source")
        },
        "fpr_clean": round(float(neg[neg.scenario == "clean"].flagged.mean()), 4),
        "fpr_all_negatives": round(float(neg.flagged.mean()), 4),
        "flag_rate_by_lookalike": neg.groupby("scenario").flagged.mean().round(3).to_dict(),
        "recall": round(float(pos.flagged.mean()), 3),
        "recall_by_size": pos.groupby("size").flagged.mean().round(3).to_dict(),
        "recall_by_shape": pos.groupby("scenario").flagged.mean().round(3).to_dict(),
        "recall_by_source_size": {
            s: g.groupby("size").flagged.mean().round(2).to_dict() for s, g in pos.groupby("source")
        },
    }
    if len(pos):
        out["located_by_size"] = located_by_size(pos)
    hit = pos[pos.flagged & pos.onset.notna() & pos.start.notna()]
    if len(hit):
        onset = (pd.to_datetime(hit.onset, utc=True) - pd.to_datetime(hit.start, utc=True)).abs()
        out["median_onset_error_h"] = round(float(onset.dt.total_seconds().median() / 3600), 1)
        steady = hit[hit.scenario != "staircase"]
        err = (steady.excess_load - steady.excess).abs() / steady.excess
        out["median_excess_rel_error"] = round(float(err.median()), 3)
        inside = (steady.excess_low <= steady.excess) & (steady.excess <= steady.excess_high)
        out["interval_coverage_90"] = round(float(inside.mean()), 3) if steady.excess_low.notna().any() else None
        if "temperature" in steady:
            # Pooled, the interval can meet its band while one context over-covers and the other under-covers
            # (stop 53: with peers, series with temperature 57 of 57, without 25 of 32).
            out["sizing_by_temperature"] = {
                ("with" if temp else "without"): {
                    "farms": len(g),
                    "median_excess_rel_error": round(float(err[g.index].median()), 3),
                    "interval_coverage_90": round(float(inside[g.index].mean()), 3),
                }
                for temp, g in steady.groupby("temperature")
            }
    for column, key in (("peer_fall_warning", "peer_fall_warnings"), ("peer_leans_warning", "peer_leans_warnings")):
        if column in df:  # rows written before a warning existed lack its column
            out[key] = {
                "negatives": int(neg[column].sum()),
                "negatives_flagged": int((neg[column] & neg.flagged).sum()),
                "mining": int(pos[column].sum()),
                "mining_flagged": int((pos[column] & pos.flagged).sum()),
            }
    # How sure each figure is: 90 % intervals over the zone-years (``compare_headline.py``; 1,000 draws here).
    boot = bootstrap(df.reset_index(drop=True), [""], draws=1000, seed=0)
    out["intervals_90"] = {name: interval(values[:, 0]) for name, values in boot.items()}
    if "reference" in df:
        out["against_reference"] = against_reference(df)
    if "false_alarm_rate" in df and df.false_alarm_rate.notna().any():
        out["by_false_alarm_budget"] = by_false_alarm_budget(df)
    if "peer_event" in df:  # rows written before stop 67 lack it
        out["peer_event_near_onset"] = peer_event_counts(df)
    fp = neg.sort_values("score", ascending=False).head(8)
    out["top_false_positives"] = [
        f"{r.source} {r.series_id} {r.year} r{r['round']} {r.scenario} score {r.score:.3f}: {r.evidence[:150]}"
        + (f" [a peer's event near the onset: {r.peer_event}]" if named(r.get("peer_event")) else "")
        for _, r in fp.iterrows()
    ]
    return out


def run(
    rounds: int,
    days: int,
    sources: tuple[str, ...],
    modes: tuple[str, ...],
    model: detector.MiningModel,
    start_month: int = 1,
    whole_units: bool = True,
    seed: int = HEADLINE_SEED,
    split: str = "held_out",
    max_false_alarm: float | None = None,
    years: tuple[int, ...] | None = None,
):
    frames: list[pd.DataFrame] = []
    timing: dict[str, list[float]] = {m: [] for m in modes}
    draws = provinces(
        rounds=rounds,
        sources=sources,
        days=days,
        seed=seed,
        start_month=start_month,
        whole_units=whole_units,
        split=split,
        years=years,
    )
    for prov in draws:
        for mode in modes:
            rows, seconds, n = score_province(prov, mode, model, max_false_alarm)
            frames.append(rows)
            timing[mode].append(seconds / n * 1000 / (days / 365))
    return pd.concat(frames, ignore_index=True), timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--sources", default=",".join(SOURCES))
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--out", default="")
    parser.add_argument("--model", default="", help="model directory (default: the bundled model)")
    parser.add_argument("--name", default="", help="results file suffix")
    parser.add_argument(
        "--fractions",
        action="store_true",
        help="blocks added in fractions to whole-unit loads, as in stops 1-42 (injector.py's whole_units; stop 43)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=HEADLINE_SEED,
        help=f"the injector's draw (default {HEADLINE_SEED}, the headline's; another gives fresh events on the same "
        "held-out zone-years: a check that sixty stops of decisions read on one draw did not fit it)",
    )
    parser.add_argument(
        "--split",
        default="held_out",
        choices=("held_out", "train"),
        help="train: the TRAINING zones' provinces (every zone counted; use another --seed than the headline's), for "
        "choosing what the model does not learn without reading a held-out zone",
    )
    parser.add_argument(
        "--not-counted",
        default="",
        help="series scored (and peers of the others) but left out of every figure, comma-separated; the rows in "
        "--out keep them. With --split train: ERCOT-FWEST, which training leaves out as a target (its own rise), "
        "as read at stops 65-66",
    )
    parser.add_argument(
        "--max-false-alarm",
        type=float,
        default=None,
        help="answers flagged within this false-alarm budget (detector score --max-false-alarm), not at the model's "
        "operating points: the budget an analyst sets, as it answers (results file suffix _budget<B>)",
    )
    parser.add_argument(
        "--years",
        default="",
        help="years instead of each source's (e.g. 2006-2013 with --sources pjm: held-out zone-years no decision "
        "has read; a year whose window the data does not hold is skipped); results file suffix _years<A>-<B>",
    )
    parser.add_argument(
        "--start-month", default="1", help="7: July-to-June windows (a robustness check); all: 1, 4, 7 and 10"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    model = detector.load_model(args.model or None)
    months = start_months(args.start_month)
    runs = {month: _headline(args, model, month) for month in months}
    if len(months) > 1:
        from detection import write_result  # type: ignore[import-not-found]

        starts = _starts_summary({month: result for month, (result, _) in runs.items()})
        print(json.dumps(starts, indent=2))
        write_result(f"headline_{args.days}d_starts{_suffix(args)}", starts)
        pooled = _pooled_summary(model, {month: rows for month, (_, rows) in runs.items()})
        print(json.dumps(pooled, indent=2, default=str))
        write_result(f"headline_{args.days}d_pooled{_suffix(args)}", pooled)


def _suffix(args: argparse.Namespace) -> str:
    """The results files' suffix: ``--name``, after "_fractions" for a run on fractional blocks (not the headline)."""
    fresh = f"_seed{args.seed}" if args.seed != HEADLINE_SEED else ""
    train = "_train" if args.split == "train" else ""
    budget = f"_budget{args.max_false_alarm:g}" if args.max_false_alarm is not None else ""
    years = f"_years{args.years}" if args.years else ""
    return ("_fractions" if args.fractions else "") + train + fresh + budget + years + args.name


def year_range(text: str) -> tuple[int, ...] | None:
    """``--years``: "2006-2013" (both included) or "2006,2008"; empty is each source's own years (None)."""
    if not text:
        return None
    try:
        if "-" in text:
            first, last = (int(part) for part in text.split("-"))
            return tuple(range(first, last + 1))
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise SystemExit(f"--years: {text!r} is not a range like 2006-2013 or a list like 2006,2008") from None


def _starts_summary(results: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The figures that move with the window's start, per start and mode, with their mean and worst."""
    first = next(iter(results.values()))
    out: dict[str, Any] = {"model_version": first["model_version"], "start_months": list(results)}
    for mode in MODES:
        per = {m: r[mode] for m, r in results.items() if mode in r}
        if not per:
            continue
        block: dict[str, Any] = {}
        for key, worst in (("ap", min), ("ap_ge_5pct", min), ("fpr_clean", max)):
            values = {m: v[key] for m, v in per.items()}
            block[key] = {
                "by_start_month": values,
                "mean": round(float(np.mean(list(values.values()))), 4),
                "worst": worst(values.values()),
            }
        out[mode] = block
    return out


def _pooled_summary(model: detector.MiningModel, rows: dict[int, pd.DataFrame]) -> dict[str, Any]:
    """Every figure of ``summarise`` over the windows of all start months together, per mode.

    January windows alone flatter the detector (stop 53: with peers, recall of 10 / 20 % events at the held-out
    1 % FPR point 0.21 / 0.76 over the four starts); the README quotes these. The resampled intervals draw
    zone-years, so one zone-year's four windows stay together."""
    both = pd.concat([g.assign(start_month=m) for m, g in rows.items()], ignore_index=True)
    out: dict[str, Any] = {"model_version": model.version, "start_months": list(rows)}
    for mode, g in both.groupby("mode"):
        out[str(mode)] = {**summarise(g), "by_start_month_n": g.groupby("start_month").size().to_dict()}
    return out


def _headline(
    args: argparse.Namespace, model: detector.MiningModel, start_month: int
) -> tuple[dict[str, Any], pd.DataFrame]:
    """One start month's headline: printed, written to its result file (and rows to ``--out``), returned with
    its rows."""
    t0 = time.perf_counter()
    sources, modes = tuple(args.sources.split(",")), tuple(args.modes.split(","))
    df, timing = run(
        args.rounds,
        args.days,
        sources,
        modes,
        model,
        start_month,
        not args.fractions,
        args.seed,
        args.split,
        args.max_false_alarm,
        year_range(args.years),
    )
    result: dict[str, Any] = {
        "model_version": model.version,
        "whole_units": not args.fractions,
        "thresholds": model.metadata.get("thresholds", model.threshold),
        "rounds": args.rounds,
        "days": args.days,
        "start_month": start_month,
        "seed": args.seed,
        "split": args.split,
        "max_false_alarm": args.max_false_alarm,
        "years": args.years or "each source's",
    }
    month = start_suffix(start_month)
    if args.out:
        out = Path(args.out)
        df.to_csv(out.with_name(f"{out.stem}{month}{out.suffix}"), index=False)
    df = counted(df, [n for n in args.not_counted.split(",") if n])
    if args.not_counted:
        result["not_counted"] = args.not_counted
    for mode, g in df.groupby("mode"):
        result[str(mode)] = {**summarise(g), "ms_per_series_year_median": round(float(np.median(timing[mode])), 1)}
    result["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(result, indent=2, default=str))
    from detection import write_result  # type: ignore[import-not-found]

    write_result(f"headline_{args.days}d{month}{_suffix(args)}", result)
    return result, df


def counted(rows: pd.DataFrame, not_counted: list[str]) -> pd.DataFrame:
    """``rows`` without the series ``not_counted`` (``--not-counted``); a name not among them is an error, so that
    a typo cannot leave a figure counting what it was meant to leave out."""
    unknown = sorted(set(not_counted) - set(rows.series_id))
    if unknown:
        raise SystemExit(
            f"--not-counted: no series {', '.join(unknown)} in these provinces "
            f"(they hold {', '.join(sorted(set(rows.series_id)))})"
        )
    return rows[~rows.series_id.isin(not_counted)]


if __name__ == "__main__":
    main()
