"""``detector score``: the ranked inspection list of a load file (thin layer over ``detector.iter_scores``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import detector
from detector.cli.common import (
    CALENDAR_HELP,
    COUNTRY_HELP,
    TZ_HELP,
    available_cores,
    command_line_message,
    conflict,
    err,
    fail,
    load_model_opt,
    out,
    peers_arg,
)

if TYPE_CHECKING:  # pandas is imported where it is used: `detector score --help` starts without it
    import pandas as pd

SHOWN_FAILURES = 10  # failed series whose reason is printed; the CSV's error column has them all


def notice(text: str) -> None:
    """One line on stderr about an option that did not apply as asked (shown even with --quiet)."""
    err.print(f"note: {text}", highlight=False, soft_wrap=True)


def score_cmd(
    input_path: Annotated[Path, typer.Argument(help="long CSV or Parquet: series_id, timestamp, load[, temperature]")],
    out_path: Annotated[Path, typer.Option("--out", help="score file (CSV), one row per series")],
    model: Annotated[Path | None, typer.Option(help="model directory (default: the bundled model)")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help=TZ_HELP)] = None,
    unit: Annotated[str | None, typer.Option(help="W, kW, MW, GW or Wh, kWh, MWh (else a 'unit' column)")] = None,
    country: Annotated[str | None, typer.Option(help=COUNTRY_HELP)] = None,
    threshold: Annotated[float | None, typer.Option(min=0.0, max=1.0, help="flag at this probability")] = None,
    calendar: Annotated[
        str, typer.Option(help=CALENDAR_HELP + "; solar-hijri also fills the score file's onset_local and end_local")
    ] = "gregorian",
    top: Annotated[int | None, typer.Option(min=1, help="flag the K highest scores (inspection budget)")] = None,
    max_false_alarm: Annotated[
        float | None,
        typer.Option(
            "--max-false-alarm",
            min=0.0,
            max=1.0,
            help="flag where the false_alarm_rate is at most this share (0.05: 5 % of clean loads like it score "
            "as high); instead of the model's threshold",
        ),
    ] = None,
    segments: Annotated[Path | None, typer.Option(help="also write one row per segment (CSV)")] = None,
    peers: Annotated[
        str,
        typer.Option(
            help="auto: an input of several series (up to 400) serves as its own peers, each series' expected "
            "load also follows the others; none: each series alone"
        ),
    ] = "auto",
    peers_file: Annotated[
        Path | None,
        typer.Option("--peers-file", help="peers from this table (same format as INPUT) instead of the input"),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="no progress bar")] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="score in this many processes, one core each (1: this process only); an input of one block "
            "(250,000 rows: about 28 one-year hourly series) or, with peers, of up to 400 series is scored in "
            "this process",
            show_default=f"the available cores: {available_cores()}",
        ),
    ] = None,
    engine: Annotated[str, typer.Option(help="local, or dask: INPUT a Parquet dataset/CSV glob, --out a directory")] = (
        "local"
    ),
    scheduler: Annotated[str | None, typer.Option(help="dask: cluster address, e.g. tcp://host:8786")] = None,
    partitions: Annotated[int | None, typer.Option(min=1, help="dask: partitions if series span files")] = None,
) -> None:
    """Score every series: a ranked inspection list. Exit 1 if any series failed, 2 if the input did.

    The input is read series by series: memory stays bounded when its rows are grouped by series_id
    (with peers, the whole input is read before the first series is scored). The score file's `peers`
    column lists the series each one was compared with.
    --engine dask scores a partitioned dataset on a Dask cluster (a LocalCluster of --workers processes
    unless --scheduler is given), each series alone, and writes OUT/scores.parquet/ (all results) and
    OUT/scores.csv (ranked).
    """
    if threshold is not None and top is not None:
        conflict("--top", top, "give --threshold or --top, not both")
    if max_false_alarm is not None and (threshold is not None or top is not None):
        which = "--threshold" if threshold is not None else "--top"
        conflict("--max-false-alarm", max_false_alarm, f"give {which} or --max-false-alarm, not both")
    if engine not in ("local", "dask"):
        fail(
            detector.InputValidationError(
                code=detector.ErrorCode.BAD_CHOICE,
                field="--engine",
                value=engine,
                reason="engine must be local or dask",
            )
        )
    peers_choice = peers_arg(peers, peers_file)
    try:  # every scoring option checked here, once; an error names its flag (``fail``)
        options = detector.ScoreOptions(
            unit=unit,
            tz=tz,
            country=country,
            threshold=threshold,
            peers=peers_choice,
            calendar=calendar,
            max_false_alarm=max_false_alarm,
        )
    except detector.DetectorError as exc:
        fail(exc)
    if engine == "dask":
        if peers_file is not None:
            conflict("--peers-file", str(peers_file), "the dask engine scores each series alone")
        if peers_choice == "auto":
            notice("the dask engine scores each series alone (--peers none says so and hides this note)")
        _score_on_dask(input_path, out_path, model, options, top, segments, quiet, workers, scheduler, partitions)
        return
    if workers is not None and workers > 1 and peers_choice != "none":
        which = "with peers (--peers auto) an input of up to 400 series" if peers_choice == "auto" else "the input"
        notice(f"{which} is scored in one process, not {workers}, because peers need the whole input")
    n_workers = workers if workers is not None else available_cores()
    _score_locally(input_path, out_path, model, options, top, segments, quiet, n_workers)


def _note(options: detector.ScoreOptions) -> str | None:
    """The line saying which holiday calendar applies when --country is not given (as ``calendar_note``)."""
    return f"note: {options.country_note}" if options.country_note else None


def _score_locally(
    input_path: Path,
    out_path: Path,
    model: Path | None,
    options: detector.ScoreOptions,
    top: int | None,
    segments: Path | None,
    quiet: bool,
    workers: int,
) -> None:
    """`score` on this machine: the score file from ``detector.iter_scores``, and the segment file if asked."""
    mdl = load_model_opt(model)
    rows: list[dict[str, object]] = []
    seg_rows: list[dict[str, object]] = []
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    progress = Progress(
        TextColumn("scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[sid]}"),
        console=err,
        disable=quiet or not err.is_terminal,  # no bar (nor its blank line) in a log or a pipe
        transient=True,
    )
    try:
        with progress:
            task = progress.add_task("score", total=None, sid="")
            for sid, result in detector.iter_scores(input_path, model=mdl, workers=workers, options=options):
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
                            "excess_low": seg.excess_low,
                            "excess_high": seg.excess_high,
                        }
                    )
    except detector.DetectorError as exc:
        fail(exc)
    if segments is not None:
        import pandas as pd

        columns = ["series_id", "segment", "start", "end", "excess_load", "unit", "score", "evidence"]
        seg_frame = pd.DataFrame(seg_rows, columns=[*columns, "excess_low", "excess_high"])
        detector.escape_formulas(seg_frame).to_csv(segments, index=False)
    write_ranked(rows, out_path, top, quiet, _note(options))


def _rigs_follow_flags(frame: pd.DataFrame) -> pd.DataFrame:
    """Rig counts (and their 90 % interval) on the rows ``--top`` flagged, and on no other: the budget, not the
    model's threshold, decides which rows are findings, and a count on an unflagged row reads as one."""
    import pandas as pd

    from detector.scoring.report import rig_equivalents

    def rigs(column: str) -> list[float | None]:
        values = pd.to_numeric(frame[column], errors="coerce")
        return [
            round(rig_equivalents(float(v), str(unit)), 1) if on and pd.notna(v) else None
            for v, unit, on in zip(values, frame["unit"], frame["flagged"].astype(bool), strict=True)
        ]

    frame["rigs"], frame["rigs_low"], frame["rigs_high"] = rigs("excess_load"), rigs("excess_low"), rigs("excess_high")
    frame.loc[~frame["flagged"].astype(bool) & (frame["error"].fillna("") == ""), "rigs"] = 0.0  # as scoring writes
    return frame


def write_ranked(
    rows: list[dict[str, object]], out_path: Path, top: int | None, quiet: bool, note: str | None = None
) -> None:
    """Write the ranked score file from rows in input order; exit 1 if any series failed.

    ``note`` (e.g. which holiday calendar applied) follows the summary line on stdout.
    Every column of ``ScoreReport.ROW_COLUMNS`` is written, a failed series' cells empty but its error.
    Each failed series' reason goes to stderr, the first ``SHOWN_FAILURES`` of them, even with --quiet.
    """
    import pandas as pd

    frame = pd.DataFrame(rows).reindex(columns=detector.ScoreReport.ROW_COLUMNS)
    frame["error"] = frame["error"].map(lambda e: command_line_message(e) if isinstance(e, str) else e)
    frame = frame.sort_values("score", ascending=False, na_position="last", kind="stable")
    if top is not None:
        ok = frame["error"].fillna("") == ""
        frame["flagged"] = False
        frame.loc[frame.index[ok][:top], "flagged"] = True
        frame = _rigs_follow_flags(frame)
        # What each context finds was measured at the model's operating points, not at a budget's flags.
        from detector.scoring.sensitivity import without_note

        frame["recall_by_size"] = None
        frame["data_quality"] = frame["data_quality"].map(lambda q: without_note(q) if isinstance(q, str) else q)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    detector.escape_formulas(frame).to_csv(out_path, index=False)  # ids and messages never run as formulas
    failures = frame.loc[frame["error"].fillna("") != "", ["series_id", "error"]]
    for sid, message in failures.head(SHOWN_FAILURES).itertuples(index=False):
        named = message if f"[series {sid!r}]" in message else f"{message} [series {sid!r}]"
        err.print(f"failed: {named}", highlight=False, soft_wrap=True, markup=False)
    if len(failures) > SHOWN_FAILURES:
        err.print(
            f"... and {len(failures) - SHOWN_FAILURES} more failed series (see the CSV's error column)",
            highlight=False,
            soft_wrap=True,
        )
    if not quiet:
        out.print(
            f"{len(frame) - len(failures)} series scored, {int(frame['flagged'].fillna(False).sum())} flagged, "
            f"{len(failures)} failed; written to {out_path}"
        )
        if note:
            out.print(note, highlight=False, soft_wrap=True, markup=False)
    if len(failures):
        raise typer.Exit(1)


def _score_on_dask(
    input_path: Path,
    out_dir: Path,
    model: Path | None,
    options: detector.ScoreOptions,
    top: int | None,
    segments: Path | None,
    quiet: bool,
    workers: int | None,
    scheduler: str | None,
    partitions: int | None,
) -> None:
    """`score --engine dask`: results dataset on the cluster, then the same ranked file as the local engine."""
    if segments is not None:
        conflict("--segments", str(segments), "not with --engine dask")
    try:
        run = detector.score_dataset(
            input_path,
            out_dir,
            model_dir=model,
            options=options,
            scheduler=scheduler,
            workers=workers if workers is not None and workers > 1 else None,
            partitions=partitions,
        )
    except detector.DetectorError as exc:
        fail(exc)
    if not quiet:
        how = "shuffled on series_id" if run.shuffled else "no shuffle: each file holds whole series"
        out.print(f"{run.n_files} files, {run.n_rows:,} rows, {run.workers} workers, {how}, {run.seconds:.1f} s")
    write_ranked(detector.read_results(run.results), out_dir / "scores.csv", top, quiet, _note(options))
