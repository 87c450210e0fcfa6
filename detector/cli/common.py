"""What every command shares: the zone and calendar help, flag-named error lines, the model and peers options."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.text import Text

import detector

err = Console(stderr=True)
out = Console()

PEERS_CHOICES = ("auto", "none")


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system reports one)."""
    count = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if count is not None:
        return int(count() or 1)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# The same zone and calendar defaults in every command (score, train, evaluate, verify, recalibrate).
TZ_HELP = (
    "IANA zone of local time, e.g. Asia/Tehran: naive timestamps are read in it and the calendar follows it; "
    "default: none, so timestamps need UTC offsets and the calendar is UTC"
)
CALENDAR_HELP = (
    "how INPUT writes its timestamps: gregorian (ISO 8601) or solar-hijri (local Solar Hijri date-times such as "
    "1402/08/17 14:00, ASCII or Persian digits, read in --tz, which it needs)"
)
COUNTRY_HELP = (
    "holiday calendar, ISO 3166 code; default: the country of --tz (America/Chicago: US, Asia/Tehran: IR), or IR "
    "for a zone of no country (UTC); a note (and the results' data quality) says which"
)


def calendar_note(country: str | None, tz: str | None) -> str | None:
    """The line saying which holiday calendar applies when --country is not given (as the results' data quality).

    Commands print it on stdout after their summary: stderr holds errors and failed series, one line each.
    """
    if country is not None:
        return None
    try:
        _, note = detector.calendar_country(None, tz)
    except detector.DetectorError:  # an unknown --tz: the command reports it
        return None
    return f"note: {note}" if note else None


def print_note(note: str | None) -> None:
    """The calendar note (``calendar_note``) on stdout, as text: never read as rich markup."""
    if note:
        out.print(note, highlight=False, soft_wrap=True, markup=False)


# The engine's messages name Python arguments (``unit=``, ``tz=``); on the command line they name the flags.
FLAG_FIELDS = {
    "unit": "--unit",
    "tz": "--tz",
    "country": "--country",
    "calendar": "--calendar",
    "threshold": "--threshold",
}
_ARGUMENT_PHRASES = {  # argument -> (the engine's phrase, the command line's, with {flag} for the flag)
    "unit": ("pass unit= (e.g. 'kW')", "pass {flag} (e.g. {flag} kW)"),
    "tz": ("give tz (e.g. tz='Asia/Tehran')", "give {flag} (e.g. {flag} Asia/Tehran)"),
}


def command_line_message(message: str, fields: dict[str, str] = FLAG_FIELDS) -> str:
    """``message`` as the command line says it: the flags in ``fields`` (argument -> flag), not arguments.

    An error about an argument starts ``field 'tz': ...`` (one about a column starts with its row), so only
    that form of the field is renamed, plus the engine's phrases that name an argument.
    """
    for name, flag in fields.items():
        if name in _ARGUMENT_PHRASES:
            python, cli = _ARGUMENT_PHRASES[name]
            message = message.replace(python, cli.format(flag=flag))
        if message.startswith(f"field {name!r}: "):
            message = f"field {flag!r}: " + message.removeprefix(f"field {name!r}: ")
    return message


def fail(exc: Exception, fields: dict[str, str] = FLAG_FIELDS) -> NoReturn:
    """One red line on stderr, exit 2: how the CLI answers a ``DetectorError`` or a bad option."""
    line = Text.assemble(("error:", "red"), " ", command_line_message(str(exc), fields))  # no markup in messages
    err.print(line, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def conflict(field: str, value: object, reason: str) -> NoReturn:
    """``fail`` on an option that cannot go with another one given (code ``conflicting_options``)."""
    fail(
        detector.InputValidationError(
            code=detector.ErrorCode.CONFLICTING_OPTIONS, field=field, value=value, reason=reason
        )
    )


def load_model_opt(model: Path | None) -> detector.MiningModel:
    try:
        return detector.load_model(model)
    except detector.DetectorError as exc:
        fail(exc)
        raise  # unreachable: fail exits


def peers_arg(peers: str, peers_file: Path | None) -> str | Path:
    """``--peers`` and ``--peers-file`` -> the ``peers=`` argument of ``detector.iter_scores``."""
    if peers not in PEERS_CHOICES:
        fail(
            detector.InputValidationError(
                code=detector.ErrorCode.BAD_CHOICE, field="--peers", value=peers, reason="peers must be auto or none"
            )
        )
    if peers_file is None:
        return peers
    if peers == "none":
        conflict("--peers-file", str(peers_file), "give --peers none or --peers-file, not both")
    return peers_file
