"""MkDocs hook: the README is the front page outside the site, so `mkdocs build --strict` checks it here.

It fails the build when README.md links to a repository file that does not exist, or to a heading that a
Markdown page does not have, when README.md reaches 10 KB (issue 17: a front page, the rest in docs/), or when
the test command it gives is not the one `.ci/run` calls.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from markdown.extensions.toc import slugify
from mkdocs.exceptions import PluginError

README_MAX_BYTES = 10_000
TEST_COMMAND = "make test"
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _anchors(markdown: str) -> set[str]:
    """The heading ids of a Markdown text (code blocks left out: their '#' lines are comments)."""
    text = _FENCE.sub("", markdown)
    return {slugify(re.sub(r"[`*]", "", h), "-") for h in _HEADING.findall(text)}


def readme_problems(root: Path) -> list[str]:
    """Everything wrong with root/README.md as a front page, one sentence each (empty when it is fine)."""
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    problems = []
    size = len(text.encode("utf-8"))
    if size >= README_MAX_BYTES:
        problems.append(f"README.md is {size:,} bytes; keep it under {README_MAX_BYTES:,} (move text to docs/)")
    for target in _LINK.findall(_FENCE.sub("", text)):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...: not a repository file
            continue
        path, _, anchor = target.partition("#")
        file = (root / path) if path else readme
        if not file.exists():
            problems.append(f"README.md links to {target!r}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file.read_text(encoding="utf-8")):
            problems.append(f"README.md links to {target!r}: {path or 'README.md'} has no heading with that id")
    ci = (root / ".ci" / "run").read_text(encoding="utf-8")
    if f"`{TEST_COMMAND}`" not in text and f"{TEST_COMMAND} " not in text:
        problems.append(f"README.md does not give the test command {TEST_COMMAND!r}")
    if not re.search(rf"^{re.escape(TEST_COMMAND)}\s*$", ci, re.MULTILINE):
        problems.append(f".ci/run does not call {TEST_COMMAND!r}, the test command README.md gives")
    return problems


def on_config(config: Any) -> Any:
    problems = readme_problems(Path(config["config_file_path"]).parent)
    if problems:
        raise PluginError("README.md as the front page:\n  " + "\n  ".join(problems))
    return config
