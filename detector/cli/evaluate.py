"""``detector evaluate``: a model's detection, calibration and timing against a truth table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

import detector
from detector.cli.common import (
    COUNTRY_HELP,
    TZ_HELP,
    calendar_note,
    fail,
    load_model_opt,
    out,
    peers_arg,
    print_note,
)


def evaluate_cmd(
    data: Annotated[Path, typer.Argument(help="labelled load file")],
    truth: Annotated[Path, typer.Argument(help="truth table: series_id, label, scenario, start, excess, ...")],
    model: Annotated[Path | None, typer.Option()] = None,
    tz: Annotated[str | None, typer.Option("--tz", help=TZ_HELP)] = None,
    unit: Annotated[str | None, typer.Option()] = None,
    country: Annotated[str | None, typer.Option(help=COUNTRY_HELP)] = None,
    baselines: Annotated[bool, typer.Option("--baselines", help="also score generic detectors")] = False,
    report: Annotated[Path | None, typer.Option("--out", help="write the full report as JSON")] = None,
    peers: Annotated[
        str,
        typer.Option(
            "--peers",
            help="auto: the file's other series are each series' peers, as `detector score` does by default "
            "(2-400 series); none: each series alone",
        ),
    ] = "auto",
    resample_by: Annotated[
        str | None,
        typer.Option(
            "--resample-by",
            help="a truth column whose rows the 90 % intervals draw together (e.g. the base zone of windows cut "
            "from one load); default: each series on its own",
        ),
    ] = None,
) -> None:
    """Detection, calibration, timing and size errors against the truth; generic detectors side by side.

    Zone, holiday calendar and peers default as in `detector score`, so the figures are those of its answers.
    """
    import json

    import pandas as pd

    mdl = load_model_opt(model)
    frame = pd.read_parquet(data) if data.suffix.lower() in (".parquet", ".pq") else pd.read_csv(data)
    u = unit or (str(frame["unit"].iloc[0]) if "unit" in frame else None)
    if u is None:
        fail(
            detector.InputValidationError(
                code=detector.ErrorCode.MISSING_VALUE, field="unit", value=None, reason="pass --unit"
            )
        )
    truth_df = pd.read_csv(truth, parse_dates=["start", "end"])
    names = list(detector.BASELINES) if baselines else []
    pool = detector.resolve_peers(frame, peers_arg(peers, None))
    labelled = detector.LabelledSet(data.stem, frame, truth_df, str(u), tz, country, peers=pool)
    try:
        _, summary = detector.evaluate([labelled], mdl, names, resample_by)
    except detector.DetectorError as exc:
        fail(exc)
    table = Table("detector", "AP", "ROC AUC", "precision", "recall", "FPR")
    o = summary["overall"]
    table.add_row(
        mdl.version,
        f"{o['average_precision']:.3f}",
        f"{o['roc_auc']:.3f}",
        f"{o['precision']:.3f}",
        f"{o['recall']:.3f}",
        f"{o['fpr']:.3f}",
    )
    for name, b in summary["baselines"].items():
        table.add_row(name, f"{b['average_precision']:.3f}", f"{b['roc_auc']:.3f}", "", "", "")
    out.print(table)
    scored = "each series alone" if pool is None else "each series with the file's other series as peers"
    out.print(f"{scored} (--peers {peers}); precision, recall and FPR of the answers' own flags")
    ci = summary["intervals_90"]
    spans = [
        f"{name} {_span(ci[key])}" for name, key in (("AP", "average_precision"), ("recall", "recall"), ("FPR", "fpr"))
    ]
    spans += [f"AP minus {name} {_span(v, signed=True)}" for name, v in ci["ap_minus_baseline"].items()]
    over = "the series" if resample_by is None else f"the {resample_by} groups"
    out.print(f"90 % intervals over {over} ({ci['draws']} resamples): " + "; ".join(spans))
    out.print(f"flag rate by look-alike: {summary['flag_rate_by_lookalike']}")
    if "false_alarm_budgets" in summary:
        cells = [
            f"{float(b):.0%}: {v['clean_kept']:.1%} of clean series, recall {v['recall']:.2f}"
            for b, v in summary["false_alarm_budgets"].items()
            if v["clean_kept"] is not None and v["recall"] is not None
        ]
        out.print("kept at a false_alarm_rate budget of " + "; ".join(cells))
    out.print(
        f"median onset error {summary['median_onset_error_h']} h; median excess-load relative error "
        f"{summary['median_excess_rel_error']}"
    )
    if report is not None:
        summary["peers"] = "none" if pool is None else "auto"
        report.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    print_note(calendar_note(country, tz))


def _span(bounds: list[float] | None, signed: bool = False) -> str:
    """An interval as "0.712-0.801" (signed: "+0.05 to +0.21"); "n/a" where no draw could measure it."""
    if bounds is None:
        return "n/a"
    if signed:
        return f"{bounds[0]:+.3f} to {bounds[1]:+.3f}"
    return f"{bounds[0]:.3f}-{bounds[1]:.3f}"
