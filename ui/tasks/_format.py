"""How tasks' values read on screen: dates, colours, request states."""

import datetime as dt

import pandas as pd

from models import Direction
from ui.context import vocab

COLOUR_DOTS = {"red": "🔴", "yellow": "🟡", "green": "🟢", "grey": "⚪", "blue": "🔵"}


def date_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return f"{value:%Y-%m-%d}"


def colour_text(colour: str | None) -> str:
    if not colour:
        return ""
    return f"{COLOUR_DOTS.get(colour, '')} {vocab('colour', colour)}"


def direction_sign(direction) -> str:
    return "≥" if direction == Direction.ge else "≤"


def number_text(v) -> str:
    return "—" if v is None else f"{v:g}"


def editor_date(value):
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10]) if value.strip() else None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    return value
