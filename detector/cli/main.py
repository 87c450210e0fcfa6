"""The ``detector`` app: every command registered in the order ``detector --help`` lists them.

Start-up stays short (`detector --help` imports neither pandas nor the web stack): modules are imported
inside the commands that need them, and the commands of the service's database (serve, keys, outcomes,
recalibrate) are imported only when they run (``LAZY_COMMANDS``).
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand, TyperGroup

from detector.cli.balance import balance_cmd
from detector.cli.claims import verify_cmd
from detector.cli.data import check_cmd, simulate_cmd
from detector.cli.evaluate import evaluate_cmd
from detector.cli.score import score_cmd
from detector.cli.train import train_cmd

if TYPE_CHECKING:
    from typer._click import Command, Context  # the click that typer uses (vendored since typer 0.20)

# Commands whose modules import pydantic, SQLAlchemy or pandas when imported: name -> (module, attribute,
# the first paragraph of the command's help, which `detector --help` shows; tests check it is the real one).
LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "serve": (
        "detector.cli.serve",
        "serve",
        "Run the HTTP scoring service (OpenAPI docs at /docs). Settings: DETECTOR_* environment variables.",
    ),
    "recalibrate": (
        "detector.cli.feedback",
        "recalibrate_cmd",
        "Refit calibration and threshold on recorded outcomes; write a NEW model version (trees unchanged).",
    ),
    "keys": ("detector.cli.keys", "keys_app", "Manage API keys (stored hashed; a key is shown once)."),
    "outcomes": (
        "detector.cli.feedback",
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
    """The main group, with ``LAZY_COMMANDS`` listed after the commands registered here."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, (_, _, help_line) in LAZY_COMMANDS.items():
            self.add_command(_Listed(name=name, help=help_line))


app = typer.Typer(
    cls=_Group, no_args_is_help=True, add_completion=False, help="Find illicit crypto-mining in load data."
)
app.command("simulate")(simulate_cmd)  # detector/cli/data.py
app.command("check")(check_cmd)
app.command("score")(score_cmd)  # detector/cli/score.py
app.command("train")(train_cmd)  # detector/cli/train.py
app.command("evaluate")(evaluate_cmd)  # detector/cli/evaluate.py
app.command("verify")(verify_cmd)  # detector/cli/claims.py
app.command("balance")(balance_cmd)  # detector/cli/balance.py


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
