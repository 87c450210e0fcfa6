"""A peer's own injected event at an answer's onset: which flagged answers with peers a peer's event may explain.

A peer's own event read through its coefficient is a rise of the target that the target never had (stops 64-66).
``headline.py`` names, for each answer, the event of one of its peers that switched on or off within a week of
its onset (``peer_event`` in the ``--out`` rows) and counts the flagged answers that have one
(``peer_event_near_onset`` in the summary). A name is a coincidence in time, not a cause: read the peer's level.
"""

from __future__ import annotations

import pandas as pd

PEER_EVENT_DAYS = 7  # how near an answer's onset a peer's event must switch for ``peer_event_near`` to name it


def peer_event_near(
    onset: pd.Timestamp | None, peers: list[str], events: pd.DataFrame, days: int = PEER_EVENT_DAYS
) -> str:
    """The injected event of one of the answer's ``peers`` that switched on or off nearest its ``onset``, within
    ``days``: "GEF12-Z12 seasonal 5% off 2006-10-17 (+2 d)", or "" (no onset, no peers, none that near).

    A peer's own event read through its coefficient is a rise of the target that the target never had: a peer's
    farm or look-alike switching ON can hide a rise (the peer carries it), one switching OFF makes one (stops
    64-66). Rows scored alone, and answers read alone, name no peers, so this is always "" for them. ``events``:
    ``Province.events``, every zone's event, the peers' included; the truth names only the counted zones'.
    """
    if onset is None or pd.isna(onset) or not peers or events.empty:
        return ""
    at = pd.Timestamp(onset)
    best: tuple[float, str] | None = None
    for e in events[events.series_id.isin(peers)].itertuples(index=False):
        for when, verb in ((e.start, "on"), (e.end, "off")):
            if when is None or pd.isna(when):
                continue
            lag = (pd.Timestamp(when) - at).total_seconds() / 86400
            if abs(lag) <= days and (best is None or abs(lag) < abs(best[0])):
                text = f"{e.series_id} {e.scenario} {e.size:.0%} {verb} {pd.Timestamp(when):%Y-%m-%d} ({lag:+.0f} d)"
                best = (lag, text)
    return "" if best is None else best[1]


def peer_event_counts(df: pd.DataFrame) -> dict[str, int]:
    """Flagged negatives and flagged farms, and how many of each have a peer's own event at their onset
    (``peer_event_near``): how many false alarms with peers a peer's event explains."""
    near = df.peer_event.map(named)
    flagged = df.flagged.astype(bool)
    return {
        "negatives_flagged": int((near & (df.label == 0) & flagged).sum()),
        "of_negatives_flagged": int(((df.label == 0) & flagged).sum()),
        "mining_flagged": int((near & (df.label == 1) & flagged).sum()),
        "of_mining_flagged": int(((df.label == 1) & flagged).sum()),
    }


def named(peer_event: object) -> bool:
    """Whether a row's ``peer_event`` names one (rows read back from CSV hold NaN for "")."""
    return isinstance(peer_event, str) and bool(peer_event)
