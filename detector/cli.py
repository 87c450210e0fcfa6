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
) -> None:
    """Write labelled synthetic loads (long form, UTC) and their truth table."""
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


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
