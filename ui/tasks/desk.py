"""我的任务: the unit's desk table and its forms (签收, 填报, 延期, 申请销号, 回复批示)."""

import datetime as dt

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from duban.core import clock, uploads
from duban.core.permissions import Actor
from duban.tasks import reading, workflow
from ui.common import (
    EMPTY_CELL,
    bump,
    flash,
    plain,
    plain_line,
    seen_version,
    show_errors,
    upload_note,
)
from ui.context import session, settings, t, vocab
from ui.tasks._format import date_text, direction_sign, number_text


def acknowledge_button(m, me: Actor, key: str) -> None:
    # The click acts on the assignment as the user saw it (the previous run), not as read
    # now: a change made meanwhile is refused as stale.
    seen = seen_version(f"{key}_ack_{m.assignment.id}", m.assignment.version)
    if st.button(t("my.ack"), key=f"{key}_ack_{m.assignment.id}", type="primary"):
        with show_errors():
            with session() as db:
                workflow.acknowledge(
                    db, actor=me, assignment_id=m.assignment.id, expected_version=seen
                )
            flash(t("my.acked", code=plain(m.task.code), title=plain(m.task.title)))
            st.rerun()


def _evidence(fk: str):
    """The evidence file picker of a report or a sign-off request (types and size checked)."""
    files = st.file_uploader(
        t("my.evidence"),
        accept_multiple_files=True,
        type=uploads.ACCEPT_EXTENSIONS,
        key=f"{fk}_files",
        max_upload_size=settings().max_upload_mb,
        help=t("my.evidence_help"),
    )
    upload_note(settings().max_upload_mb, settings().max_files_per_submission)
    return files


def _files(uploaded) -> list[tuple[str, UploadedFile]]:
    """The picked files as (name, file): the service streams each from it in chunks."""
    return [(f.name, f) for f in (uploaded or [])]


def report_form(m, me: Actor, targets: list) -> None:
    """进展填报 for one assignment; on error everything typed stays in the form."""
    fk = f"rep_{m.assignment.id}_{st.session_state.get(f'rep_n_{m.assignment.id}', 0)}"
    with st.form(fk):
        pct = st.number_input(
            t("my.percent"),
            min_value=0.0,
            max_value=100.0,
            step=5.0,
            value=float(m.latest_percent or 0),
            key=f"{fk}_pct",
        )
        done = st.text_area(t("my.done") + " *", key=f"{fk}_done", height=100)
        c1, c2 = st.columns(2)
        problems = c1.text_area(t("my.problems"), key=f"{fk}_problems", height=80)
        nxt = c2.text_area(t("my.next"), key=f"{fk}_next", height=80)
        values = {}
        for tg in targets:
            values[tg.id] = st.number_input(
                plain_line(
                    f"{tg.text}{t('punct.open')}{t('tasks.target')} {direction_sign(tg.direction)}"
                    f"{number_text(tg.target_value)}{tg.unit or ''}{t('punct.close')}"
                ),
                value=None,
                key=f"{fk}_tg_{tg.id}",
            )
        files = _evidence(fk)
        if st.form_submit_button(t("my.send_report"), type="primary"):
            with show_errors():
                with session() as db:
                    workflow.report_progress(
                        db,
                        actor=me,
                        assignment_id=m.assignment.id,
                        percent=pct,
                        done_text=done,
                        problems=problems,
                        next_steps=nxt,
                        target_values=values,
                        files=_files(files),
                    )
                bump(f"rep_n_{m.assignment.id}")
                flash(t("my.reported"))
                st.rerun()


def extension_form(m, me: Actor) -> None:
    if m.pending_extension:
        e = m.pending_extension
        st.info(
            t("my.ext_waiting", date=date_text(e.requested_date), at=date_text(e.requested_at)),
            icon="⏳",
        )
        return
    fk = f"ext_{m.assignment.id}"
    default = (m.task.deadline or clock.today()) + dt.timedelta(days=30)
    with st.form(fk):
        st.caption(t("my.ext_hint", deadline=date_text(m.task.deadline)))
        date = st.date_input(t("my.ext_date"), value=default, key=f"{fk}_date", format="YYYY-MM-DD")
        reason = st.text_area(t("my.ext_reason") + " *", key=f"{fk}_reason", height=80)
        if st.form_submit_button(t("my.ext_send"), type="primary"):
            with show_errors():
                with session() as db:
                    workflow.request_extension(
                        db,
                        actor=me,
                        task_id=m.task.id,
                        requested_date=date,
                        reason=reason,
                        department_id=m.assignment.department_id,
                    )
                flash(t("my.ext_sent"))
                st.rerun()


def submit_form(m, me: Actor) -> None:
    fk = f"sub_{m.assignment.id}"
    seen = seen_version(fk, m.task.version)  # the task as the user saw it when writing
    with st.form(fk):
        st.caption(t("my.submit_hint"))
        summary = st.text_area(t("my.summary") + " *", key=f"{fk}_summary", height=120)
        files = _evidence(fk)
        if st.form_submit_button(t("my.submit_send"), type="primary"):
            with show_errors():
                with session() as db:
                    workflow.submit_for_sign_off(
                        db,
                        actor=me,
                        task_id=m.task.id,
                        summary=summary,
                        expected_version=seen,
                        files=_files(files),
                        department_id=m.assignment.department_id,
                    )
                flash(t("my.submitted"))
                st.rerun()


def answer_form(ins, m, me: Actor, key: str) -> None:
    fk = f"{key}_ans_{ins.id}_{m.assignment.department_id}"
    with st.form(fk):
        st.markdown(f"✍️ **{plain(ins.text)}**  :gray[{date_text(ins.created_at)}]")
        text = st.text_area(t("my.answer"), key=f"{fk}_text", height=80)
        if st.form_submit_button(t("my.answer_send"), type="primary"):
            with show_errors():
                with session() as db:
                    workflow.answer_instruction(
                        db,
                        actor=me,
                        instruction_id=ins.id,
                        text=text,
                        department_id=m.assignment.department_id,
                    )
                flash(t("my.answered"))
                st.rerun()


def _due_text(m) -> str:
    if m.task.status not in workflow.OPEN or m.due_in_wd is None:
        return "—"
    if m.overdue:
        return t("my.late_wd", n=abs(m.due_in_wd))
    return t("my.left_wd", n=m.due_in_wd)


SECTION_MAX = 50  # lines (each with a button) per action section of the desk


def desk_table(items: list, key: str = "my_open") -> None:
    """The unit's tasks; clicking a row opens it in the picker below (session key `key`)."""
    h = {
        k: t(k)
        for k in (
            "tasks.col_code",
            "tasks.col_title",
            "tasks.col_role",
            "tasks.col_status",
            "tasks.col_progress",
            "tasks.col_deadline",
            "my.due_in",
            "tasks.col_last",
        )
    }
    event = st.dataframe(
        pd.DataFrame(
            {
                h["tasks.col_code"]: [m.task.code for m in items],
                h["tasks.col_title"]: [m.task.title for m in items],
                h["tasks.col_role"]: [vocab("role", m.assignment.role) for m in items],
                h["tasks.col_status"]: [vocab("task_status", m.task.status) for m in items],
                h["tasks.col_progress"]: pd.Series(
                    [m.latest_percent for m in items], dtype="float"
                ),
                h["tasks.col_deadline"]: [date_text(m.task.deadline) for m in items],
                h["my.due_in"]: [_due_text(m) for m in items],
                h["tasks.col_last"]: [date_text(m.last_report_at) for m in items],
            }
        ),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="my_table",
        column_config={
            t("tasks.col_code"): st.column_config.TextColumn(width="small"),
            t("tasks.col_title"): st.column_config.TextColumn(width="medium"),
            t("tasks.col_role"): st.column_config.TextColumn(width="small"),
            t("tasks.col_status"): st.column_config.TextColumn(width="small"),
            t("tasks.col_progress"): st.column_config.ProgressColumn(
                format="%.0f%%", min_value=0, max_value=100
            ),
        },
        placeholder=EMPTY_CELL,
    )
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    picked = items[rows[0]].task.id if rows and rows[0] < len(items) else None
    if picked != st.session_state.get("_my_last_pick"):
        st.session_state["_my_last_pick"] = picked
        if picked is not None:
            st.session_state[key] = picked


def unit_workbench(m, me: Actor) -> None:
    """The actions a unit takes on one of its tasks, as tabs under the detail."""
    with session() as db:
        targets = reading.list_targets(db, actor=me, task_id=m.task.id)
    if m.assignment.acknowledged_at is None and m.task.status in workflow.OPEN:
        acknowledge_button(m, me, "wb")
    if m.task.status not in workflow.WORKING:
        st.info(t("my.no_actions", status=vocab("task_status", m.task.status)), icon="ℹ️")
        tabs_def = []
    else:
        tabs_def = ["report", "extension"] + (["submit"] if m.assignment.role == "lead" else [])
    if m.pending_instructions:
        tabs_def.append("answer")
    if not tabs_def:
        return
    tabs = st.tabs([t(f"my.tab_{x}") for x in tabs_def])
    for tab, name in zip(tabs, tabs_def, strict=True):
        with tab:
            if name == "report":
                report_form(m, me, targets)
            elif name == "extension":
                extension_form(m, me)
            elif name == "submit":
                submit_form(m, me)
            else:
                for ins in m.pending_instructions:
                    answer_form(ins, m, me, "wb")


def notice_lines(todo: list) -> None:
    """The unit's notices still waiting for 签收 or a reply; they are handled in 通知通报."""
    for x in todo:
        n = x.notice
        need = []
        if x.needs_ack:
            need.append(t("my.n_need_ack"))
        if x.needs_reply:
            need.append(t("my.n_need_reply", date=date_text(n.reply_due)))
        st.markdown(f"📢 **{plain(n.doc_number or '')} {plain(n.title)}** · {'、'.join(need)}")
    st.page_link("pages/notices.py", label=t("my.n_go"), icon="➡️")


def desk_line(m) -> str:
    """One line per task in the action sections: code, title, deadline, what is pending."""
    bits = [f"**{plain(f'{m.task.code} {m.task.title}')}**", vocab("role", m.assignment.role)]
    if m.task.deadline:
        if m.overdue:
            bits.append(
                t("my.overdue_by", date=date_text(m.task.deadline), n=abs(m.due_in_wd or 0))
            )
        else:
            bits.append(t("my.due_on", date=date_text(m.task.deadline), n=m.due_in_wd))
    if m.latest_percent is not None:
        bits.append(f"{m.latest_percent:.0f}%")
    if m.pending_instructions:
        bits.append(t("my.n_instructions", n=len(m.pending_instructions)))
    return " · ".join(bits)
