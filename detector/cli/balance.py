"""`detector balance`: feeder energy balance from the command line (parses, calls the public API, renders)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.table import Table

import detector
from detector.cli.common import command_line_message, fail, out

_LONG = "long CSV or Parquet: series_id, timestamp, load [, unit]"


def _fail_in_table(exc: detector.DetectorError) -> NoReturn:
    """The error line, naming this command's flags: a unit is --feeder-unit or --meter-unit by its table."""
    table, _, message = str(exc).partition(": ")
    unit_flag = {"feeders": "--feeder-unit", "meters": "--meter-unit"}.get(table)
    if unit_flag is None:
        fail(exc, {"tz": "--tz"})
    fail(ValueError(f"{table}: " + command_line_message(message, {"unit": unit_flag, "tz": "--tz"})), {})


def balance_cmd(
    feeders: Annotated[Path, typer.Option("--feeders", help=f"feeder (or transformer) loads, {_LONG}")],
    meters: Annotated[Path, typer.Option("--meters", help=f"billed meter loads, {_LONG}")],
    mapping: Annotated[
        Path, typer.Option("--mapping", help="CSV or Parquet: meter_id, feeder_id [, valid_from, valid_to]")
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="directory for balance.csv and its companions")] = Path("."),
    tz: Annotated[str | None, typer.Option("--tz", help="IANA zone of local time, e.g. Asia/Tehran")] = None,
    feeder_unit: Annotated[str | None, typer.Option("--feeder-unit", help="else the feeders' 'unit' column")] = None,
    meter_unit: Annotated[str | None, typer.Option("--meter-unit", help="else the meters' 'unit' column")] = None,
    top: Annotated[int, typer.Option(min=1, help="rows of the table to print")] = 20,
) -> None:
    """Energy balance per feeder: unbilled power over time, when it stepped up, its shape and size.

    Writes OUT/balance.csv (the ranked inspection list, one row per feeder), OUT/balance_daily.csv
    (unbilled energy per feeder and UTC day) and OUT/balance_meters.csv (meters that moved at each onset).
    """
    try:
        results = detector.balance_feeders(
            feeders, meters, mapping, feeder_unit=feeder_unit, meter_unit=meter_unit, tz=tz
        )
    except detector.DetectorError as exc:
        _fail_in_table(exc)
    import pandas as pd

    out_dir.mkdir(parents=True, exist_ok=True)
    moved = pd.DataFrame(
        [
            {"feeder_id": r.feeder_id, "meter_id": m.meter_id, "kind": m.kind, "change": m.change, "before": m.before}
            for r in results
            for m in r.meter_changes
        ],
        columns=["feeder_id", "meter_id", "kind", "change", "before"],
    )
    files = {
        "balance.csv": pd.DataFrame([r.to_row() for r in results]),
        "balance_daily.csv": pd.concat([r.daily() for r in results], ignore_index=True),
        "balance_meters.csv": moved,
    }
    for name, frame in files.items():  # ids never run as spreadsheet formulas
        detector.escape_formulas(frame).to_csv(out_dir / name, index=False)
    cols = ("rank", "feeder", "verdict", "onset (UTC)", "unbilled", "rigs", "t", "on", "night/day", "meters moved")
    table = Table(*cols)
    for r in results[:top]:
        s = r.shape
        table.add_row(
            str(r.rank),
            r.feeder_id,
            r.verdict,
            r.onset.strftime("%Y-%m-%d %H:%M") if r.onset is not None else "",
            f"{r.unbilled_load:.3g} {r.unit}" if r.onset is not None else "",
            f"{r.rigs:.1f}" if r.onset is not None else "",
            f"{r.t:.1f}",
            f"{s.share_on:.0%}" if s else "",
            f"{s.night_day_ratio:.2f}" if s else "",
            ", ".join(f"{m.meter_id} ({m.kind})" for m in r.meter_changes[:3]),
        )
    out.print(table)
    flagged = sum(r.flagged for r in results)
    unclear = sum(r.verdict == "undecidable" for r in results)
    out.print(
        f"{len(results)} feeders balanced: {flagged} with an unbilled step, {unclear} undecidable; "
        f"written to {out_dir / 'balance.csv'}"
    )
