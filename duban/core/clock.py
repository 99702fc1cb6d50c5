"""The current time and date in the configured time zone; tests can freeze it."""

import datetime as dt
from contextlib import contextmanager
from zoneinfo import ZoneInfo

_frozen: dt.datetime | None = None
_tz = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    """Naive local wall-clock time (all stored timestamps are local, without tz)."""
    if _frozen is not None:
        return _frozen
    return dt.datetime.now(_tz).replace(tzinfo=None, microsecond=0)


def today() -> dt.date:
    return now().date()


@contextmanager
def frozen(at: dt.datetime | dt.date):
    """Freeze `now()` for a block (tests, reproducible demo data)."""
    global _frozen
    old = _frozen
    _frozen = at if isinstance(at, dt.datetime) else dt.datetime.combine(at, dt.time(9, 0))
    try:
        yield
    finally:
        _frozen = old
