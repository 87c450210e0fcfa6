"""Mining rigs' power draw: a table of its own so the command line's help can list the models cheaply."""

from __future__ import annotations

# kW at the wall per rig, from the makers' specifications; pass ``rig_table`` to use your own.
RIGS: dict[str, float] = {
    "S9": 1.35,
    "S19": 3.25,
    "S19 Pro": 3.25,
    "S19j Pro": 3.0,
    "S19 XP": 3.01,
    "S21": 3.5,
}
