"""The holiday country of a time zone, from the IANA time zone database's own zone -> country table.

``zone.tab`` (shipped by the ``tzdata`` package, a dependency, and by most systems) names the country of
every geographic zone: Asia/Tehran -> IR, America/Chicago -> US, Europe/Madrid -> ES. Old names
(US/Central, Iran) follow their links in ``tzdata.zi`` to the zone they stand for. UTC and Etc/* belong to
no country: the calendar then stays on ``DEFAULT_COUNTRY`` and says so.
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from importlib import resources
from pathlib import Path

from detector.features.calendar import check_country
from detector.ingest.table import check_zone

DEFAULT_COUNTRY = "IR"  # the calendar of a zone that names no country (the package's first users are Iranian)


def _tz_file(name: str) -> str | None:
    """A text file of the time zone database: the ``tzdata`` package's copy, else the system's."""
    try:
        return resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        pass
    for root in zoneinfo.TZPATH:
        path = Path(root) / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """(zone -> country code from zone.tab, link name -> zone from tzdata.zi)."""
    countries: dict[str, str] = {}
    for line in (_tz_file("zone.tab") or "").splitlines():
        if line and not line.startswith("#"):
            code, _, zone, *_ = line.split("\t")
            countries[zone] = code
    links: dict[str, str] = {}
    for line in (_tz_file("tzdata.zi") or "").splitlines():
        if line.startswith("L "):
            _, target, name = line.split()
            links[name] = target
    return countries, links


def zone_country(tz: str) -> str | None:
    """ISO 3166 code of the country ``tz`` lies in (America/Chicago -> "US"); None for UTC, Etc/* or unknown."""
    countries, links = _tables()
    zone = tz
    for _ in range(4):  # a link names a zone directly; a few hops at most
        if zone in countries:
            return countries[zone]
        if zone not in links:
            return None
        zone = links[zone]
    return None


def calendar_country(country: str | None, tz: str | None) -> tuple[str, str | None]:
    """The holiday country to use and, when it was not given, the note that says where it came from.

    ``country`` given: it, checked (``InputValidationError`` if ``holidays`` has no calendar for it), no note.
    Else the country of the zone ``tz`` (None: UTC, as ingest reads it), or ``DEFAULT_COUNTRY`` for a zone of
    no country (or one ``holidays`` has no calendar for), with a note naming the zone either way.
    An unknown zone is an ``InputValidationError`` on ``tz``, as ingest reports it.
    """
    zone = check_zone(tz) or "UTC"
    if country is not None:
        return check_country(country), None
    code = zone_country(zone)
    if code is None:
        return DEFAULT_COUNTRY, f"holiday calendar: {DEFAULT_COUNTRY}, the default, as the zone {zone} names no country"
    try:
        return check_country(code), f"holiday calendar: {code}, inferred from the zone {zone}"
    except ValueError:  # e.g. Antarctica (AQ): no holidays calendar
        return (
            DEFAULT_COUNTRY,
            f"holiday calendar: {DEFAULT_COUNTRY}, the default, as there is none for {code} (the zone {zone})",
        )
