"""系统管理 → 提醒规则: each rule on or off, its working days, hour and recipients, the quiet
hours (saved against the version the form opened with), and a preview of what would be sent."""

import datetime as dt

import streamlit as st

from duban.core import clock
from duban.core.permissions import Actor
from duban.monitoring import holidays
from duban.reminders import rules as rr
from ui.common import flash, opened_version, show_errors
from ui.context import session, t

RULE_LABELS = {
    rr.DUE_SOON: ("rr.rule.due_soon", "rr.help.due_soon"),
    rr.OVERDUE: ("rr.rule.overdue", "rr.help.overdue"),
    rr.CYCLE_DUE: ("rr.rule.cycle_due", "rr.help.cycle_due"),
    rr.CYCLE_MISSED: ("rr.rule.cycle_missed", "rr.help.cycle_missed"),
    rr.RECTIFICATION_DUE: ("rr.rule.rectification_due", "rr.help.rectification_due"),
    rr.NOTICE_UNSIGNED: ("rr.rule.notice_unsigned", "rr.help.notice_unsigned"),
    rr.WEEKLY_DIGEST: ("rr.rule.weekly_digest", "rr.help.weekly_digest"),
}
RECIPIENT_LABELS = {
    "unit": "rr.to.unit",
    "unit_office": "rr.to.unit_office",
    "office": "rr.to.office",
    "leaders": "rr.to.leaders",
    "leaders_office": "rr.to.leaders_office",
}
_HOURS = list(range(24))


def _choices(name: str) -> tuple[str, ...]:
    return rr.DIGEST_RECIPIENTS if name == rr.WEEKLY_DIGEST else ("unit", "unit_office")


def _rule_row(name: str, rule: rr.Rule, version: int) -> dict:
    label, help_key = RULE_LABELS[name]
    key = f"rr_{name}_{version}"
    cols = st.columns([3, 1.4, 1.4, 2.4, 1.4], vertical_alignment="bottom")
    enabled = cols[0].toggle(t(label), value=rule.enabled, help=t(help_key), key=f"{key}_on")
    days = rule.days
    if name in rr.DAYS_RULES:
        least, _ = rr.DAYS_RULES[name]
        days = int(
            cols[1].number_input(
                t("rr.days"),
                min_value=least,
                max_value=rr.MAX_DAYS,
                value=rule.days,
                step=1,
                key=f"{key}_days",
            )
        )
    hour = cols[2].selectbox(t("rr.hour"), _HOURS, index=_HOURS.index(rule.hour), key=f"{key}_hour")
    choices = _choices(name)
    to = cols[3].selectbox(
        t("rr.to"),
        choices,
        index=choices.index(rule.to) if rule.to in choices else 0,
        format_func=lambda c: t(RECIPIENT_LABELS[c]),
        key=f"{key}_to",
    )
    repeat = rule.repeat
    if name == rr.NOTICE_UNSIGNED:
        repeat = cols[4].toggle(t("rr.repeat"), value=rule.repeat, key=f"{key}_repeat")
    return {"enabled": enabled, "days": days, "hour": int(hour), "to": to, "repeat": repeat}


def _rules_form(me: Actor) -> None:
    st.subheader(t("rr.title"), anchor=False)
    st.caption(t("rr.caption"))
    with session() as db:
        latest, latest_version = rr.rules_with_version(db)
    # Saved against the version the form opened with: someone else's save since is refused.
    version, current = opened_version("reminder_rules", latest_version, lambda: latest)
    if version == 0:
        st.caption(t("rr.defaults_note"))
    with st.form("reminder_rules_form", border=True):
        values: dict = {"rules": {}}
        for name in rr.RULE_NAMES:
            values["rules"][name] = _rule_row(name, current.rule(name), version)
        st.markdown(f"**{t('rr.quiet')}**")
        st.caption(t("rr.quiet_caption"))
        q1, q2, _ = st.columns([1, 1, 3])
        values["quiet_start"] = int(
            q1.selectbox(
                t("rr.quiet_start"),
                _HOURS,
                index=current.quiet_start,
                key=f"rr_quiet_start_{version}",
            )
        )
        values["quiet_end"] = int(
            q2.selectbox(
                t("rr.quiet_end"), _HOURS, index=current.quiet_end, key=f"rr_quiet_end_{version}"
            )
        )
        left, right = st.columns(2)
        save = left.form_submit_button(t("rr.save"), type="primary", width="stretch")
        reset = right.form_submit_button(t("rr.reset"), width="stretch")
    if save or reset:
        with show_errors(), session() as db:
            rr.save_reminder_rules(
                db,
                actor=me,
                values=rr.ReminderRules().to_dict() if reset else values,
                expected_version=version,
            )
            flash(t("rr.saved"))
            st.rerun()


def _next_working_day() -> dt.date:
    with session() as db:
        cal = holidays.load_calendar(db)
    return cal.add_working_days(clock.today(), 1)


def _preview() -> None:
    st.subheader(t("rr.preview"), anchor=False)
    with st.form("reminder_preview", border=False):
        c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
        day = c1.date_input(
            t("rr.preview_day"), value=_next_working_day(), format="YYYY-MM-DD", key="rr_prev_day"
        )
        hour = c2.selectbox(t("rr.preview_hour"), _HOURS, index=9, key="rr_prev_hour")
        go = c3.form_submit_button(t("rr.preview_go"))
    if not go:
        return
    when = dt.datetime.combine(day, dt.time(int(hour)))
    with session() as db:
        planned = rr.evaluate(db, when, holidays.load_calendar(db))
    shown = f"{day.isoformat()}"
    if not planned:
        st.info(t("rr.preview_none", day=shown, hour=hour))
        return
    st.success(t("rr.preview_result", day=shown, hour=hour, n=len(planned)))
    counts: dict[str, int] = {}
    for p in planned:
        counts[p.rule] = counts.get(p.rule, 0) + 1
    st.dataframe(
        {
            t("rr.col.rule"): [t(RULE_LABELS[n][0]) for n in counts],
            t("rr.col.count"): list(counts.values()),
        },
        hide_index=True,
    )


def render(me: Actor) -> None:
    _rules_form(me)
    st.divider()
    _preview()


TABS = [(45, "rr.tab", render)]
