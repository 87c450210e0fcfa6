"""``detector simulate`` and ``detector check``: labelled synthetic loads out, a load file's data quality in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Column, Table
from rich.text import Text

import detector
from detector.cli.common import CALENDAR_HELP, command_line_message, fail, out


def simulate_cmd(
    out_path: Annotated[Path, typer.Option("--out", help="Parquet or CSV file for the loads")],
    kind: Annotated[str, typer.Option(help="region (MW, GW-scale), feeder (MW) or meter (kW)")] = "feeder",
    n_series: Annotated[int, typer.Option("--n-series", min=1)] = 40,
    days: Annotated[int, typer.Option(min=28)] = 365,
    seed: Annotated[int, typer.Option()] = 0,
    mining_share: Annotated[float, typer.Option("--mining-share", min=0.0, max=1.0)] = 0.3,
    start: Annotated[str, typer.Option(help="first local day, YYYY-MM-DD")] = "2023-03-21",
    tz: Annotated[str, typer.Option("--tz", help="IANA zone of the calendar")] = "Asia/Tehran",
    country: Annotated[
        str | None, typer.Option(help="holiday country, ISO 3166 code; default: the country of --tz")
    ] = None,
    truth: Annotated[Path | None, typer.Option(help="truth table path (default: <out>.truth.csv)")] = None,
    partition_size: Annotated[
        int | None, typer.Option("--partition-size", min=1, help="write --out as a Parquet dataset, K series a file")
    ] = None,
) -> None:
    """Write labelled synthetic loads (long form, UTC) and their truth table.

    With --partition-size K, --out is a directory of Parquet files (part-00000.parquet, ...) of K whole
    series each, written one at a time so memory stays bounded; the truth table goes beside it.
    """
    try:
        country, _ = detector.calendar_country(country, tz)
    except detector.DetectorError as exc:
        fail(exc)
    if partition_size is not None:
        _simulate_parts(out_path, kind, n_series, days, seed, mining_share, start, tz, country, truth, partition_size)
        return
    try:
        fleet = detector.simulate.make_fleet(
            kind=kind,
            n_series=n_series,
            days=days,
            mining_share=mining_share,
            start=start,
            spec=detector.CalendarSpec(tz=tz, country=country),
            seed=seed,
        )
    except ValueError as exc:
        fail(exc)
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
    parts = detector.simulate.iter_fleet(
        kind=kind,
        n_series=n_series,
        days=days,
        mining_share=mining_share,
        start=start,
        spec=detector.CalendarSpec(tz=tz, country=country),
        seed=seed,
        part_size=partition_size,
    )
    import pandas as pd

    out_dir.mkdir(parents=True, exist_ok=True)
    truths, rows = [], 0
    try:
        for i, fleet in enumerate(parts):
            fleet.loads.assign(unit=fleet.unit).to_parquet(out_dir / f"part-{i:05d}.parquet", index=False)
            truths.append(fleet.truth)
            rows += len(fleet.loads)
    except ValueError as exc:
        fail(exc)
    truth_path = truth or out_dir.with_name(out_dir.name.split(".")[0] + ".truth.csv")
    pd.concat(truths, ignore_index=True).to_csv(truth_path, index=False)
    out.print(
        f"wrote {rows:,} rows of {n_series} {kind} series to {len(truths)} files in {out_dir}; truth in {truth_path}"
    )


def check_cmd(
    input_path: Annotated[Path, typer.Argument(help="long CSV or Parquet: series_id, timestamp, load[, temperature]")],
    unit: Annotated[str | None, typer.Option(help="W, kW, MW, GW or Wh, kWh, MWh (else a 'unit' column)")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="IANA zone: local time of naive timestamps")] = None,
    report: Annotated[Path | None, typer.Option("--out", help="write the data-quality report as CSV")] = None,
    calendar: Annotated[str, typer.Option(help=CALENDAR_HELP)] = "gregorian",
) -> None:
    """Validate a load file: one data-quality row per series, or the error that rejected it."""
    rows: list[dict[str, object]] = []
    try:
        for sid, result in detector.iter_series(input_path, unit=unit, tz=tz, calendar=calendar):
            if isinstance(result, detector.DetectorError):
                rows.append({"series_id": sid, "error": command_line_message(str(result))})
            else:
                rows.append({**result.quality.to_dict(), "error": ""})
    except detector.DetectorError as exc:
        fail(exc)
    if report is not None:
        import pandas as pd

        frame = pd.DataFrame(rows)
        detector.escape_formulas(frame).to_csv(report, index=False)
    # Ids and messages fold onto more lines rather than end in "…", and are text, never rich markup.
    table = Table(
        Column("series_id", overflow="fold"),
        "resolution",
        "hours",
        "coverage",
        "filled",
        "missing",
        Column("error", overflow="fold", ratio=1),
    )
    for r in rows[:50]:
        cov = r.get("coverage")
        table.add_row(
            Text(str(r["series_id"])),
            str(r.get("resolution", "")),
            str(r.get("hours", "")),
            f"{cov:.1%}" if isinstance(cov, float) else "",
            str(r.get("gaps_filled", "")),
            str(r.get("missing_hours", "")),
            Text(str(r["error"])),
        )
    out.print(table)
    failed = sum(1 for r in rows if r["error"])
    out.print(f"{len(rows) - failed} series accepted, {failed} rejected")
    if failed:
        raise typer.Exit(1)
