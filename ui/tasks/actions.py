"""The office's and leaders' actions on a task: status changes, extension decisions, late-request switch, 批示."""

import streamlit as st

from duban.core.permissions import Actor, can
from duban.tasks import manage, reading, workflow
from models import RequestStatus, Role, TaskStatus
from ui.common import empty_state, flash, plain, seen_version, show_errors
from ui.context import session, t, vocab
from ui.tasks._format import date_text
from ui.tasks.table import choices

# Closing actions: each needs the office's explicit tick before it acts.
CONFIRM_ACTIONS = {"task.sign_off", "task.cancel", "task.reopen"}


def office_actions(d, me: Actor, key: str) -> None:
    """Sign off / send back / suspend / cancel / restart / undo sign-off, and pending
    extension decisions."""
    task = d.task
    allowed = [
        a
        for a, (frm, _to, _l) in manage.TRANSITIONS.items()
        if TaskStatus(task.status) in frm and can(me, a)
    ]
    seen = seen_version(f"{key}_act_{task.id}", task.version)
    if "task.sign_off" in allowed:
        with session() as db:
            blockers = reading.sign_off_blockers(db, task)
        if blockers:  # said before the office tries, in the service's own words
            st.warning(t("tasks.sign_off_blocked", reasons=plain("；".join(blockers))), icon="⛔")
    if allowed:
        with st.form(f"{key}_status_{task.id}"):
            st.markdown(f"##### {t('tasks.handle')}")
            action = st.radio(
                t("tasks.action"),
                allowed,
                horizontal=True,
                format_func=lambda a: t(f"tasks.act.{a}"),
                key=f"{key}_act",
            )
            reason = st.text_area(t("tasks.reason"), key=f"{key}_reason", height=80)
            confirmed = st.checkbox(
                t("tasks.confirm"), key=f"{key}_confirm", help=t("tasks.confirm_help")
            )
            if st.form_submit_button(t("tasks.do"), type="primary"):
                if action in CONFIRM_ACTIONS and not confirmed:
                    st.error(t("tasks.confirm_needed", action=t(f"tasks.act.{action}")))
                else:
                    _change_status(me, task.id, action, seen, reason)
    pending = [e for e, _ in d.extensions if e.status == RequestStatus.pending]
    if not allowed and not pending:
        st.caption(t("tasks.no_office_action", status=vocab("task_status", task.status)))
    if pending and can(me, "extension.decide"):
        for e, name in [(e, n) for e, n in d.extensions if e.status == RequestStatus.pending]:
            extension_decision_form(e, name, task, me, key)


def _change_status(me: Actor, task_id: int, action: str, seen: int, reason: str) -> None:
    with show_errors():
        with session() as db:
            manage.change_status(
                db,
                actor=me,
                task_id=task_id,
                action=action,
                expected_version=seen,
                reason=reason,
            )
        flash(t("tasks.done_action", action=t(f"tasks.act.{action}")))
        st.rerun()


def extension_decision_form(e, unit: str, task, me: Actor, key: str) -> None:
    with st.form(f"{key}_ext_{e.id}_{e.version}"):
        st.markdown(
            t(
                "tasks.ext_pending",
                unit=plain(unit),
                date=date_text(e.requested_date),
                deadline=date_text(task.deadline),
                reason=plain(e.reason),
                original=date_text(task.original_deadline or task.deadline),
            )
        )
        c1, c2 = st.columns([1, 2])
        new = c1.date_input(
            t("tasks.ext_new_date"),
            value=e.requested_date,
            key=f"{key}_extd_{e.id}",
            format="YYYY-MM-DD",
        )
        note = c2.text_input(t("tasks.ext_note"), key=f"{key}_extn_{e.id}")
        b1, b2, _ = st.columns([1, 1, 4])
        yes = b1.form_submit_button(t("tasks.ext_approve"), type="primary", width="stretch")
        no = b2.form_submit_button(t("tasks.ext_refuse"), width="stretch")
        if yes or no:
            with show_errors():
                with session() as db:
                    manage.decide_extension(
                        db,
                        actor=me,
                        request_id=e.id,
                        approve=yes,
                        expected_version=e.version,
                        new_date=new,
                        note=note,
                    )
                flash(t("tasks.ext_done_yes" if yes else "tasks.ext_done_no"))
                st.rerun()


def instruction_form(task_id: int, me: Actor, key: str) -> None:
    """A leader writes their own 批示; the office only records one, naming the leader."""
    leaders: dict[int, str] = {}
    if me.role != Role.leader:
        with session() as db:
            leaders = dict(reading.leader_choices(db))
        if not leaders:
            st.info(t("tasks.no_leaders"), icon="ℹ️")
            return
    with st.form(f"{key}_instr_{task_id}"):
        st.markdown(f"##### {t('tasks.write_instruction')}")
        leader = None
        if leaders:
            leader = st.selectbox(
                t("tasks.instr_leader"),
                list(leaders),
                index=None,
                format_func=lambda i: leaders.get(i, ""),
                key=f"{key}_instr_leader",
                help=t("tasks.instr_leader_help"),
                placeholder=t("form.choose"),
            )
        text = st.text_area(t("tasks.instruction_text"), key=f"{key}_instr_text", height=80)
        if st.form_submit_button(t("tasks.send_instruction"), type="primary"):
            with show_errors():
                with session() as db:
                    workflow.create_instruction(
                        db, actor=me, task_id=task_id, text=text, on_behalf_of=leader
                    )
                st.session_state.pop(f"{key}_instr_text", None)
                flash(t("tasks.instruction_sent"))
                st.rerun()


def late_requests_switch(me: Actor) -> None:
    """The office's switch: may a unit still ask for more time once its deadline has passed?"""
    with session() as db:
        cfg, ver = workflow.workflow_settings(db)
    c1, c2 = st.columns([4, 1])
    allow = c1.toggle(
        t("tasks.allow_late"),
        value=cfg["allow_late_extension_requests"],
        key=f"allow_late_{ver}",
        help=t("tasks.allow_late_help"),
    )
    if allow != cfg["allow_late_extension_requests"] and c2.button(
        t("tasks.save"), key="allow_late_save", type="primary"
    ):
        with show_errors():
            with session() as db:
                workflow.save_workflow_settings(
                    db, actor=me, allow_late_extension_requests=allow, expected_version=ver
                )
            flash(t("tasks.allow_late_saved"))
            st.rerun()
    st.divider()


def pending_extensions_view(me: Actor) -> None:
    if can(me, "settings.manage"):
        late_requests_switch(me)
    with session() as db:
        reqs = manage.pending_extensions(db)
        info = {}
        for e in reqs:
            task = reading.require_read(db, me, e.task_id)
            info[e.id] = (task, choices()["depts"].get(e.department_id, ""))
    if not reqs:
        empty_state(t("tasks.no_pending_ext"))
        return
    for e in reqs:
        task, unit = info[e.id]
        st.markdown(f"**{plain(task.code or '')} {plain(task.title)}**")
        extension_decision_form(e, unit, task, me, "extq")
