"""Command line: parses arguments, calls the public API, renders results. No logic of its own.

Start-up stays short (`detector --help` imports neither pandas nor the web stack): modules are imported
inside the commands that need them, and the commands defined under detector/service/ are imported only
when they run (``LAZY_COMMANDS``).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text
from typer.core import TyperCommand, TyperGroup

import detector
from detector.balance_cli import balance_cmd
from detector.claims_cli import verify_cmd
from detector.score_cli import CALENDAR_HELP, COUNTRY_HELP, TZ_HELP, calendar_note, command_line_message, score_cmd
from detector.score_cli import fail as _fail
from detector.score_cli import load_model_opt as _load_model_opt

if TYPE_CHECKING:
    from typer._click import Command, Context  # the click that typer uses (vendored since typer 0.20)

# Commands whose modules import pydantic, SQLAlchemy or pandas when imported: name -> (module, attribute,
# the first paragraph of the command's help, which `detector --help` shows; tests check it is the real one).
LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "serve": (
        "detector.service.cli",
        "serve",
        "Run the HTTP scoring service (OpenAPI docs at /docs). Settings: DETECTOR_* environment variables.",
    ),
    "recalibrate": (
        "detector.service.feedback_cli",
        "recalibrate_cmd",
        "Refit calibration and threshold on recorded outcomes; write a NEW model version (trees unchanged).",
    ),
    "keys": ("detector.service.cli", "keys_app", "Manage API keys (stored hashed; a key is shown once)."),
    "outcomes": (
        "detector.service.feedback_cli",
        "outcomes_app",
        "Record inspection outcomes and list them (in the service's database).",
    ),
}


def load_command(name: str) -> Command:
    """The real command of a ``LAZY_COMMANDS`` entry (a typer sub-app becomes a group), imported now."""
    module, attr, _ = LAZY_COMMANDS[name]
    target = getattr(importlib.import_module(module), attr)
    if isinstance(target, typer.Typer):
        return typer.main.get_group(target)
    one = typer.Typer(add_completion=False)
    one.command(name)(target)
    return typer.main.get_command(one)


class _Listed(TyperCommand):
    """A ``LAZY_COMMANDS`` entry in `detector --help`; running it parses with the real command, loaded then."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Context | None = None, **extra: Any
    ) -> Context:
        assert self.name is not None
        return load_command(self.name).make_context(info_name, args, parent=parent, **extra)


class _Group(TyperGroup):
    """The main group, with ``LAZY_COMMANDS`` listed after the commands defined here."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, (_, _, help_line) in LAZY_COMMANDS.items():
            self.add_command(_Listed(name=name, help=help_line))


app = typer.Typer(
    cls=_Group, no_args_is_help=True, add_completion=False, help="Find illicit crypto-mining in load data."
)
out = Console()


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
        _fail(exc)
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
        _fail(exc)
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


app.command("score")(score_cmd)  # detector/score_cli.py


def _labelled(paths: list[Path], unit: str | None, tz: str | None, country: str | None) -> list[detector.LabelledSet]:
    import pandas as pd

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
        sets.append(detector.LabelledSet(path.stem, frame, pd.read_csv(truth_path), str(u), tz, country))
    return sets


@app.command("train")
def train_cmd(
    data: Annotated[list[Path], typer.Argument(help="labelled load files; each with <name>.truth.csv beside it")],
    out_dir: Annotated[Path, typer.Option("--out", help="model directory to write")],
    tz: Annotated[str | None, typer.Option("--tz", help=TZ_HELP)] = None,
    unit: Annotated[str | None, typer.Option()] = None,
    country: Annotated[str | None, typer.Option(help=COUNTRY_HELP)] = None,
    name: Annotated[str, typer.Option(help="model name, the prefix of its version")] = "model",
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Fit classifier, calibrator and threshold on labelled data; write a versioned artefact.

    Zone and holiday calendar default as in `detector score`.
    """
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
    _print_note(calendar_note(country, tz))


@app.command("evaluate")
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
) -> None:
    """Detection, calibration, timing and size errors against the truth; generic detectors side by side.

    Zone, holiday calendar and peers default as in `detector score`, so the figures are those of its answers.
    """
    import json

    import pandas as pd

    mdl = _load_model_opt(model)
    frame = pd.read_parquet(data) if data.suffix.lower() in (".parquet", ".pq") else pd.read_csv(data)
    u = unit or (str(frame["unit"].iloc[0]) if "unit" in frame else None)
    if u is None:
        _fail(detector.InputValidationError(field="unit", value=None, reason="pass --unit"))
    truth_df = pd.read_csv(truth, parse_dates=["start", "end"])
    names = list(detector.BASELINES) if baselines else []
    from detector.pipeline import resolve_peers
    from detector.score_cli import peers_arg

    pool = resolve_peers(frame, peers_arg(peers, None))
    labelled = detector.LabelledSet(data.stem, frame, truth_df, str(u), tz, country, peers=pool)
    try:
        _, summary = detector.evaluate([labelled], mdl, names)
    except detector.DetectorError as exc:
        _fail(exc)
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
    out.print(f"flag rate by look-alike: {summary['flag_rate_by_lookalike']}")
    out.print(
        f"median onset error {summary['median_onset_error_h']} h; median excess-load relative error "
        f"{summary['median_excess_rel_error']}"
    )
    if report is not None:
        summary["peers"] = "none" if pool is None else "auto"
        report.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    _print_note(calendar_note(country, tz))


def _print_note(note: str | None) -> None:
    if note:
        out.print(note, highlight=False, soft_wrap=True, markup=False)


app.command("verify")(verify_cmd)
app.command("balance")(balance_cmd)


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
