"""One task on one screen: header, units, reports, timeline, targets, instructions, inspections, history."""

import pandas as pd
import streamlit as st

from duban.core.errors import DubanError
from duban.core.permissions import Actor
from duban.monitoring import lights
from duban.tasks import cycles_set, labels, reading, workflow
from models import NoticeStatus
from ui import evidence, layout
from ui.common import EMPTY_CELL, empty_state, plain, plain_line, show_error
from ui.context import lang, session, t, vocab
from ui.fields.lookup import category_label, lookup, value_text
from ui.tasks import cycle_input
from ui.tasks._format import colour_text, date_text, direction_sign, number_text


def task_detail_view(task_id: int, me: Actor, *, key: str, row: dict | None = None, actions=None):
    """Everything about one task on one screen; returns the TaskDetail (or None on error)."""
    try:
        with session() as db:
            d = reading.task_detail(db, actor=me, task_id=task_id)
            returned = workflow.sent_back(db, [d.task]).get(task_id)
    except DubanError as exc:
        show_error(exc)
        return None
    if layout.is_compact():
        _compact(d, row, returned, key, actions)
        return d
    _detail_header(d, row, returned)
    _units_table(d)
    if actions is not None:
        actions(d)
    left, right = st.columns([3, 2])
    with left:
        _timeline(d, key)
    with right:
        _side(d)
    if d.inspections or d.notices:
        _inspections_and_notices(d)
    if d.history:
        _history(d)
    return d


def _compact(d: reading.TaskDetail, row, returned, key: str, actions) -> None:
    """简洁视图: what a phone shows first — status, deadline and progress, the colour and its
    reason, the last report, the 批示 and the actions — and the rest folded below."""
    task = d.task
    st.subheader(plain(f"{task.code} {task.title}".strip()), anchor=False)
    lead = d.lead
    line = t(
        "phone.status_line",
        status=vocab("task_status", task.status),
        deadline=date_text(task.deadline),
    )
    if lead and lead.latest:
        line += " · " + t("phone.progress", p=f"{lead.latest.percent:.0f}%")
    st.markdown(f"**{line}**")
    _colour_and_state(row, returned, task)
    st.markdown(f"##### {t('phone.last_report')}")
    if d.reports:
        _report_card(d.reports[0], key)
    else:
        st.caption(t("phone.no_report"))
    if d.instructions:
        st.markdown(f"##### {t('phone.instructions')}")
        _instructions(d)
    if actions is not None:
        actions(d)
    with st.expander(t("phone.description"), key=f"{key}_ph_about"):
        _about(d)
    with st.expander(t("phone.units", n=len(d.units)), key=f"{key}_ph_units"):
        for u in d.units:
            bits = [f"**{plain_line(u.department.name)}**", vocab("role", u.assignment.role)]
            bits.append(
                date_text(u.assignment.acknowledged_at)
                if u.assignment.acknowledged_at
                else t("tasks.not_acked")
            )
            if u.latest:
                bits.append(f"{u.latest.percent:.0f}%")
                bits.append(t("tasks.col_last") + " " + date_text(u.latest.reported_at))
            st.markdown(" · ".join(bits))
    if len(d.reports) > 1:
        with st.expander(t("phone.reports", n=len(d.reports)), key=f"{key}_ph_reports"):
            for rv in d.reports[1:60]:
                _report_card(rv, key)
    with st.expander(t("phone.side"), key=f"{key}_ph_side"):
        _side(d, instructions=False)
    if d.inspections or d.notices:
        with st.expander(t("phone.inspections"), key=f"{key}_ph_insp"):
            _inspections_and_notices(d)
    if d.history:
        _history(d)


def _colour_and_state(row: dict | None, returned, task) -> None:
    """The colour and its reason (from the register row), 退回重办 or the status reason."""
    if row and row.get("colour"):
        st.markdown(
            f"**{t('tasks.col_colour')}**{t('punct.colon')}{colour_text(row['colour'])}{t('punct.gap')}"
            + plain(lights.reason_text(row["reasons_text"], lang()))
        )
    if returned is not None:  # 退回重办 stands until the unit submits again
        st.warning(
            t(
                "tasks.sent_back_banner",
                date=date_text(returned.at.date()),
                by=plain(returned.by),
                reason=plain(returned.reason),
            ),
            icon="↩️",
        )
    elif task.status_reason:
        st.info(t("tasks.status_reason", reason=plain(task.status_reason)), icon="ℹ️")


def _about(d: reading.TaskDetail) -> None:
    """简洁视图's folded facts: plan and parent, extensions, cycle, classification, text."""
    task = d.task
    _plan_line(d)
    _schedule_lines(d)
    _classification(task)
    if task.description:
        st.markdown(plain(task.description))
    _children_line(d)


def _children_line(d: reading.TaskDetail) -> None:
    if d.children:
        st.caption(
            t("tasks.children")
            + t("punct.colon")
            + t("punct.list").join(plain(f"{c.code} {c.title}") for c in d.children)
        )


def _plan_line(d: reading.TaskDetail) -> None:
    """The plan, the phase and the parent task, as one caption."""
    task = d.task
    crumbs = [plain(d.plan.title), plain(task.phase or "")]
    if d.parent:
        crumbs.append(t("tasks.parent", code=plain(d.parent.code), title=plain(d.parent.title)))
    st.caption(" · ".join(c for c in crumbs if c))


def _schedule_lines(d: reading.TaskDetail) -> None:
    """The original deadline when it was extended, and the task's 报送频次."""
    task = d.task
    if task.original_deadline and task.original_deadline != task.deadline:
        st.caption(
            t(
                "tasks.original_vs",
                original=date_text(task.original_deadline),
                current=date_text(task.deadline),
                n=d.extension_count,
            )
        )
    cyc = cycles_set.effective(task, d.plan)
    st.caption(
        "🗓️ "
        + t(
            "cyc.detail",
            label=cycle_input.label(cyc.cycle.code),
            source=t("cyc.from_plan" if cyc.from_plan else "cyc.own"),
        )
    )


def _detail_header(
    d: reading.TaskDetail, row: dict | None, returned: workflow.SentBack | None = None
) -> None:
    """Title, plan and parent, the four figures, the colour and the description."""
    task = d.task
    st.subheader(plain(f"{task.code} {task.title}".strip()), anchor=False)
    _plan_line(d)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("tasks.col_status"), vocab("task_status", task.status))
    m2.metric(t("tasks.col_deadline"), date_text(task.deadline))
    lead = d.lead
    m3.metric(
        t("tasks.lead_progress"), f"{lead.latest.percent:.0f}%" if lead and lead.latest else "—"
    )
    m4.metric(t("tasks.col_ext"), d.extension_count)
    _schedule_lines(d)
    _classification(task)
    _colour_and_state(row, returned, task)
    if task.description:
        st.markdown(plain(task.description))
    _children_line(d)


def _classification(task) -> None:
    """事项来源 and each active custom field of the plan that has a value, in words (short
    ones on one line, long texts on their own); retired fields stay hidden."""
    lk = lookup()
    facts: list[tuple[str, str]] = []
    long: list[tuple[str, str]] = []
    cat = lk.category(task.category_id)
    if cat is not None:
        facts.append((t("fields.category"), category_label(cat)))
    stored = task.custom or {}
    for f in lk.active_fields(task.plan_id):
        words = value_text(f, stored.get(str(f.id)), lk)
        if words:
            (long if f.kind == "long_text" else facts).append((f.label, words))
    colon = t("punct.colon")
    if facts:
        st.markdown(
            "　·　".join(f"**{plain_line(label)}**{colon}{plain_line(v)}" for label, v in facts)
        )
    for label, v in long:
        st.markdown(f"**{plain_line(label)}**{colon}{plain(v)}")


def _units_table(d: reading.TaskDetail) -> None:
    st.markdown(f"##### {t('tasks.units')}")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("tasks.col_unit"): u.department.name,
                    t("tasks.col_role"): vocab("role", u.assignment.role),
                    t("tasks.col_ack"): date_text(u.assignment.acknowledged_at)
                    if u.assignment.acknowledged_at
                    else t("tasks.not_acked"),
                    t("tasks.col_ack_hours"): "—" if u.ack_hours is None else f"{u.ack_hours:g}",
                    t("tasks.col_progress"): f"{u.latest.percent:.0f}%" if u.latest else "—",
                    t("tasks.col_last"): date_text(u.latest.reported_at) if u.latest else "—",
                    t("tasks.col_latest_text"): u.latest.done_text if u.latest else "",
                    t("tasks.col_reports"): u.report_count,
                }
                for u in d.units
            ]
        ),
        hide_index=True,
        width="stretch",
        placeholder=EMPTY_CELL,
    )


def _timeline(d: reading.TaskDetail, key: str) -> None:
    """The latest five reports, the older ones (up to 60) folded away."""
    st.markdown(f"##### {t('tasks.timeline')}")
    if not d.reports:
        empty_state(t("tasks.no_reports"))
    for rv in d.reports[:5]:
        _report_card(rv, key)
    if len(d.reports) > 5:
        with st.expander(t("tasks.more_reports", n=len(d.reports) - 5)):
            for rv in d.reports[5:60]:
                _report_card(rv, key)


def _inspections_and_notices(d: reading.TaskDetail) -> None:
    st.markdown(f"##### {t('tasks.inspections_notices')}")
    for ins, findings in d.inspections:
        method = vocab("inspection_method", ins.method)
        result = vocab("inspection_result", ins.result) if ins.result else ""
        lines = [
            f"- 🔍 {date_text(ins.inspected_on)} {method}{t('punct.paren', x=plain(ins.inspectors))}"
            f"{t('tasks.insp_result', result=result) if result else ''}{t('punct.colon')}"
            f"{plain(' '.join(ins.narrative[:80].split()))}"
        ]
        for f in findings:
            status = vocab("rectification", f.status)
            lines.append(
                f"    - {t('tasks.finding')}{t('punct.colon')}{plain(' '.join(f.description.split()))}"
                f"{t('punct.open')}{t('tasks.due')} {date_text(f.due_date)}{t('punct.comma')}{status}{t('punct.close')}"
            )
        st.markdown("\n".join(lines))
    for n in d.notices:
        when = date_text(n.issued_at) if n.issued_at else t("tasks.notice_draft")
        if n.status == NoticeStatus.withdrawn:
            gone = t(
                "tasks.notice_withdrawn",
                date=date_text(n.withdrawn_at),
                reason=plain(n.withdraw_reason or ""),
            )
            st.markdown(
                f"- 🚫 ~~{plain(n.doc_number or '')} {plain(n.title)}~~"
                + t("punct.paren", x=when + t("punct.list") + gone)
            )
        else:
            st.markdown(
                f"- 📢 {plain(n.doc_number or '')} {plain(n.title)}{t('punct.paren', x=when)}"
            )


def _history(d: reading.TaskDetail) -> None:
    """The task's audit trail, newest first, in words."""
    with st.expander(t("tasks.history", n=len(d.history))):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("tasks.h_at"): date_text(h.at),
                        t("tasks.h_user"): h.username,
                        t("tasks.h_action"): labels.HISTORY_ACTIONS.get(h.action, h.action),
                        t("tasks.h_change"): labels.history_change(h.before, h.after),
                        t("tasks.h_note"): h.note or "",
                    }
                    for h in reversed(d.history)
                ]
            ),
            hide_index=True,
            width="stretch",
            placeholder=EMPTY_CELL,
        )


def _report_card(rv, key: str) -> None:
    r = rv.report
    with st.container(border=True):
        kind = t("tasks.completion") if r.kind == "completion" else ""
        if r.supersedes_id is not None:
            kind += t("tasks.correction")
        if rv.superseded:
            kind += t("tasks.superseded")
        st.markdown(
            f"**{date_text(r.reported_at)}** · {plain(rv.department)} · **{r.percent:.0f}%** "
            f"{kind} :gray[{plain(rv.reporter)}]"
        )
        if rv.superseded:
            st.caption(t("tasks.superseded_note"))
        if r.correction_reason:
            st.caption(t("tasks.correction_reason", reason=plain(r.correction_reason)))
        st.markdown(f"**{t('tasks.done')}**{t('punct.colon')}{plain(r.done_text)}")
        if r.problems:
            st.markdown(f"**{t('tasks.problems')}**{t('punct.colon')}{plain(r.problems)}")
        if r.next_steps:
            st.markdown(f"**{t('tasks.next')}**{t('punct.colon')}{plain(r.next_steps)}")
        if rv.readings:
            st.caption(
                t("punct.list").join(
                    plain(f"{tg.text} {v:g}{tg.unit or ''}") for tg, v in rv.readings
                )
            )
        for att in rv.attachments:
            evidence.evidence_item(att, key)


def instruction_byline(author: reading.InstructionAuthor) -> str:
    """「李市长批示」, or 「李市长批示（办公室王某代录）」 when the office recorded it (escaped)."""
    if author.recorded_by is not None:
        return t(
            "tasks.instr_by_proxy", leader=plain(author.leader), clerk=plain(author.recorded_by)
        )
    return t("tasks.instr_by", leader=plain(author.leader))


def _side(d, *, instructions: bool = True) -> None:
    st.markdown(f"##### {t('tasks.milestones')}")
    if d.milestones:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("tasks.m_title"): m.title,
                        t("tasks.m_due"): date_text(m.due_date),
                        t("tasks.m_done"): date_text(m.done_on),
                    }
                    for m in d.milestones
                ]
            ),
            hide_index=True,
            width="stretch",
            placeholder=EMPTY_CELL,
        )
    else:
        st.caption(t("tasks.none"))
    st.markdown(f"##### {t('tasks.targets')}")
    if d.targets:
        for tg, readings in d.targets:
            hist = " → ".join(f"{x.value:g}" for x in readings[-8:]) or t("tasks.no_readings")
            arrow = direction_sign(tg.direction)
            st.markdown(
                f"**{plain(tg.text)}**{t('punct.colon')}{t('tasks.baseline')} {number_text(tg.baseline)}{t('punct.comma')}"
                f"{t('tasks.target')} {arrow}{number_text(tg.target_value)}{plain(tg.unit or '')}"
            )
            st.caption(f"{t('tasks.history_values')}{t('punct.colon')}{hist}")
    else:
        st.caption(t("tasks.none"))
    st.markdown(f"##### {t('tasks.extensions')}")
    if d.extensions:
        for e, name in d.extensions:
            with st.container(border=True):
                st.markdown(
                    t(
                        "tasks.e_line",
                        unit=plain(name),
                        status=vocab("request", e.status),
                        frm=date_text(e.previous_deadline),
                        to=date_text(e.approved_date or e.requested_date),
                    )
                )
                st.caption(
                    t("tasks.e_detail", at=date_text(e.requested_at), reason=plain(e.reason))
                    + (
                        t("tasks.e_note_line", note=plain(e.decision_note))
                        if e.decision_note
                        else ""
                    )
                )
    else:
        st.caption(t("tasks.none"))
    if instructions:
        st.markdown(f"##### {t('tasks.instructions')}")
        if not d.instructions:
            st.caption(t("tasks.none"))
        _instructions(d)


def _instructions(d) -> None:
    """Each 批示 with its byline, the units' answers and who has not answered yet."""
    for iv in d.instructions:
        with st.container(border=True):
            st.markdown(f"✍️ **{plain(iv.instruction.text)}**")
            st.caption(f"{instruction_byline(iv.author)} · {date_text(iv.instruction.created_at)}")
            for ans, unit in iv.answers:
                st.markdown(
                    f"↳ **{plain(unit)}**{t('punct.colon')}{plain(ans.text)}  :gray[{date_text(ans.created_at)}]"
                )
            if iv.unanswered_units:
                units = t("punct.enum").join(plain(u) for u in iv.unanswered_units)
                st.caption(t("tasks.unanswered", units=units))
