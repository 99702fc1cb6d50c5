"""Arriving from the inbox: `page?notice=ID`, `?finding=ID`, `?period=ID` open that record.

A link is taken once (the parameter leaves the address): the page sets its tab and picker
to the record before drawing them, and from then on the user moves freely; a link followed
again opens the record again.
"""

import streamlit as st


def take(name: str) -> int | None:
    """The id named by `?name=` (removed from the address), None without a readable one."""
    raw = st.query_params.get(name)
    if raw is None:
        return None
    del st.query_params[name]
    return int(raw) if raw.isdigit() else None
