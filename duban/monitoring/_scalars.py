"""Typed scalars out of polars aggregates (``Series.min()`` and friends return any literal)."""

from __future__ import annotations

import datetime as dt

import polars as pl


def _day(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    raise TypeError(f"expected a day, got {type(value).__name__}")


def first_day(days: pl.Series) -> dt.date | None:
    """The earliest day of a Date series; None when it holds none."""
    return _day(days.min())


def last_day(days: pl.Series) -> dt.date | None:
    """The latest day of a Date series; None when it holds none."""
    return _day(days.max())


def mean(values: pl.Series) -> float | None:
    """The mean of a numeric series; None when it holds no value."""
    value = values.mean()
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"expected a number, got {type(value).__name__}")
