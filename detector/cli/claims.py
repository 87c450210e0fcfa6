"""``detector verify``: check a claimed mining fleet against a load file (thin layer over ``claims.verify``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

import detector
from detector.cli.common import COUNTRY_HELP, TZ_HELP, fail, out


def show(result: detector.Verification) -> None:
    """The verdict, the interval and the reasons, for a person."""
    colour = {"consistent": "green", "inconsistent": "red", "undecidable": "yellow"}[result.verdict]
    finding = f" ({result.finding})" if result.finding and result.finding != "matches" else ""
    out.print(f"[bold]{result.series_id}[/bold]: claim [{colour}]{result.verdict}{finding}[/{colour}]")
    for reason in result.reasons:
        out.print(f"  - {reason}", highlight=False)
    for note in result.notes:  # e.g. the holiday calendar taken from the zone
        out.print(f"note: {note}", highlight=False, markup=False)


def verify_cmd(
    input_path: Annotated[Path, typer.Argument(help="long CSV or Parquet: series_id, timestamp, load[, temperature]")],
    start: Annotated[str | None, typer.Option(help="claimed start, local date or time (e.g. 2023-05-01)")] = None,
    series_id: Annotated[
        str | None, typer.Option("--series-id", help="the claimed site (default: the only one)")
    ] = None,
    rigs: Annotated[float | None, typer.Option(help="claimed number of rigs")] = None,
    rig_model: Annotated[str | None, typer.Option("--rig-model", help=f"one of {', '.join(detector.RIGS)}")] = None,
    rig_kw: Annotated[float | None, typer.Option("--rig-kw", help="kW per rig (instead of --rig-model)")] = None,
    power_kw: Annotated[float | None, typer.Option("--power-kw", help="claimed total kW (instead of rigs)")] = None,
    uptime: Annotated[float, typer.Option(help="claimed share of hours the fleet runs")] = 1.0,
    licensed_kw: Annotated[float | None, typer.Option("--licensed-kw", help="licensed capacity, kW")] = None,
    curtail_hours: Annotated[str | None, typer.Option("--curtail-hours", help="curtailment hours, e.g. 18-22")] = None,
    curtail_share: Annotated[float, typer.Option("--curtail-share", help="share to shed then (1 = off)")] = 1.0,
    curtail_months: Annotated[
        str | None,
        typer.Option(
            "--curtail-months",
            help="local months the rule applies in: Gregorian numbers (6-9) or Solar Hijri names (Tir-Shahrivar), "
            "matched by date in that calendar",
        ),
    ] = None,
    dedicated: Annotated[bool, typer.Option(help="the series meters the mining site alone")] = False,
    peers: Annotated[
        str | None, typer.Option(help="'all' other series in the file, or ids 'A,B,C': places without the claim")
    ] = None,
    unit: Annotated[str | None, typer.Option(help="W, kW, MW, GW or Wh, kWh, MWh (else a 'unit' column)")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help=TZ_HELP)] = None,
    country: Annotated[str | None, typer.Option(help=COUNTRY_HELP)] = None,
    confidence: Annotated[float, typer.Option(help="interval level")] = 0.9,
    tolerance: Annotated[float, typer.Option(help="slack granted to the claim (rig power, uptime)")] = 0.15,
    rig_table: Annotated[Path | None, typer.Option("--rig-table", help="CSV model,kw: more rigs")] = None,
    plot: Annotated[Path | None, typer.Option(help="write a plot (.png or .svg)")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the result as JSON")] = None,
    claims: Annotated[
        Path | None, typer.Option(help="CSV of many claims (series_id, start, rigs or power_kw, ...) instead")
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="with --claims: results CSV, one row per claim")
    ] = None,
) -> None:
    """Check a claimed mining fleet (rigs, start, uptime, licence, curtailment) against the load it should show.

    One claim from the options, or many from ``--claims FILE`` (one results row each with ``--out``).
    """
    from detector.claims import parse_curtail_months, parse_hours, read_rig_table, render

    if claims is not None:
        _verify_many(input_path, claims, out_path, unit, tz, country, confidence, tolerance, rig_table)
        return
    try:
        if start is None:
            raise detector.InputValidationError(
                code=detector.ErrorCode.MISSING_VALUE,
                field="start",
                value=None,
                reason="give --start (or --claims FILE)",
            )
        table = read_rig_table(rig_table) if rig_table is not None else None
        months, months_calendar = parse_curtail_months(curtail_months)
        claim = detector.Claim(
            start=start,
            rigs=rigs,
            rig_model=rig_model,
            kw_per_rig=rig_kw,
            power_kw=power_kw,
            uptime=uptime,
            licensed_kw=licensed_kw,
            curtail_hours=parse_hours(curtail_hours),
            curtail_share=curtail_share,
            curtail_months=months,
            dedicated=dedicated,
            curtail_calendar=months_calendar,
        )
        claim.check()
        series = detector.load(input_path, unit=unit, tz=tz)
        ids = [s.series_id for s in series]
        if series_id is None and len(series) > 1:
            raise detector.InputValidationError(
                code=detector.ErrorCode.MISSING_VALUE,
                field="series_id",
                value=None,
                reason=f"the file holds {len(series)} series; name one with --series-id",
            )
        target_id = series_id if series_id is not None else ids[0]
        if target_id not in ids:
            raise detector.InputValidationError(
                code=detector.ErrorCode.UNKNOWN_REFERENCE,
                field="series_id",
                value=target_id,
                reason="no such series in the file",
            )
        wanted = set(ids) - {target_id} if peers == "all" else {p.strip() for p in (peers or "").split(",") if p}
        missing = sorted(wanted - set(ids))
        if missing:
            raise detector.InputValidationError(
                code=detector.ErrorCode.UNKNOWN_REFERENCE,
                field="peers",
                value=missing[0],
                reason="no such series in the file",
            )
        target = series[ids.index(target_id)]
        peer_series = [s for s in series if s.series_id in wanted and s.series_id != target_id]
        result = detector.verify_claim(
            target,
            claim,
            country=country,
            confidence=confidence,
            tolerance=tolerance,
            rig_table=table,
            peers=peer_series,
        )
    except (detector.DetectorError, OSError) as exc:
        fail(exc)
        return
    show(result)
    if json_out is not None:
        json_out.write_text(json.dumps(result.to_dict(), indent=2, default=str) + "\n")
    if plot is not None:
        fmt: Literal["png", "svg"] = "svg" if plot.suffix.lower() == ".svg" else "png"
        plot.write_bytes(render(result, fmt))


def _verify_many(
    input_path: Path,
    claims_path: Path,
    out_path: Path | None,
    unit: str | None,
    tz: str | None,
    country: str | None,
    confidence: float,
    tolerance: float,
    rig_table: Path | None,
) -> None:
    """The batch form: every claim of a file, a table on screen, a results CSV; exit 1 if any claim failed."""
    import pandas as pd

    from detector.claims import read_claims, read_rig_table, result_row, verify_claims

    try:
        table = read_rig_table(rig_table) if rig_table is not None else None
        rows = read_claims(claims_path)
        series = detector.load(input_path, unit=unit, tz=tz)
    except (detector.DetectorError, OSError) as exc:
        fail(exc)
        return
    results = verify_claims(series, rows, country=country, confidence=confidence, tolerance=tolerance, rig_table=table)
    view = Table("claim", "series", "verdict", "observed", "interval", "claimed", "curtailment")
    records = []
    for row, result in results:
        rec = result_row(row, result)
        records.append(rec)
        if rec["error"]:
            view.add_row(row.claim_id, row.series_id, "[red]error[/red]", str(rec["error"]), "", "", "")
            continue
        obs = "" if rec["observed"] is None else f"{rec['observed']:,.3g} {rec['unit']}"
        band = "" if rec["low"] is None else f"{rec['low']:,.3g} .. {rec['high']:,.3g}"
        verdict = f"{rec['verdict']}" + (f" ({rec['finding']})" if rec["finding"] not in ("", "matches") else "")
        view.add_row(row.claim_id, row.series_id, verdict, obs, band, f"{rec['claimed']:,.3g}", str(rec["curtailment"]))
    out.print(view)
    if out_path is not None:
        detector.escape_formulas(pd.DataFrame(records)).to_csv(out_path, index=False)
    failed = sum(1 for r in records if r["error"])
    out.print(f"{len(records) - failed} claims checked, {failed} could not be")
    if failed:
        raise typer.Exit(1)
