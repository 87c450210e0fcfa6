"""The page's languages: one JSON catalogue per language (``messages/en.json``, ``messages/fa.json``).

Jinja renders the templates with the chosen catalogue and embeds the same catalogue in the page for app.js,
so every label and message comes from one file per language. The language is picked from ``?lang=``, then the
``detector_lang`` cookie (the page's switch sets it), then the browser's Accept-Language, else English.
``?digits=fa`` (remembered in ``detector_digits``) writes numbers and dates in Persian digits (۰-۹).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

LANGS: tuple[str, ...] = ("en", "fa")
RTL: frozenset[str] = frozenset({"fa"})
DIGITS: tuple[str, ...] = ("latn", "fa")
LANG_COOKIE = "detector_lang"
DIGITS_COOKIE = "detector_digits"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def load_catalogues(directory: Path) -> dict[str, dict[str, str]]:
    """Each language's catalogue; they must hold the same keys (a missing one would show as its key)."""
    catalogues = {lang: json.loads((directory / f"{lang}.json").read_text(encoding="utf-8")) for lang in LANGS}
    keys = set(catalogues["en"])
    for lang, messages in catalogues.items():
        if set(messages) != keys:
            raise ValueError(f"catalogue {lang!r} differs from 'en' in keys {sorted(keys ^ set(messages))}")
    return catalogues


def accepted_language(header: str) -> str | None:
    """The supported language the Accept-Language header ranks highest (``fa-IR,fa;q=0.9,en;q=0.8`` -> fa)."""
    ranked: list[tuple[float, int, str]] = []
    for i, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = tag.strip().split("-")[0].lower()
        if lang in LANGS and q > 0:
            ranked.append((-q, i, lang))
    return min(ranked)[2] if ranked else None


def choose(query: str | None, cookie: str | None, accept: str | None) -> str:
    """The page's language: the query, else the remembered choice, else the browser's, else English."""
    for lang in (query, cookie):
        if lang in LANGS:
            return lang
    return accepted_language(accept or "") or "en"


@dataclass(frozen=True, slots=True)
class Translator:
    """``t(key, **values)`` for the templates: the catalogue's text with ``{name}`` placeholders filled."""

    messages: dict[str, str]

    def __call__(self, key: str, **values: object) -> str:
        text = self.messages[key]
        return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)
