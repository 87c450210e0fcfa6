"""Command line: parses arguments, calls the public API, renders results. No logic of its own."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

import detector
from detector import simulate
from detector.balance_cli import balance_cmd
from detector.claims_cli import verify_cmd
from detector.service.cli import keys_app, serve
from detector.service.feedback_cli import outcomes_app, recalibrate_cmd

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Find illicit crypto-mining in load data.")
err = Console(stderr=True)
out = Console()


def _fail(exc: Exception) -> None:
    err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


@app.command("simulate")
def simulate_cmd(
    out_path: Annotated[Path, typer.Option("--out", help="Parquet or CSV file for the loads")],
    kind: Annotated[str, typer.Option(help="region (MW, GW-scale), feeder (MW) or meter (kW)")] = "feeder",
    n_series: Annotated[int, typer.Option("--n-series", min=1)] = 40,
    days: Annotated[int, typer.Option(min=28)] = 365,
    seed: Annotated[int, typer.Option()] = 0,
    mining_share: Annotated[float, typer.Option("--mining-share", min=0.0, max=1.0)] = 0.3,
    start: Annotated[str, typer.Option(help="first local day, YYYY-MM-DD")] = "2023-03-21",
    tz: Annotated[str, typer.Option("--tz", help="IANA zone of the calendar")] = "Asia/Tehran",
    country: Annotated[str, typer.Option(help="holiday country (ISO 3166 code)")] = "IR",
    truth: Annotated[Path | None, typer.Option(help="truth table path (default: <out>.truth.csv)")] = None,
    partition_size: Annotated[
        int | None, typer.Option("--partition-size", min=1, help="write --out as a Parquet dataset, K series a file")
    ] = None,
) -> None:
    """Write labelled synthetic loads (long form, UTC) and their truth table.

    With --partition-size K, --out is a directory of Parquet files (part-00000.parquet, ...) of K whole
    series each, written one at a time so memory stays bounded; the truth table goes beside it.
    """
    if partition_size is not None:
        _simulate_parts(out_path, kind, n_series, days, seed, mining_share, start, tz, country, truth, partition_size)
        return
    try:
        fleet = simulate.make_fleet(
            kind=kind,
            n_series=n_series,
            days=days,
            mining_share=mining_share,
            start=start,
            spec=detector.CalendarSpec(tz=tz, country=country),
            seed=seed,
        )
    except ValueError as exc:
        _fail(exc)
    loads = fleet.loads.assign(unit=fleet.unit)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if out_path.suffix.lower() == ".csv":
        loads.to_csv(out_path, index=False)
    else:
        loads.to_parquet(out_path, index=False)
    truth_path = truth or out_path.with_name(out_path.name.split(".")[0] + ".truth.csv")
    fleet.truth.to_csv(truth_path, index=False)
    out.print(f"wrote {len(loads):,} rows of {n_series} {kind} series to {out_path}; truth in {truth_path}")


def _simulate_parts(
    out_dir: Path,
    kind: str,
    n_series: int,
    days: int,
    seed: int,
    mining_share: float,
    start: str,
    tz: str,
    country: str,
    truth: Path | None,
    partition_size: int,
) -> None:
    """`simulate --partition-size K`: a Parquet dataset of K series per file plus one truth table."""
    parts = simulate.iter_fleet(
        kind=kind,
        n_series=n_series,
        days=days,
        mining_share=mining_share,
        start=start,
        spec=detector.CalendarSpec(tz=tz, country=country),
        seed=seed,
        part_size=partition_size,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    truths, rows = [], 0
    try:
        for i, fleet in enumerate(parts):
            fleet.loads.assign(unit=fleet.unit).to_parquet(out_dir / f"part-{i:05d}.parquet", index=False)
            truths.append(fleet.truth)
            rows += len(fleet.loads)
    except ValueError as exc:
        _fail(exc)
    truth_path = truth or out_dir.with_name(out_dir.name.split(".")[0] + ".truth.csv")
    pd.concat(truths, ignore_index=True).to_csv(truth_path, index=False)
    out.print(
        f"wrote {rows:,} rows of {n_series} {kind} series to {len(truths)} files in {out_dir}; truth in {truth_path}"
    )


@app.command("check")
def check_cmd(
    input_path: Annotated[Path, typer.Argument(help="long CSV or Parquet: series_id, timestamp, load[, temperature]")],
    unit: Annotated[str | None, typer.Option(help="W, kW, MW, GW or Wh, kWh, MWh (else a 'unit' column)")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="IANA zone: local time of naive timestamps")] = None,
    report: Annotated[Path | None, typer.Option("--out", help="write the data-quality report as CSV")] = None,
) -> None:
    """Validate a load file: one data-quality row per series, or the error that rejected it."""
    rows: list[dict[str, object]] = []
    try:
        for sid, result in detector.iter_series(input_path, unit=unit, tz=tz):
            if isinstance(result, detector.DetectorError):
                rows.append({"series_id": sid, "error": str(result)})
            else:
                rows.append({**result.quality.to_dict(), "error": ""})
    except detector.DetectorError as exc:
        _fail(exc)
    frame = pd.DataFrame(rows)
    if report is not None:
        frame.to_csv(report, index=False)
    table = Table("series_id", "resolution", "hours", "coverage", "filled", "missing", "error")
    for r in rows[:50]:
        cov = r.get("coverage")
        table.add_row(
            str(r["series_id"]),
            str(r.get("resolution", "")),
            str(r.get("hours", "")),
            f"{cov:.1%}" if isinstance(cov, float) else "",
            str(r.get("gaps_filled", "")),
            str(r.get("missing_hours", "")),
            str(r["error"]),
        )
    out.print(table)
    failed = sum(1 for r in rows if r["error"])
    out.print(f"{len(rows) - failed} series accepted, {failed} rejected")
    if failed:
        raise typer.Exit(1)


SCORE_COLUMNS = ("series_id", "score", "flagged", "onset", "end", "excess_load")


def _load_model_opt(model: Path | None) -> detector.MiningModel:
    try:
        return detector.load_model(model)
    except detector.DetectorError as exc:
        _fail(exc)
        raise  # unreachable: _fail exits


@app.command("score")
def score_cmd(
    input_path: Annotated[Path, typer.Argument(help="long CSV or Parquet: series_id, timestamp, load[, temperature]")],
    out_path: Annotated[Path, typer.Option("--out", help="score file (CSV), one row per series")],
    model: Annotated[Path | None, typer.Option(help="model directory (default: the bundled model)")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="IANA zone of local time, e.g. Asia/Tehran")] = None,
    unit: Annotated[str | None, typer.Option(help="W, kW, MW, GW or Wh, kWh, MWh (else a 'unit' column)")] = None,
    country: Annotated[str, typer.Option(help="holiday calendar (ISO 3166 code)")] = "IR",
    threshold: Annotated[float | None, typer.Option(min=0.0, max=1.0, help="flag at this probability")] = None,
    top: Annotated[int | None, typer.Option(min=1, help="flag the K highest scores (inspection budget)")] = None,
    segments: Annotated[Path | None, typer.Option(help="also write one row per segment (CSV)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="no progress bar")] = False,
    workers: Annotated[int, typer.Option(min=1, help="score in this many processes (one core each)")] = 1,
    engine: Annotated[str, typer.Option(help="local, or dask: INPUT a Parquet dataset/CSV glob, --out a directory")] = (
        "local"
    ),
    scheduler: Annotated[str | None, typer.Option(help="dask: cluster address, e.g. tcp://host:8786")] = None,
    partitions: Annotated[int | None, typer.Option(min=1, help="dask: partitions if series span files")] = None,
) -> None:
    """Score every series: a ranked inspection list. Exit 1 if any series failed, 2 if the input did.

    The input is read series by series: memory stays bounded when its rows are grouped by series_id.
    --engine dask scores a partitioned dataset on a Dask cluster (a LocalCluster of --workers processes
    unless --scheduler is given) and writes OUT/scores.parquet/ (all results) and OUT/scores.csv (ranked).
    """
    if threshold is not None and top is not None:
        _fail(detector.InputValidationError(field="--top", value=top, reason="give --threshold or --top, not both"))
    if engine not in ("local", "dask"):
        _fail(detector.InputValidationError(field="--engine", value=engine, reason="engine must be local or dask"))
    if engine == "dask":
        _score_on_dask(
            input_path,
            out_path,
            model,
            tz,
            unit,
            country,
            threshold,
            top,
            segments,
            quiet,
            workers,
            scheduler,
            partitions,
        )
        return
    mdl = _load_model_opt(model)
    rows: list[dict[str, object]] = []
    seg_rows: list[dict[str, object]] = []
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    progress = Progress(
        TextColumn("scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[sid]}"),
        console=err,
        disable=quiet,
        transient=True,
    )
    try:
        with progress:
            task = progress.add_task("score", total=None, sid="")
            for sid, result in detector.iter_scores(
                input_path, model=mdl, unit=unit, tz=tz, country=country, threshold=threshold, workers=workers
            ):
                progress.update(task, advance=1, sid=sid)
                if isinstance(result, detector.DetectorError):
                    rows.append({"series_id": sid, "error": str(result)})
                    continue
                rows.append(result.to_row())
                for i, seg in enumerate(result.segments):
                    seg_rows.append(
                        {
                            "series_id": sid,
                            "segment": i,
                            "start": seg.start.isoformat(),
                            "end": seg.end.isoformat() if seg.end is not None else "",
                            "excess_load": seg.excess_load,
                            "unit": result.unit,
                            "score": seg.score,
                            "evidence": "; ".join(seg.evidence),
                        }
                    )
    except detector.DetectorError as exc:
        _fail(exc)
    if segments is not None:
        pd.DataFrame(
            seg_rows, columns=["series_id", "segment", "start", "end", "excess_load", "unit", "score", "evidence"]
        ).to_csv(segments, index=False)
    _write_ranked(rows, out_path, top, quiet)


def _write_ranked(rows: list[dict[str, object]], out_path: Path, top: int | None, quiet: bool) -> None:
    """Write the ranked score file from rows in input order; exit 1 if any series failed."""
    frame = pd.DataFrame(rows)
    for col in ("score", "flagged", "onset", "end", "excess_load", "error"):
        if col not in frame:
            frame[col] = None
    frame = frame.sort_values("score", ascending=False, na_position="last", kind="stable")
    if top is not None:
        ok = frame["error"].fillna("") == ""
        frame["flagged"] = False
        frame.loc[frame.index[ok][:top], "flagged"] = True
    frame = frame[list(SCORE_COLUMNS) + [c for c in frame.columns if c not in SCORE_COLUMNS]]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out_path, index=False)
    failed = int((frame["error"].fillna("") != "").sum())
    if not quiet:
        out.print(
            f"{len(frame) - failed} series scored, {int(frame['flagged'].fillna(False).sum())} flagged, "
            f"{failed} failed; written to {out_path}"
        )
    if failed:
        raise typer.Exit(1)


def _score_on_dask(
    input_path: Path,
    out_dir: Path,
    model: Path | None,
    tz: str | None,
    unit: str | None,
    country: str,
    threshold: float | None,
    top: int | None,
    segments: Path | None,
    quiet: bool,
    workers: int,
    scheduler: str | None,
    partitions: int | None,
) -> None:
    """`score --engine dask`: results dataset on the cluster, then the same ranked file as the local engine."""
    if segments is not None:
        _fail(detector.InputValidationError(field="--segments", value=str(segments), reason="not with --engine dask"))
    try:
        run = detector.score_dataset(
            input_path,
            out_dir,
            model_dir=model,
            unit=unit,
            tz=tz,
            country=country,
            threshold=threshold,
            scheduler=scheduler,
            workers=workers if workers > 1 else None,
            partitions=partitions,
        )
    except detector.DetectorError as exc:
        _fail(exc)
    if not quiet:
        how = "shuffled on series_id" if run.shuffled else "no shuffle: each file holds whole series"
        out.print(f"{run.n_files} files, {run.n_rows:,} rows, {run.workers} workers, {how}, {run.seconds:.1f} s")
    _write_ranked(detector.read_results(run.results), out_dir / "scores.csv", top, quiet)


def _labelled(paths: list[Path], unit: str | None, tz: str | None, country: str) -> list[detector.LabelledSet]:
    sets = []
    for path in paths:
        truth_path = path.with_name(path.name.split(".")[0] + ".truth.csv")
        if not truth_path.exists():
            _fail(
                detector.InputValidationError(
                    field="truth", value=str(truth_path), reason=f"no truth table beside {path.name}"
                )
            )
        frame = pd.read_parquet(path) if path.suffix.lower() in (".parquet", ".pq") else pd.read_csv(path)
        u = unit or (str(frame["unit"].iloc[0]) if "unit" in frame else None)
        if u is None:
            _fail(detector.InputValidationError(field="unit", value=None, reason=f"{path.name}: pass --unit"))
        sets.append(detector.LabelledSet(path.stem, frame, pd.read_csv(truth_path), str(u), tz or "UTC", country))
    return sets


@app.command("train")
def train_cmd(
    data: Annotated[list[Path], typer.Argument(help="labelled load files; each with <name>.truth.csv beside it")],
    out_dir: Annotated[Path, typer.Option("--out", help="model directory to write")],
    tz: Annotated[str | None, typer.Option("--tz")] = "Asia/Tehran",
    unit: Annotated[str | None, typer.Option()] = None,
    country: Annotated[str, typer.Option()] = "IR",
    name: Annotated[str, typer.Option(help="model name, the prefix of its version")] = "model",
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Fit classifier, calibrator and threshold on labelled data; write a versioned artefact."""
    try:
        model = detector.train(_labelled(data, unit, tz, country), name=name, random_state=seed)
    except (detector.DetectorError, ValueError) as exc:
        _fail(exc)
    detector.save_model(model, out_dir)
    val = model.metadata["validation"]
    out.print(
        f"model {model.version} written to {out_dir}: threshold {model.threshold:.3f}, validation AP "
        f"{val['average_precision']:.3f}, recall {val['recall']:.2f}, FPR {val['fpr']:.3f}"
    )


@app.command("evaluate")
def evaluate_cmd(
    data: Annotated[Path, typer.Argument(help="labelled load file")],
    truth: Annotated[Path, typer.Argument(help="truth table: series_id, label, scenario, start, excess, ...")],
    model: Annotated[Path | None, typer.Option()] = None,
    tz: Annotated[str | None, typer.Option("--tz")] = "Asia/Tehran",
    unit: Annotated[str | None, typer.Option()] = None,
    country: Annotated[str, typer.Option()] = "IR",
    baselines: Annotated[bool, typer.Option("--baselines", help="also score generic detectors")] = False,
    report: Annotated[Path | None, typer.Option("--out", help="write the full report as JSON")] = None,
) -> None:
    """Detection, calibration, timing and size errors against the truth; generic detectors side by side."""
    import json

    mdl = _load_model_opt(model)
    frame = pd.read_parquet(data) if data.suffix.lower() in (".parquet", ".pq") else pd.read_csv(data)
    u = unit or (str(frame["unit"].iloc[0]) if "unit" in frame else None)
    if u is None:
        _fail(detector.InputValidationError(field="unit", value=None, reason="pass --unit"))
    truth_df = pd.read_csv(truth, parse_dates=["start", "end"])
    names = list(detector.BASELINES) if baselines else []
    labelled = detector.LabelledSet(data.stem, frame, truth_df, str(u), tz or "UTC", country)
    _, summary = detector.evaluate([labelled], mdl, names)
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
    out.print(f"flag rate by look-alike: {summary['flag_rate_by_lookalike']}")
    out.print(
        f"median onset error {summary['median_onset_error_h']} h; median excess-load relative error "
        f"{summary['median_excess_rel_error']}"
    )
    if report is not None:
        report.write_text(json.dumps(summary, indent=2, default=str) + "\n")


app.command("verify")(verify_cmd)
app.command("balance")(balance_cmd)
app.command("serve")(serve)
app.add_typer(keys_app, name="keys")
app.add_typer(outcomes_app, name="outcomes")
app.command("recalibrate")(recalibrate_cmd)


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
