"""我的任务: the unit's desk table and its forms (签收, 填报, 延期, 申请销号, 回复批示)."""

import datetime as dt

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from duban.core import clock, uploads
from duban.core.permissions import Actor, can
from duban.inspections import reading as inspection_reading
from duban.tasks import reading, workflow
from ui import layout, selection
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
from ui.tasks.detail import instruction_byline


def acknowledge_button(m, me: Actor, key: str) -> None:
    # The click acts on the assignment as the user saw it (the previous run), not as read
    # now: a change made meanwhile is refused as stale.
    seen = seen_version(f"{key}_ack_{m.assignment.id}", m.assignment.version)
    if st.button(
        t("my.ack"),
        key=f"{key}_ack_{m.assignment.id}",
        type="primary",
        width="stretch" if key == "sec" or layout.is_compact() else "content",
    ):
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


def _target_label(tg) -> str:
    return plain_line(
        f"{tg.text}{t('punct.open')}{t('tasks.target')} {direction_sign(tg.direction)}"
        f"{number_text(tg.target_value)}{tg.unit or ''}{t('punct.close')}"
    )


def _report_fields(
    fk: str, targets: list, percent: float, start=None, readings: dict | None = None
) -> dict:
    """The fields of a progress report (inside a form): the percent given, the texts and
    readings of `start` (the report being corrected) or empty; returned as the service's
    keyword arguments."""
    pct = st.number_input(
        t("my.percent"),
        min_value=0.0,
        max_value=100.0,
        step=5.0,
        value=float(percent),
        key=f"{fk}_pct",
    )
    done = st.text_area(
        t("my.done") + " *", start.done_text if start else "", key=f"{fk}_done", height=100
    )
    c1, c2 = st.columns(2)
    problems = c1.text_area(
        t("my.problems"), start.problems if start else "", key=f"{fk}_problems", height=80
    )
    nxt = c2.text_area(t("my.next"), start.next_steps if start else "", key=f"{fk}_next", height=80)
    values = {
        tg.id: st.number_input(
            _target_label(tg), value=(readings or {}).get(tg.id), key=f"{fk}_tg_{tg.id}"
        )
        for tg in targets
    }
    return {
        "percent": pct,
        "done_text": done,
        "problems": problems,
        "next_steps": nxt,
        "target_values": values,
        "files": _files(_evidence(fk)),
    }


def report_form(m, me: Actor, targets: list) -> None:
    """进展填报 for one assignment; on error everything typed stays in the form.

    拍照 (a switch above the form, so the camera is asked for only when wanted): a photo
    taken with the phone's (or the computer's) camera goes with the report as evidence."""
    fk = f"rep_{m.assignment.id}_{st.session_state.get(f'rep_n_{m.assignment.id}', 0)}"
    camera = st.toggle(t("phone.camera_on"), key=f"{fk}_cam_on")
    with st.form(fk):
        fields = _report_fields(fk, targets, percent=m.latest_percent or 0)
        if camera:
            photo = st.camera_input(
                t("phone.camera"), key=f"{fk}_photo", help=t("phone.camera_help")
            )
            if photo is not None:
                stamp = clock.now().strftime("%Y%m%d_%H%M%S")
                fields["files"].append((t("phone.photo_name", stamp=stamp), photo))
        here = st.container()  # a refusal shows above the button just pressed
        if st.form_submit_button(t("my.send_report"), type="primary"):
            with here, show_errors():
                with session() as db:
                    workflow.report_progress(db, actor=me, assignment_id=m.assignment.id, **fields)
                bump(f"rep_n_{m.assignment.id}")
                flash(t("my.reported"))
                st.rerun()


def correction_form(m, me: Actor, targets: list) -> None:
    """更正 the unit's last progress report: the form starts from it; a reason is required."""
    with session() as db:
        last = workflow.last_report(db, m.assignment.id)
        given = reading.report_readings(db, last.id) if last is not None else {}
    if last is None:
        st.info(t("my.correct_none"), icon="ℹ️")
        return
    if last.kind != "progress":
        st.info(t("my.correct_not_progress"), icon="ℹ️")
        return
    fk = f"cor_{last.id}"
    with st.form(fk):
        st.caption(
            t("my.correct_hint", at=date_text(last.reported_at), percent=f"{last.percent:g}")
        )
        reason = st.text_area(t("my.correct_reason") + " *", key=f"{fk}_reason", height=68)
        fields = _report_fields(fk, targets, percent=last.percent, start=last, readings=given)
        here = st.container()  # a refusal shows above the button just pressed
        if st.form_submit_button(t("my.correct_send"), type="primary"):
            with here, show_errors():
                with session() as db:
                    workflow.correct_report(
                        db, actor=me, report_id=last.id, reason=reason, **fields
                    )
                flash(t("my.corrected"))
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
        here = st.container()  # a refusal shows above the button just pressed
        if st.form_submit_button(t("my.ext_send"), type="primary"):
            with here, show_errors():
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
        here = st.container()  # a refusal shows above the button just pressed
        if st.form_submit_button(t("my.submit_send"), type="primary"):
            with here, show_errors():
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


def answer_form(ins, m, me: Actor, key: str, author: reading.InstructionAuthor) -> None:
    fk = f"{key}_ans_{ins.id}_{m.assignment.department_id}"
    with st.form(fk):
        st.markdown(f"✍️ **{plain(ins.text)}**  :gray[{date_text(ins.created_at)}]")
        st.caption(instruction_byline(author))
        text = st.text_area(t("my.answer"), key=f"{fk}_text", height=80)
        here = st.container()  # a refusal shows above the button just pressed
        if st.form_submit_button(t("my.answer_send"), type="primary"):
            with here, show_errors():
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


def desk_table(items: list) -> int | None:
    """The unit's tasks as a selectable table; returns the task id of the clicked row."""
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
            "my.col_flag",
        )
    }
    # Keyed by the tasks it shows (see ui.selection): another unit's list, or a changed one,
    # starts with nothing selected, and a clicked position is read against the rows shown.
    ids = [m.task.id for m in items]
    key = selection.view_key("my_table", ids)
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
                h["my.col_flag"]: [sent_back_text(m) for m in items],
            }
        ),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=key,
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
    picked = selection.picked_id(event, ids, key)
    return int(picked) if picked is not None else None


def unit_workbench(m, me: Actor, d: reading.TaskDetail) -> None:
    """The actions a unit takes on one of its tasks, as tabs under the detail.

    The tabs are a keyed widget, one per assignment, whose choice the server keeps: a submit
    that fails reruns on the tab the user used, with its error and everything typed (and
    what was typed in the other tabs stays there too)."""
    with session() as db:
        targets = reading.list_targets(db, actor=me, task_id=m.task.id)
    if m.assignment.acknowledged_at is None and m.task.status in workflow.OPEN:
        acknowledge_button(m, me, "wb")
    if m.task.status not in workflow.WORKING:
        st.info(t("my.no_actions", status=vocab("task_status", m.task.status)), icon="ℹ️")
        tabs_def = []
    else:
        tabs_def = ["report", "correct", "extension"] + (
            ["submit"] if m.assignment.role == "lead" else []
        )
    authors = {iv.instruction.id: iv.author for iv in d.instructions}  # as the detail read them

    def answers() -> None:
        for ins in m.pending_instructions:
            answer_form(ins, m, me, "wb", authors[ins.id])

    if m.pending_instructions:
        if layout.is_compact():  # 简洁视图: the answer first, not behind a tab
            st.markdown(f"##### {t('my.tab_answer')}")
            answers()
        else:
            tabs_def.append("answer")
    if not tabs_def:
        return
    labels = [t(f"my.tab_{x}") for x in tabs_def]
    tabs = st.tabs(labels, key=f"wb_tab_{m.assignment.id}", on_change="rerun")
    for tab, name in zip(tabs, tabs_def, strict=True):
        with tab:
            if name == "report":
                report_form(m, me, targets)
            elif name == "correct":
                correction_form(m, me, targets)
            elif name == "extension":
                extension_form(m, me)
            elif name == "submit":
                submit_form(m, me)
            else:
                answers()


def counts_line(sections: list, n_rectify: int, n_notices: int) -> None:
    """简洁视图: what waits for the unit, as one line of counts (only those not zero)."""
    counts = [(t(f"my.sec_{name}"), len(items)) for name, items in sections]
    counts += [(t("my.sec_rectify"), n_rectify), (t("my.sec_notices"), n_notices)]
    items = [f"{label} **{n}**" for label, n in counts if n]
    if items:
        st.markdown(t("phone.counts", items=" · ".join(items)))
    else:
        st.caption(t("phone.nothing_to_do"))


def notices_count(todo: list, rectifications: list) -> tuple[int, str]:
    """待办通知 N: the notices waiting for 签收 or a reply, and the overdue 整改 items (also
    answered in 通知通报), so that an overdue item never sits behind "待办通知 0"; with the
    help text that says what the number counts."""
    overdue = sum(1 for r in rectifications if r.overdue)
    help_text = t("inbox.desk_notices_help", notices=len(todo), rect=overdue)
    return len(todo) + overdue, help_text


def notices_section(todo: list, rectifications: list) -> None:
    """The 待办通知 box: the notices, then the overdue 整改 items, each one line."""
    n, _ = notices_count(todo, rectifications)
    if not n:
        return
    with st.expander(f"{t('my.sec_notices')}{t('punct.paren', x=n)}", expanded=True):
        for r in rectifications:
            if r.overdue:
                st.markdown("🛠️ " + t("inbox.desk_rect_line", text=rectification_line(r)))
        notice_lines(todo)


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


def sent_back_text(m) -> str:
    """ "已退回重办（date）：reason" for a task the office sent back, else "" (plain text)."""
    r = m.sent_back
    if r is None:
        return ""
    return t("my.sent_back_line", date=date_text(r.at.date()), reason=r.reason)


def desk_line(m) -> str:
    """One line per task in the action sections: code, title, deadline, what is pending."""
    bits = [f"**{plain(f'{m.task.code} {m.task.title}')}**", vocab("role", m.assignment.role)]
    if m.sent_back is not None:
        bits.insert(1, f":red[**{plain(sent_back_text(m))}**]")
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


# ---------------------------------------------------------------- 整改 on the desk


def open_rectifications(me: Actor, department_id: int) -> list:
    """The unit's rectification items waiting for its answer (overdue first)."""
    with session() as db:
        return inspection_reading.unit_open_rectifications(
            db, actor=me, department_id=department_id
        )


def rectification_line(r) -> str:
    """One 整改 item: what was found, its task, due date, how late, why a re-check failed."""
    f = r.finding
    bits = [f"**{plain(' '.join(f.description.split()))}**"]
    if r.task:
        bits.append(plain(r.task))
    bits.append(t("my.rect_line", date=date_text(f.due_date)))
    if r.overdue:
        bits.append(f":red[{t('my.rect_overdue', n=(clock.today() - f.due_date).days)}]")
    if f.recheck_note:
        bits.append(plain(t("my.rect_rejected", note=f.recheck_note)))
    return " · ".join(bits)


def rectification_section(rows: list, me: Actor) -> None:
    """The unit's open 整改 items; they are answered in 通知通报 → 整改事项."""
    overdue = sum(1 for r in rows if r.overdue)
    title = f"{t('my.sec_rectify')}{t('punct.paren', x=len(rows))}"
    if overdue:
        title += f" · {t('my.rect_overdue_n', n=overdue)}"
    with st.expander(title, expanded=True):
        for r in rows[:SECTION_MAX]:
            st.markdown("🛠️ " + rectification_line(r))
        if len(rows) > SECTION_MAX:
            st.caption(t("limits.list_capped", shown=SECTION_MAX, total=len(rows)))
        # The 整改事项 tab of 通知通报 is the units' own; the office looking at a unit's desk
        # follows these items in 督查检查 instead.
        if not can(me, "task.read_all"):
            st.page_link("pages/notices.py", label=t("my.rect_go"), icon="➡️")
