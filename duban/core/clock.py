"""The current time and date in the configured time zone (TIMEZONE); tests can freeze it."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from duban.core.settings import get_settings
from models.common import use_clock

_frozen: dt.datetime | None = None


def zone() -> ZoneInfo:
    """The configured time zone (TIMEZONE, checked when the settings load)."""
    return ZoneInfo(get_settings().timezone)


def now() -> dt.datetime:
    """Naive local wall-clock time (all stored timestamps are local, without tz)."""
    if _frozen is not None:
        return _frozen
    return dt.datetime.now(zone()).replace(tzinfo=None, microsecond=0)


def today() -> dt.date:
    return now().date()


@contextmanager
def frozen(at: dt.datetime | dt.date) -> Iterator[None]:
    """Freeze `now()` for a block (tests, reproducible demo data)."""
    global _frozen
    old = _frozen
    _frozen = at if isinstance(at, dt.datetime) else dt.datetime.combine(at, dt.time(9, 0))
    try:
        yield
    finally:
        _frozen = old


# The tables' timestamp defaults (models.common.local_now) read this clock: models sit below
# duban and cannot import it, so the clock hands itself down when it is first imported.
use_clock(now)
