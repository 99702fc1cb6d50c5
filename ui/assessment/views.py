"""Streamlit pieces of the assessment page: period picker, ranking, lines, appeals, formula."""

import datetime as dt

import pandas as pd
import streamlit as st

from duban.assessment import (
    appeals,
    charts,
    exports,
    formula,
    freezing,
    labels,
    periods,
    results,
    scoring,
)
from duban.core import clock
from duban.core.filenames import download_name
from duban.core.permissions import Actor, can
from models import ScoreAppeal
from ui import selection
from ui.common import (
    DATE_FORMAT,
    EMPTY_CELL,
    empty_state,
    flash,
    opened_version,
    plain,
    show_errors,
)
from ui.context import data_version, lang, session, t
from ui.inbox import links

STATUS_ICON = {"open": "🟡", "frozen": "🔒"}


# ------------------------------------------------------------------ cached reads


@st.cache_data(show_spinner=False, max_entries=64)
def _periods(version: int) -> list[dict]:
    with session() as db:
        return [
            {
                "id": p.id,
                "label": p.label,
                "kind": p.kind,
                "start": p.start,
                "status": p.status,
                "version": p.version,
            }
            for p in periods.list_periods(db)
        ]


@st.cache_data(show_spinner=False, max_entries=64)
def _result(version: int, me: Actor, period_id: int, today: dt.date) -> scoring.PeriodResult:
    with session() as db:
        return results.period_result(db, actor=me, period_id=period_id, today=today)


@st.cache_data(show_spinner=False, max_entries=32)
def _trend(version: int, me: Actor, kind: str, until: dt.date, today: dt.date) -> list[dict]:
    with session() as db:
        return results.trend(db, actor=me, kind=kind, until=until)


def result(me: Actor, period_id: int) -> scoring.PeriodResult:
    return _result(data_version(), me, period_id, clock.today())


def period_name(period: dict | scoring.PeriodResult) -> str:
    """A period's name in the UI language (the label the office typed stays as written)."""
    if isinstance(period, dict):
        return labels.period_name(period["label"], period["kind"], period["start"], lang())
    return labels.period_name(period.label, period.kind, period.start, lang())


def status_name(status: str) -> str:
    return t(f"asm.period_status.{status}")


# ------------------------------------------------------------------ periods


def follow_link(me: Actor) -> None:
    """`assessment?period=ID` (from the inbox): that period, on its appeals for the office."""
    pid = links.take("period")
    if pid is None or pid not in {p["id"] for p in _periods(data_version())}:
        return
    st.session_state["asm_period"] = pid
    if can(me, "assessment.read_all"):
        st.session_state["asm_tab"] = t("asm.tab_appeals")


def pick_period() -> dict | None:
    listed = _periods(data_version())
    if not listed:
        return None
    by_id = {p["id"]: p for p in listed}
    pid = st.selectbox(
        t("asm.period"),
        list(by_id),
        format_func=lambda i: t(
            "asm.period_option",
            icon=STATUS_ICON[by_id[i]["status"]],
            label=period_name(by_id[i]),
            status=status_name(by_id[i]["status"]),
        ),
        key="asm_period",
        placeholder=t("form.choose"),
    )
    return by_id[pid]


def create_period_form(me: Actor) -> None:
    with st.expander(t("asm.new_period")), st.form("asm_new_period"):
        kinds = list(periods.PERIOD_KINDS)
        cols = st.columns(2)
        kind = cols[0].selectbox(
            t("asm.kind"),
            kinds,
            index=1,
            format_func=lambda k: t(f"asm.kind.{k}"),
            placeholder=t("form.choose"),
        )
        day = cols[1].date_input(
            t("asm.day"), value=clock.today(), key="asm_new_day", format=DATE_FORMAT
        )
        if st.form_submit_button(t("asm.create")):
            with show_errors(), session() as db:
                p = periods.create_period(db, actor=me, kind=kind, day=day)
                st.session_state["asm_period"] = p.id
                name = labels.period_name(p.label, p.kind, p.start, lang())
                st.success(t("asm.created", label=plain(name)))
                st.rerun()


def status_line(res: scoring.PeriodResult) -> None:
    st.caption(
        t(
            "asm.status",
            label=period_name(res),
            start=res.start,
            end=res.end,
            status=status_name(res.status),
            as_of=res.as_of,
        )
    )
    if res.status == "frozen":
        st.info(t("asm.frozen_at", at=f"{res.frozen_at:%Y-%m-%d %H:%M}"), icon="🔒")
    else:
        st.caption(t("asm.live_note"))


def freeze_box(me: Actor, period: dict, res: scoring.PeriodResult) -> None:
    if period["status"] != "open" or not can(me, "assessment.manage"):
        return
    if res.end >= clock.today():
        st.caption(t("asm.freeze_later", end=res.end))
        return
    with st.form("asm_freeze"):
        ok = st.checkbox(t("asm.freeze_confirm"), key="asm_freeze_ok")
        if st.form_submit_button(t("asm.freeze"), type="primary"):
            if not ok:
                st.warning(t("asm.freeze_need_confirm"))
                return
            with show_errors(), session() as db:
                freezing.freeze_period(
                    db, actor=me, period_id=period["id"], expected_version=period["version"]
                )
                st.success(t("asm.frozen_ok", label=period_name(period)))
                st.rerun()


# ------------------------------------------------------------------ ranking


def _names(units: list[scoring.UnitResult]) -> str:
    named = [
        t("asm.name_score", name=plain(u.department_name), score=f"{u.score:.2f}") for u in units
    ]
    return t("asm.list_sep").join(named) or "—"


def ranking(me: Actor, res: scoring.PeriodResult) -> None:
    if not res.units:
        empty_state()
        return
    n = min(3, max(1, len(res.units) // 4))
    scores = [u.score for u in res.units]
    c = st.columns(4)
    c[0].metric(t("asm.units_count"), len(res.units))
    c[1].metric(t("asm.mean"), f"{sum(scores) / len(scores):.2f}")
    c[2].container(border=True).markdown(f":green[**{t('asm.top')}**] {_names(res.top(n))}")
    c[3].container(border=True).markdown(f":red[**{t('asm.bottom')}**] {_names(res.bottom(n))}")
    if res.previous_label:
        previous = labels.period_name(res.previous_label, res.kind, res.previous_start, lang())
        st.caption(t("asm.prev", label=previous))
    else:
        st.caption(t("asm.no_prev"))
    st.dataframe(
        pd.DataFrame(exports.ranking_rows(res, lang())),
        hide_index=True,
        width="stretch",
        height=35 * (len(res.units) + 1) + 3,  # rows are 35 px: no empty strip below
        column_config={t("asm.col.score"): st.column_config.NumberColumn(format="%.2f")},
        placeholder=EMPTY_CELL,
    )
    left, right = st.columns([3, 2])
    bar = charts.scores_bar(res, n_marked=n, lang=lang())
    left.plotly_chart(bar, width="stretch", key="asm_bar")
    right.plotly_chart(charts.distribution(res, lang=lang()), width="stretch", key="asm_hist")
    trend(me, res)


def trend(me: Actor, res: scoring.PeriodResult) -> None:
    """Scores across periods of the same kind up to this one (only when there are several)."""
    rows = _trend(data_version(), me, res.kind, res.start, clock.today())
    if len({r["period"] for r in rows}) > 1:
        st.plotly_chart(
            charts.trend_lines(rows, title=t("asm.trend"), lang=lang()),
            width="stretch",
            key="asm_trend",
        )


# ------------------------------------------------------------------ one unit


def unit_card(res: scoring.PeriodResult, unit: scoring.UnitResult, *, links: bool = False) -> None:
    c = st.columns(5)
    c[0].metric(t("asm.score"), f"{unit.score:.2f}", delta=unit.delta)
    c[1].metric(t("asm.rank_of", n=res.unit_count), unit.rank)
    c[2].metric(t("asm.raw"), f"{unit.raw_points:g}")
    c[3].metric(t("asm.load"), f"{unit.load:g}")
    c[4].metric(t("asm.factor"), f"{unit.factor:g}")
    f = res.formula
    st.caption(
        t(
            "asm.calc",
            score=unit.score,
            base=f.get("base_score", 100),
            raw=unit.raw_points,
            ref=res.reference_load,
            load=unit.load,
            floor=f.get("min_load", 1),
        )
    )
    rows = exports.line_rows(unit, lang())
    if not rows:
        empty_state(t("asm.no_lines"))
        return
    frame = pd.DataFrame(rows).drop(columns=[t("asm.col.key")])
    if links:  # the task register opens a task from ?task=<id>
        frame[t("asm.col.task")] = [
            f"/tasks?task={ln['task_id']}" if ln["task_id"] else None for ln in unit.lines
        ]
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            t("asm.col.category"): st.column_config.TextColumn(width=90),
            t("asm.col.points"): st.column_config.NumberColumn(width=60, format="%g"),
            t("asm.col.detail"): st.column_config.TextColumn(width=460),
            t("asm.col.source"): st.column_config.TextColumn(width=300),
            t("asm.col.day"): st.column_config.TextColumn(width=95),
            t("asm.col.task"): st.column_config.LinkColumn(
                display_text=t("asm.open_task"), width=80
            ),
        },
        placeholder=EMPTY_CELL,
    )


def unit_picker(res: scoring.PeriodResult) -> None:
    by_id = {u.department_id: u for u in res.units}
    if not by_id:
        empty_state()
        return
    # The unit the user picked, kept across periods while it is assessed in the new one.
    selection.keep_choice("asm_unit", [None, *by_id])
    none = t("asm.pick_unit_none")
    did = st.selectbox(
        t("asm.pick_unit"),
        [None, *by_id],
        format_func=lambda i: f"{by_id[i].rank}. {by_id[i].department_name}" if i else none,
        key="asm_unit",
        placeholder=none,
    )
    if did is not None:
        unit_card(res, by_id[did], links=True)


# ------------------------------------------------------------------ appeals


def appeal_form(me: Actor, res: scoring.PeriodResult, unit: scoring.UnitResult) -> None:
    st.subheader(t("asm.appeal_title"))
    if res.status != "open":
        st.caption(t("asm.appeal_closed"))
        return
    lines = [ln for ln in unit.lines if ln["status"] == "counted" and ln["points"] < 0]
    if not lines:
        st.caption(t("asm.no_deductions"))
        return
    by_key = {ln["key"]: ln for ln in lines}
    with st.form("asm_appeal"):
        # No line until the user picks one: an appeal must not land on the first line by
        # default (keyed per period and unit, so another period's list starts empty).
        line_pick = f"asm_appeal_line_{res.period_id}_{unit.department_id}"
        selection.keep_choice(line_pick, [None, *by_key])
        key = st.selectbox(
            t("asm.appeal_line"),
            list(by_key),
            index=None,
            format_func=lambda k: labels.line_summary(by_key[k], lang()),
            key=line_pick,
            placeholder=t("asm.appeal_line_ph"),
        )
        reason = st.text_area(t("asm.appeal_reason"), key="asm_appeal_reason")
        if st.form_submit_button(t("asm.appeal_submit")):
            if key is None:
                st.error(t("asm.appeal_line_missing"), icon="⚠️")
                return
            with show_errors(), session() as db:
                appeals.create_appeal(
                    db,
                    actor=me,
                    period_id=res.period_id,
                    department_id=unit.department_id,
                    line_key=key,
                    reason=reason,
                )
                st.success(t("asm.appeal_sent"))


def _appeal_rows(rows: list[ScoreAppeal], names: dict[int, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("asm.col.appeal_id"): a.id,
                t("asm.col.unit"): names.get(a.department_id, a.department_id),
                t("asm.col.appeal_points"): a.points,
                t("asm.col.appeal_line"): labels.line_text(a.line_text, lang()),
                t("asm.col.appeal_reason"): a.reason,
                t("asm.col.status"): t(f"asm.appeal_status.{a.status}"),
                t("asm.col.decision_note"): a.decision_note or "",
            }
            for a in rows
        ]
    )


def appeal_table(me: Actor, res: scoring.PeriodResult, department_id: int | None = None) -> None:
    with session() as db:
        rows = appeals.list_appeals(
            db, actor=me, period_id=res.period_id, department_id=department_id
        )
    names = {u.department_id: u.department_name for u in res.units}
    if not rows:
        st.caption(t("asm.appeals_none"))
        return
    st.dataframe(
        _appeal_rows(rows, names), hide_index=True, width="stretch", placeholder=EMPTY_CELL
    )
    if not can(me, "assessment.manage") or res.status != "open":
        return
    for a in [a for a in rows if a.status == "pending"]:
        with st.form(f"asm_decide_{a.id}"):
            st.markdown(
                t(
                    "asm.appeal_head",
                    id=a.id,
                    name=plain(names.get(a.department_id, "")),
                    line=plain(labels.line_text(a.line_text, lang())),
                )
            )
            st.caption(plain(a.reason))
            choice = st.radio(
                t("asm.appeal_decide"),
                ["accept", "reject"],
                format_func=lambda c: t(f"asm.{c}"),
                horizontal=True,
                key=f"asm_choice_{a.id}",
            )
            note = st.text_input(t("asm.decision_note"), key=f"asm_note_{a.id}")
            if st.form_submit_button(t("asm.appeal_decide")):
                with show_errors(), session() as db:
                    appeals.decide_appeal(
                        db,
                        actor=me,
                        appeal_id=a.id,
                        accept=choice == "accept",
                        note=note,
                        expected_version=a.version,
                    )
                    st.success(t("asm.decided"))
                    st.rerun()


# ------------------------------------------------------------------ formula


def method(values: dict, *, expanded: bool = False) -> None:
    with st.expander(t("asm.method"), expanded=expanded):
        for para in formula.explain_method(formula.Formula.from_dict(values), lang()):
            st.markdown(para)


def formula_editor(me: Actor, res: scoring.PeriodResult) -> None:
    with session() as db:
        latest, latest_version = formula.load_formula(db)
    # Saved against the version the form opened with: a save by someone else since is refused.
    version, current = opened_version("asm_formula", latest_version, lambda: latest)
    if res.status == "frozen":
        st.caption(t("asm.formula_frozen_note"))
        _formula_table(res.formula)
    if not can(me, "assessment.manage"):
        st.caption(t("asm.formula_readonly"))
        if res.status != "frozen":
            _formula_table(current.to_dict())
        return
    values = current.to_dict()
    st.caption(t("asm.formula_hint"))
    with st.form("asm_formula"):
        cols = st.columns(3)
        out = {}
        for i, (name, kind) in enumerate(formula.FIELD_KINDS.items()):
            label, help_ = formula.field_text(name, lang())
            v = values[name]
            if kind == "days":
                out[name] = cols[i % 3].number_input(
                    label, value=int(v), step=1, help=help_, key=f"asm_f_{name}_{version}"
                )
            else:
                out[name] = cols[i % 3].number_input(
                    label,
                    value=float(v),
                    step=0.5,
                    format="%.2f",
                    help=help_,
                    key=f"asm_f_{name}_{version}",
                )
        if st.form_submit_button(t("asm.formula_save"), type="primary"):
            with show_errors(), session() as db:
                formula.save_formula(db, actor=me, values=out, expected_version=version)
                flash(t("asm.formula_saved"))
                st.rerun()


def _formula_table(values: dict) -> None:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("asm.col.item"): formula.field_text(k, lang())[0],
                    t("asm.col.value"): v,
                    t("asm.col.explain"): formula.field_text(k, lang())[1],
                }
                for k, v in values.items()
                if k in formula.FIELD_KINDS
            ]
        ),
        hide_index=True,
        width="stretch",
        placeholder=EMPTY_CELL,
    )


# ------------------------------------------------------------------ exports


def export_box(me: Actor, res: scoring.PeriodResult) -> None:
    st.download_button(
        t("asm.export_xlsx"),
        data=lambda: exports.scorecard_xlsx(res, exported_by=me.name),  # built on click
        file_name=download_name(res.label, "xlsx", prefix="考核成绩单_"),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="asm_xlsx",
        on_click="ignore",
    )
    if not can(me, "assessment.read_all"):
        return
    if res.status != "frozen":
        st.caption(t("asm.export_docx_wait"))
        return
    _bulletin_notice(me, res)
    if st.button(t("asm.export_docx"), key="asm_docx_make"):
        with show_errors(), session() as db:
            st.session_state["asm_docx"] = (
                res.period_id,
                exports.scorecard_docx(db, actor=me, period_id=res.period_id),
            )
    made = st.session_state.get("asm_docx")
    if made and made[0] == res.period_id:
        st.download_button(
            t("asm.export_docx_dl"),
            data=made[1],
            file_name=download_name(res.label, "docx", prefix="考核结果通报_"),
            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            key="asm_docx_dl",
            on_click="ignore",
        )


def _bulletin_notice(me: Actor, res: scoring.PeriodResult) -> None:
    """Publishing goes through 通知通报: a 通报 draft there gets its 文号 when it is issued."""
    with session() as db:
        notice = exports.scorecard_notice(db, res.period_id)
        number = notice.doc_number if notice is not None else None
    if number:
        st.success(t("asm.bulletin_issued", number=plain(number)))
        return
    if notice is not None:
        st.info(t("asm.bulletin_draft"))
    elif can(me, "assessment.manage"):
        st.caption(t("asm.bulletin_hint"))
        if st.button(t("asm.bulletin_make"), key="asm_bulletin_make", type="primary"):
            made = False
            with show_errors(), session() as db:
                exports.draft_scorecard_notice(db, actor=me, period_id=res.period_id)
                made = True
            if made:
                st.rerun()
    if notice is not None or can(me, "notice.read_all"):
        st.page_link("pages/notices.py", label=t("asm.bulletin_go"), icon="📢")
