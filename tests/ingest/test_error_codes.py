"""Every input error names what is wrong as an ``ErrorCode``: a closed set, given at every raise, kept by pickling."""

from __future__ import annotations

import ast
import pickle
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import detector
from detector import ErrorCode, InputValidationError
from detector.balance.engine import BalanceInputError
from detector.feedback import OutcomeFileError, UnknownReferenceError
from tests.conftest import hourly_table

PACKAGE = Path(detector.__file__).parent


def _table(**changes: object) -> pd.DataFrame:
    frame = hourly_table("m1", days=35).assign(unit="kW")
    for column, value in changes.items():
        frame.loc[5, column] = value
    return frame


CASES: list[tuple[str, Callable[[], object], ErrorCode]] = [
    ("negative load", lambda: detector.load(_table(load=-3.2)), ErrorCode.NEGATIVE_LOAD),
    ("infinite load", lambda: detector.load(_table(load=float("inf"))), ErrorCode.NON_FINITE_VALUE),
    ("text load", lambda: detector.load(_table().astype({"load": object}).assign(load="x")), ErrorCode.BAD_VALUE),
    ("bad timestamp", lambda: detector.load(_table(timestamp="yesterday")), ErrorCode.BAD_TIMESTAMP),
    (
        "far timestamp",
        lambda: detector.load(_table(timestamp="1066-10-14T09:00+00:00")),
        ErrorCode.TIMESTAMP_OUT_OF_RANGE,
    ),
    ("no rows", lambda: detector.load(_table().iloc[:0]), ErrorCode.NO_ROWS),
    ("missing column", lambda: detector.load(_table().drop(columns="load")), ErrorCode.MISSING_COLUMN),
    ("bad unit", lambda: detector.load(_table().drop(columns="unit"), unit="furlong"), ErrorCode.BAD_UNIT),
    ("no unit", lambda: detector.load(_table().drop(columns="unit")), ErrorCode.MISSING_VALUE),
    ("bad zone", lambda: detector.load(_table(), tz="Mars/Olympus"), ErrorCode.BAD_ZONE),
    ("bad country", lambda: detector.score(_table(), country="XX", peers="none"), ErrorCode.BAD_COUNTRY),
    (
        "naive timestamps",
        lambda: detector.load(_table().assign(timestamp=lambda f: f.timestamp.str[:19])),
        ErrorCode.NAIVE_TIMESTAMP,
    ),
    (
        "conflicting duplicate",
        lambda: detector.load(pd.concat([_table(), _table().iloc[[3]].assign(load=9.0)])),
        ErrorCode.DUPLICATE_TIMESTAMP,
    ),
]


@pytest.mark.parametrize(("case", "call", "code"), CASES, ids=[c[0] for c in CASES])
def test_representative_bad_inputs_name_their_code(case: str, call: Callable[[], object], code: ErrorCode) -> None:
    with pytest.raises(InputValidationError) as caught:
        call()
    assert caught.value.code is code, str(caught.value)


def test_the_message_is_unchanged_by_the_code() -> None:
    with pytest.raises(InputValidationError, match=r"^row 6, field 'load': load must be >= 0 \(got -3\.2\)"):
        detector.load(_table(load=-3.2))


def test_the_code_survives_pickling() -> None:
    exc = InputValidationError(
        field="load", value=-1.0, reason="load must be >= 0", row=3, code=ErrorCode.NEGATIVE_LOAD
    )
    back = pickle.loads(pickle.dumps(exc))
    assert (back.code, str(back), back.row) == (ErrorCode.NEGATIVE_LOAD, str(exc), 3)


def _subclassed() -> list[tuple[str, InputValidationError, dict[str, object]]]:
    """Each subclass built as its raisers build it, with the attributes of its own to check after the trip."""
    inner = InputValidationError(
        field="load",
        value=-1.0,
        reason="load must be >= 0",
        row=3,
        series_id="m1",
        more=2,
        code=ErrorCode.NEGATIVE_LOAD,
    )
    bad_rows = [
        InputValidationError(field="outcome", value="maybe", reason="not an outcome", row=r, code=ErrorCode.BAD_CHOICE)
        for r in (2, 5, 9)
    ]
    unknown = UnknownReferenceError(
        kind="unknown-series", row=4, field="series_id", value="f9", reason="job j1 has no result for this series"
    )
    return [
        ("balance", BalanceInputError("meters", inner), {"table": "meters"}),
        ("unknown reference", unknown, {"kind": "unknown-series"}),
        ("outcome file", OutcomeFileError(bad_rows), {"errors": [(str(e), e.code, e.row) for e in bad_rows]}),
        (
            "outcome file, one row",
            OutcomeFileError(bad_rows[:1]),
            {"errors": [(str(bad_rows[0]), ErrorCode.BAD_CHOICE, 2)]},
        ),
    ]


SUBCLASSED = _subclassed()


@pytest.mark.parametrize(("case", "exc", "own"), SUBCLASSED, ids=[c[0] for c in SUBCLASSED])
def test_subclasses_survive_pickling(case: str, exc: InputValidationError, own: dict[str, object]) -> None:
    """Worker processes send errors back pickled: the subclass, its message, code and fields all arrive."""
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc)
    assert str(back) == str(exc)
    assert back.code is exc.code
    for name in ("field", "value", "reason", "row", "series_id", "more"):
        assert getattr(back, name) == getattr(exc, name), name
    for name, expected in own.items():
        got = getattr(back, name)
        if name == "errors":
            got = [(str(e), e.code, e.row) for e in got]
        assert got == expected, name


def test_an_error_built_without_a_code_is_invalid() -> None:
    assert InputValidationError(field="x", value=1, reason="bad").code is ErrorCode.INVALID  # code outside the package


def test_codes_are_stable_lower_snake_names() -> None:
    assert all(code.value == code.name.lower() for code in ErrorCode)
    assert ErrorCode("negative_load") is ErrorCode.NEGATIVE_LOAD  # a StrEnum: JSON and CSV write the name


def _calls() -> list[tuple[str, ast.Call]]:
    """Every ``InputValidationError(...)`` call in the package, by ``file:line``."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name == "InputValidationError":
                    found.append((f"{path.relative_to(PACKAGE)}:{node.lineno}", node))
    return found


def test_every_raise_site_gives_a_code_of_the_closed_set() -> None:
    calls = _calls()
    assert len(calls) > 90  # the walk found the package's raise sites
    used = set()
    for where, call in calls:
        code = next((k.value for k in call.keywords if k.arg == "code"), None)
        assert code is not None, f"{where}: InputValidationError without code="
        if isinstance(code, ast.Attribute) and code.attr != "code":  # ErrorCode.X or detector.ErrorCode.X
            assert code.attr in ErrorCode.__members__, f"{where}: {code.attr} is not an ErrorCode"
            used.add(ErrorCode[code.attr])
        else:  # handing on another error's code: exc.code, result.code, or a checked table's code
            assert ast.unparse(code).endswith("code"), f"{where}: code={ast.unparse(code)}"
    assert used <= set(ErrorCode)
    assert set(ErrorCode) - used - {ErrorCode.INVALID} <= {
        ErrorCode.NON_FINITE_VALUE,  # given by the row checks' table (ingest/table.py), not at a raise
        ErrorCode.NEGATIVE_LOAD,
    }


def test_the_api_page_lists_every_code() -> None:
    page = (PACKAGE.parent / "docs" / "api.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| `(\w+)` \| ", page.split("### Error codes", 1)[1], flags=re.M)
    assert listed == [code.value for code in ErrorCode]
