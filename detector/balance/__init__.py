"""Feeder energy balance: where feeder load exceeds what its meters bill, when the gap stepped up and by how much.

``balance_feeders(feeders, meters, mapping)`` returns one ``FeederBalance`` per feeder, ranked for
inspection; see ``detector.balance.engine`` for the method and ``detector.balance.mapping`` for the
mapping's format and checks.
"""

from __future__ import annotations

from detector.balance.engine import FLAG_T, UNDECIDED_T, BalanceInputError, balance_feeders, balance_one
from detector.balance.mapping import Assignment, check_mapping, read_mapping
from detector.balance.report import VERDICTS, FeederBalance, GapShape, LossModel, MeterChange

__all__ = [
    "FLAG_T",
    "UNDECIDED_T",
    "VERDICTS",
    "Assignment",
    "BalanceInputError",
    "FeederBalance",
    "GapShape",
    "LossModel",
    "MeterChange",
    "balance_feeders",
    "balance_one",
    "check_mapping",
    "read_mapping",
]
