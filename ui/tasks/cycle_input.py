"""报送频次 controls: a kind and a day for a task or a plan, and the plan's default setter."""

import streamlit as st

from duban.core.errors import DubanError
from duban.core.permissions import Actor
from duban.monitoring import cycles
from duban.tasks import cycles_set
from ui.common import flash, show_error
from ui.context import lang, session, t

PLAN = "plan"  # the task follows its plan's default
MONTHLY = "monthly_n"  # 每月N日前: the day comes from the number beside the kind
QUARTERLY = "quarterly_n"  # 每季度首月N日前
KINDS = [
    "none",
    *(f"weekly:{d}" for d in range(1, 6)),
    MONTHLY,
    "monthly:31",
    QUARTERLY,
    "quarterly:3:31",
]
DAY_DEFAULT = 10


def start(code: str | None) -> tuple[str, int]:
    """The (kind, day) a stored code opens the control on."""
    if not code:
        return PLAN, DAY_DEFAULT
    c = cycles.of(code, None)
    if c.kind == "monthly" and c.day < 31:
        return MONTHLY, c.day
    if c.kind == "quarterly" and c.month == 1 and c.day < 31:
        return QUARTERLY, c.day
    return c.code, DAY_DEFAULT


def code_of(kind: str, day: int) -> str:
    """The code the control's (kind, day) stands for; "" for the plan's default."""
    if kind == PLAN:
        return ""
    if kind == MONTHLY:
        return f"monthly:{int(day)}"
    if kind == QUARTERLY:
        return f"quarterly:1:{int(day)}"
    return kind


def label(code: str | None) -> str:
    """A stored code in words, in the UI's language (empty or none: 不定期)."""
    cycle = cycles.of(code, None)
    return cycles.label(cycle, lang()) if cycle else t("cyc.k_none")


def _kind_text(kind: str, plan_code: str | None) -> str:
    if kind == PLAN:
        return t("cyc.k_plan_is", label=label(plan_code))
    if kind == MONTHLY:
        return t("cyc.k_monthly")
    if kind == QUARTERLY:
        return t("cyc.k_quarterly")
    return label(kind)


def cycle_control(
    key: str, code: str | None, *, inherit: bool, plan_code: str | None = None
) -> str:
    """A kind selectbox and a day number (works inside a form); returns the code to save,
    "" for the plan's default. A stored code the kinds do not list (每周六, 每季度第二个月15日前)
    is kept as an option of its own."""
    kind, day = start(code)
    if not inherit and kind == PLAN:
        kind = "none"
    options = ([PLAN] if inherit else []) + KINDS
    if kind not in options:
        options.append(kind)
    c1, c2 = st.columns([2, 1])
    chosen = c1.selectbox(
        t("cyc.label"),
        options,
        index=options.index(kind),
        format_func=lambda k: _kind_text(k, plan_code),
        key=f"{key}_kind",
        help=t("cyc.help"),
    )
    n = c2.number_input(
        t("cyc.day"),
        min_value=1,
        max_value=30,
        value=min(day, 30),
        step=1,
        key=f"{key}_day",
        help=t("cyc.day_help"),
    )
    return code_of(chosen, int(n))


def plan_cycle_setter(me: Actor, plan_id: int, *, key: str = "plan_cycle") -> None:
    """The office's setter of a plan's default cycle: a popover showing the current one."""
    try:
        with session() as db:
            plan = cycles_set.read_plan(db, plan_id)
    except DubanError as exc:
        show_error(exc)
        return
    fk = f"{key}_{plan_id}_{plan.version}"  # a change by anyone gives fresh widgets
    with st.popover(t("cyc.plan_button", label=label(plan.report_cycle)), icon="🗓️"):
        st.caption(t("cyc.plan_note"))
        with st.form(fk, border=False):
            code = cycle_control(fk, plan.report_cycle, inherit=False)
            save = st.form_submit_button(t("cyc.plan_save"), type="primary")
    if not save:
        return
    try:
        with session() as db:
            saved = cycles_set.set_plan_cycle(
                db, actor=me, plan_id=plan_id, cycle=code, expected_version=plan.version
            )
    except DubanError as exc:
        show_error(exc)
        return
    flash(t("cyc.plan_saved", label=label(saved.report_cycle)))
    st.rerun()
