"""Time at the edges: the one place that reads the clock, and conversion for display.

Everything is stored in UTC; people see Asia/Shanghai. Services take ``now`` as an argument and the
views pass ``utcnow()`` in, so tests can choose the time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local(moment: datetime | None) -> datetime | None:
    """A stored UTC moment as Shanghai wall-clock time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI)
