"""Administration tab: the warning rules (红黄绿灯) and the holiday / 调休 table."""

import datetime as dt

import pandas as pd
import streamlit as st

from duban.core import clock
from duban.core.permissions import Actor
from duban.monitoring import holidays
from duban.monitoring import rules as rules_mod
from duban.monitoring.lights import WarningRules
from ui.common import EMPTY_CELL, bump, flash, opened_version, pinned, show_errors, stale_note
from ui.context import lang, session, t

_INT_FIELDS = {
    "due_soon_working_days",
    "stagnant_working_days",
    "ignored_urgings_red",
    "overdue_rectifications_red",
    "missed_report_yellow",
    "missed_report_red",
}


def _rules_form(me: Actor) -> None:
    st.subheader(t("rules.title"), anchor=False)
    st.caption(t("rules.caption"))
    with session() as db:
        latest, latest_version = rules_mod.rules_with_version(db)
    # Saved against the version the form was opened with: a save by someone else since is
    # refused, not overwritten.
    version, current = opened_version("warning_rules", latest_version, lambda: latest)
    if version == 0:
        st.caption(t("rules.defaults_note"))
    defaults = WarningRules()
    with st.form("rules_form", border=True):
        values: dict = {}
        cols = st.columns(2)
        for i, name in enumerate(rules_mod.RULE_LABELS):
            col = cols[i % 2]
            value = getattr(current, name)
            default = getattr(defaults, name)
            label, help_text = t(f"rules.f.{name}"), t(f"rules.h.{name}")
            help_full = (
                help_text + t("rules.default_is", value=f"{default:g}")
                if not isinstance(default, bool)
                else help_text
            )
            if isinstance(default, bool):
                values[name] = col.toggle(
                    label, value=value, help=help_full, key=f"rule_{name}_{version}"
                )
            elif name in _INT_FIELDS:
                values[name] = int(
                    col.number_input(
                        label,
                        value=int(value),
                        step=1,
                        help=help_full,
                        key=f"rule_{name}_{version}",
                    )
                )
            else:
                values[name] = float(
                    col.number_input(
                        label,
                        value=float(value),
                        step=1.0,
                        format="%g",
                        help=help_full,
                        key=f"rule_{name}_{version}",
                    )
                )
        left, right = st.columns([1, 1])
        save = left.form_submit_button(t("rules.save"), type="primary", width="stretch")
        reset = right.form_submit_button(t("rules.reset"), width="stretch")
    if save or reset:
        with show_errors(), session() as db:
            rules_mod.save_warning_rules(
                db,
                actor=me,
                values=defaults.to_dict() if reset else values,
                expected_version=version,
            )
            flash(t("rules.saved"))  # fresh widgets with the saved values
            st.rerun()


def _calendar_editor(me: Actor) -> None:
    st.subheader(t("rules.cal_title"), anchor=False)
    today = clock.today()
    years = list(range(today.year - 1, today.year + 3))
    year = st.selectbox(
        t("rules.cal_year"), years, index=1, key="cal_year", placeholder=t("form.choose")
    )
    with session() as db:
        latest = holidays.year_rows(db, year)
        cal = holidays.load_calendar(db)
    # The rows as they were when the editor opened: its edits are positions in them, and the
    # save is refused if the table changed since. A new editor (key) for every new pin.
    gen, rows = pinned(f"cal_{year}", lambda: (_new_editor(), latest))
    if rows != latest:
        stale_note(f"cal_{year}")
    last_known = max(y for y in range(2004, today.year + 5) if cal.package_knows(y))
    st.caption(t("rules.cal_caption", last=last_known))
    warning = holidays.unknown_years_warning(
        cal, dt.date(year, 1, 1), dt.date(year, 12, 31), lang()
    )
    if warning:
        st.warning(warning, icon="📅")
    elif cal.package_knows(year):
        st.caption(t("rules.cal_known", year=year))
    else:
        st.caption(t("rules.cal_custom", year=year, n=len(rows)))
    original = pd.DataFrame(
        {
            "day": pd.Series([r.day for r in rows], dtype="object"),
            "is_workday": pd.Series([bool(r.is_workday) for r in rows], dtype="bool"),
            "name": pd.Series([r.name or "" for r in rows], dtype="object"),
        }
    )
    edited = st.data_editor(
        original,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key=f"cal_editor_{year}_{gen}",
        column_config={
            "day": st.column_config.DateColumn(
                t("rules.cal_day"),
                format="YYYY-MM-DD",
                min_value=dt.date(year, 1, 1),
                max_value=dt.date(year, 12, 31),
                required=True,
            ),
            "is_workday": st.column_config.CheckboxColumn(t("rules.cal_is_workday"), default=False),
            "name": st.column_config.TextColumn(t("rules.cal_name"), max_chars=60),
        },
        placeholder=EMPTY_CELL,
    )
    if st.button(t("rules.cal_save"), type="primary", key=f"cal_save_{year}"):
        _save_calendar(me, year, rows, edited)


def _new_editor() -> int:
    bump("cal_gen")
    return st.session_state["cal_gen"]


def _save_calendar(me: Actor, year: int, rows: tuple, edited: pd.DataFrame) -> None:
    """The edited table as upserts and deletes, against the rows the editor opened with."""
    with show_errors():
        upserts, seen = [], set()
        for i, r in enumerate(edited.to_dict("records"), start=1):
            day = r.get("day")
            if day is None or (isinstance(day, float) and pd.isna(day)):
                st.error(t("rules.cal_invalid", row=i))
                return
            if isinstance(day, pd.Timestamp | dt.datetime):
                day = day.date()
            seen.add(day)
            upserts.append(
                holidays.CalendarChange(day, bool(r.get("is_workday")), str(r.get("name") or ""))
            )
        deletes = [r.day for r in rows if r.day not in seen]
        with session() as db:
            n = holidays.apply_calendar_changes(
                db, actor=me, upserts=upserts, deletes=deletes, seen=(year, rows)
            )
        flash(t("rules.cal_saved", n=n) if n else t("rules.cal_nochange"))
        st.rerun()


def rules_tab(me: Actor) -> None:
    _rules_form(me)
    st.divider()
    _calendar_editor(me)


TABS = [(40, "rules.tab", rules_tab)]
