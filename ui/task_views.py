"""Streamlit pieces shared by 任务台账 and 我的任务: filters, the table, the detail, the forms."""

import datetime as dt
import zlib

import pandas as pd
import polars as pl
import streamlit as st

from duban.core import clock, uploads
from duban.core.errors import DubanError
from duban.core.permissions import Actor, can
from duban.inspections import labels as inspection_labels
from duban.monitoring.lights import COLOUR_LABELS
from duban.org import departments
from duban.tasks import labels, manage, reading, register, workflow
from duban.tasks.register import RegisterFilter
from models import Direction, RequestStatus, Task, TaskStatus
from ui.common import empty_state, show_errors
from ui.context import data_version, engine, raw_frames, session, settings, t, vocab

COLOUR_DOTS = {"red": "🔴", "yellow": "🟡", "green": "🟢", "grey": "⚪", "blue": "🔵"}
REQUEST_LABELS = {
    RequestStatus.pending: "待审批",
    RequestStatus.approved: "已同意",
    RequestStatus.refused: "未同意",
}


def _d(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return f"{value:%Y-%m-%d}"


def colour_text(colour: str | None) -> str:
    if not colour:
        return ""
    return f"{COLOUR_DOTS.get(colour, '')} {vocab('colour', colour)}"


def bump(key: str) -> None:
    """Give a form fresh widgets next run (after a successful submit)."""
    st.session_state[key] = st.session_state.get(key, 0) + 1


def flash(message: str) -> None:
    """A success message that survives the st.rerun() that follows a write."""
    st.session_state["_task_flash"] = message
    st.session_state.pop("_task_pins", None)  # after our own write, forms read afresh


def _pinned(name: str, load):
    """A value read once when a form opens and kept until it is saved or reloaded."""
    pins = st.session_state.setdefault("_task_pins", {})
    if name not in pins:
        pins[name] = load()
    return pins[name]


def unpin(name: str) -> None:
    st.session_state.get("_task_pins", {}).pop(name, None)


def seen_version(name: str, current: int) -> int:
    """The version the user saw on the previous run (what a click now acts on)."""
    seen = st.session_state.get("_task_seen", {})
    prev = seen.get(name, current)
    seen[name] = current
    st.session_state["_task_seen"] = seen
    return prev


def show_flash() -> None:
    msg = st.session_state.pop("_task_flash", None)
    if msg:
        st.success(msg, icon="✅")


# ---------------------------------------------------------------- register


@st.cache_data(show_spinner=False, max_entries=4)
def _base_frame(version: int, today: dt.date) -> pl.DataFrame:
    # The dashboard's raw read of this data version (ui.context.raw_frames, shared).
    return register.base_frame(engine(), today=today, raw=raw_frames(version))


def register_frame() -> pl.DataFrame:
    return _base_frame(data_version(), clock.today())


@st.cache_data(show_spinner=False, max_entries=4)
def _choices(version: int) -> dict:
    with session() as db:
        plans = reading.list_plans(db)
        depts = departments.list_departments(db)
    return {
        "plans": {p.id: p.title for p in plans},
        "phases": {p.id: list(p.phases or []) for p in plans},
        "depts": {d.id: d.name for d in depts},
    }


def choices() -> dict:
    return _choices(data_version())


def register_filters() -> RegisterFilter:
    """The filter widgets, in columns above the table."""
    ch = choices()
    plans, depts = ch["plans"], ch["depts"]
    c1, c2, c3, c4 = st.columns([3, 2, 3, 2])
    plan_id = c1.selectbox(
        t("tasks.f_plan"),
        [None, *plans],
        format_func=lambda i: plans.get(i, t("tasks.all")),
        key="rf_plan",
    )
    phase_opts = sorted({ph for v in ch["phases"].values() for ph in v})
    if plan_id is not None:
        phase_opts = ch["phases"].get(plan_id, [])
    phases = c2.multiselect(
        t("tasks.f_phase"), phase_opts, key="rf_phase", placeholder=t("tasks.all")
    )
    dept = c3.selectbox(
        t("tasks.f_dept"),
        [None, *depts],
        format_func=lambda i: depts.get(i, t("tasks.all")),
        key="rf_dept",
    )
    role = c4.selectbox(
        t("tasks.f_role"),
        register.UNIT_ROLES,
        format_func=lambda r: t(f"tasks.role_{r}"),
        key="rf_role",
    )
    c5, c6, c7, c8 = st.columns([3, 2, 3, 2])
    statuses = c5.multiselect(
        t("tasks.f_status"),
        [s.value for s in TaskStatus],
        format_func=lambda s: vocab("task_status", s),
        key="rf_status",
        placeholder=t("tasks.all"),
    )
    colours = c6.multiselect(
        t("tasks.f_colour"),
        list(COLOUR_LABELS),
        format_func=colour_text,
        key="rf_colour",
        placeholder=t("tasks.all"),
    )
    span = c7.date_input(t("tasks.f_deadline"), value=(), key="rf_deadline", format="YYYY-MM-DD")
    text = c8.text_input(t("tasks.f_text"), key="rf_text", placeholder=t("tasks.f_text_ph"))
    span = tuple(span) if isinstance(span, list | tuple) else (span,)
    return RegisterFilter(
        plan_id=plan_id,
        phases=phases,
        department_id=dept,
        unit_role=role,
        statuses=statuses,
        colours=colours,
        deadline_from=span[0] if len(span) > 0 else None,
        deadline_to=span[1] if len(span) > 1 else None,
        text=text,
    )


def register_table(view: pl.DataFrame) -> int | None:
    """The register as a selectable table; returns the task id of the selected row."""
    show = view.select(
        pl.col("task_id"),
        pl.col("code"),
        (pl.lit("　").repeat_by(pl.col("depth")).list.join("") + pl.col("title")).alias("title"),
        pl.col("colour")
        .replace_strict({k: colour_text(k) for k in COLOUR_LABELS}, default="")
        .alias("colour"),
        pl.col("status")
        .replace_strict({v.value: vocab("task_status", v) for v in TaskStatus}, default="")
        .alias("status_label"),
        pl.col("progress").fill_null(0),
        "deadline",
        "lead_name",
        "responsible_names",
        "extensions",
        "original_deadline",
        "reasons_text",
    )
    cfg = {
        "task_id": None,
        "code": st.column_config.TextColumn(t("tasks.col_code"), width="small"),
        "title": st.column_config.TextColumn(t("tasks.col_title"), width="large"),
        "colour": st.column_config.TextColumn(t("tasks.col_colour"), width="small"),
        "status_label": st.column_config.TextColumn(t("tasks.col_status"), width="small"),
        "lead_name": st.column_config.TextColumn(t("tasks.col_lead"), width="medium"),
        "responsible_names": st.column_config.TextColumn(t("tasks.col_resp"), width="medium"),
        "progress": st.column_config.ProgressColumn(
            t("tasks.col_progress"), format="%.0f%%", min_value=0, max_value=100, width="small"
        ),
        "deadline": st.column_config.DateColumn(t("tasks.col_deadline"), format="YYYY-MM-DD"),
        "original_deadline": st.column_config.DateColumn(
            t("tasks.col_original"), format="YYYY-MM-DD"
        ),
        "extensions": st.column_config.NumberColumn(t("tasks.col_ext"), width="small"),
        "reasons_text": t("tasks.col_reasons"),
    }
    # An Arrow table goes to the browser as is; a polars frame would go through pandas
    # (seconds for 20,000 rows on every rerun).
    # Dates as datetimes, as pandas would have sent them (the DateColumn shows the day).
    table = show.with_columns(pl.col("deadline", "original_deadline").cast(pl.Datetime("ms")))
    event = st.dataframe(
        table.to_arrow(),
        column_config=cfg,
        hide_index=True,
        width="stretch",
        height=420,
        on_select="rerun",
        selection_mode="single-row",
        key="reg_table",
    )
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    ids = view["task_id"].to_list()
    picked = ids[rows[0]] if rows and rows[0] < len(ids) else None
    if picked != st.session_state.get("_reg_last_pick"):
        st.session_state["_reg_last_pick"] = picked
        if picked is not None:
            st.session_state["open_task"] = picked
    return picked


PICK_MAX = 500  # options in the task picker; the table above always shows the whole view


def task_picker(view: pl.DataFrame, label: str, key: str = "open_task") -> int | None:
    """A searchable picker over the rows (also reachable without a mouse).

    At large scale it lists the first PICK_MAX rows of the view (plus the task already open,
    if it is in the view) with a note: a selectbox with 20,000 options costs seconds a run.
    """
    current = st.session_state.get(key)
    ids = view["task_id"]
    if current is not None and not ids.is_in([current]).any():
        current = st.session_state[key] = None
    shown = view.head(PICK_MAX)
    if current is not None and not shown["task_id"].is_in([current]).any():
        shown = pl.concat([shown, view.filter(pl.col("task_id") == current)])
    labels = dict(
        zip(
            shown["task_id"].to_list(),
            (shown["code"] + " " + shown["title"]).to_list(),
            strict=True,
        )
    )
    none = t("tasks.pick_none")
    picked = st.selectbox(
        label,
        [None, *labels],
        format_func=lambda i: labels.get(i, none),
        key=key,
        placeholder=none,
    )
    if view.height > PICK_MAX:
        st.caption(t("limits.picker_capped", shown=PICK_MAX, total=view.height))
    return picked


# ---------------------------------------------------------------- detail


def _download(att, key: str) -> None:
    try:
        with session() as db:
            _, data = uploads.read_attachment(db, att.id)
    except DubanError as exc:
        st.caption(f"📎 {att.filename}（{exc}）")
        return
    st.download_button(
        f"📎 {att.filename}（{_size(att.size)}）",
        data,
        file_name=att.filename,
        mime=att.mime,
        key=f"{key}_att_{att.id}",
    )


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def task_detail_view(task_id: int, me: Actor, *, key: str, row: dict | None = None, actions=None):
    """Everything about one task on one screen; returns the TaskDetail (or None on error)."""
    try:
        with session() as db:
            d = reading.task_detail(db, actor=me, task_id=task_id)
    except DubanError as exc:
        st.error(str(exc), icon="⚠️")
        return None
    _detail_header(d, row)
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


def _detail_header(d: reading.TaskDetail, row: dict | None) -> None:
    """Title, plan and parent, the four figures, the colour and the description."""
    task = d.task
    st.subheader(f"{task.code} {task.title}".strip())
    crumbs = [d.plan.title, task.phase or ""]
    if d.parent:
        crumbs.append(t("tasks.parent", code=d.parent.code, title=d.parent.title))
    st.caption(" · ".join(c for c in crumbs if c))
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("tasks.col_status"), vocab("task_status", task.status))
    m2.metric(t("tasks.col_deadline"), _d(task.deadline))
    lead = d.lead
    m3.metric(
        t("tasks.lead_progress"), f"{lead.latest.percent:.0f}%" if lead and lead.latest else "—"
    )
    m4.metric(t("tasks.col_ext"), d.extension_count)
    if task.original_deadline and task.original_deadline != task.deadline:
        st.caption(
            t(
                "tasks.original_vs",
                original=_d(task.original_deadline),
                current=_d(task.deadline),
                n=d.extension_count,
            )
        )
    if row and row.get("colour"):
        st.markdown(
            f"**{t('tasks.col_colour')}**：{colour_text(row['colour'])}　{row['reasons_text']}"
        )
    if task.status_reason:
        st.info(t("tasks.status_reason", reason=task.status_reason), icon="ℹ️")
    if task.description:
        st.markdown(task.description)
    if d.children:
        st.caption(
            t("tasks.children") + "：" + "；".join(f"{c.code} {c.title}" for c in d.children)
        )


def _units_table(d: reading.TaskDetail) -> None:
    st.markdown(f"##### {t('tasks.units')}")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("tasks.col_unit"): u.department.name,
                    t("tasks.col_role"): vocab("role", u.assignment.role),
                    t("tasks.col_ack"): _d(u.assignment.acknowledged_at)
                    if u.assignment.acknowledged_at
                    else t("tasks.not_acked"),
                    t("tasks.col_ack_hours"): "—" if u.ack_hours is None else f"{u.ack_hours:g}",
                    t("tasks.col_progress"): f"{u.latest.percent:.0f}%" if u.latest else "—",
                    t("tasks.col_last"): _d(u.latest.reported_at) if u.latest else "—",
                    t("tasks.col_latest_text"): u.latest.done_text if u.latest else "",
                    t("tasks.col_reports"): u.report_count,
                }
                for u in d.units
            ]
        ),
        hide_index=True,
        width="stretch",
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
        method = inspection_labels.METHOD_LABELS.get(ins.method, ins.method)
        result = inspection_labels.RESULT_LABELS.get(ins.result, ins.result or "")
        lines = [
            f"- 🔍 {_d(ins.inspected_on)} {method}（{ins.inspectors}）"
            f"{t('tasks.insp_result', result=result) if result else ''}："
            f"{ins.narrative[:80]}"
        ]
        for f in findings:
            status = vocab("rectification", f.status)
            lines.append(
                f"    - {t('tasks.finding')}：{f.description}"
                f"（{t('tasks.due')} {_d(f.due_date)}，{status}）"
            )
        st.markdown("\n".join(lines))
    for n in d.notices:
        when = _d(n.issued_at) if n.issued_at else t("tasks.notice_draft")
        st.markdown(f"- 📢 {n.doc_number or ''} {n.title}（{when}）")


def _history(d: reading.TaskDetail) -> None:
    """The task's audit trail, newest first, in words."""
    with st.expander(t("tasks.history", n=len(d.history))):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("tasks.h_at"): _d(h.at),
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
        )


def _report_card(rv, key: str) -> None:
    r = rv.report
    with st.container(border=True):
        kind = t("tasks.completion") if r.kind == "completion" else ""
        st.markdown(
            f"**{_d(r.reported_at)}** · {rv.department} · **{r.percent:.0f}%** "
            f"{kind} <span style='color:gray'>{rv.reporter}</span>",
            unsafe_allow_html=True,
        )
        st.markdown(f"**{t('tasks.done')}**：{r.done_text}")
        if r.problems:
            st.markdown(f"**{t('tasks.problems')}**：{r.problems}")
        if r.next_steps:
            st.markdown(f"**{t('tasks.next')}**：{r.next_steps}")
        if rv.readings:
            st.caption("；".join(f"{tg.text} {v:g}{tg.unit or ''}" for tg, v in rv.readings))
        for att in rv.attachments:
            _download(att, key)


def _side(d) -> None:
    st.markdown(f"##### {t('tasks.milestones')}")
    if d.milestones:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("tasks.m_title"): m.title,
                        t("tasks.m_due"): _d(m.due_date),
                        t("tasks.m_done"): _d(m.done_on),
                    }
                    for m in d.milestones
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption(t("tasks.none"))
    st.markdown(f"##### {t('tasks.targets')}")
    if d.targets:
        for tg, readings in d.targets:
            hist = " → ".join(f"{x.value:g}" for x in readings[-8:]) or t("tasks.no_readings")
            arrow = _arrow(tg.direction)
            st.markdown(
                f"**{tg.text}**：{t('tasks.baseline')} {_n(tg.baseline)}，"
                f"{t('tasks.target')} {arrow}{_n(tg.target_value)}{tg.unit or ''}"
            )
            st.caption(f"{t('tasks.history_values')}：{hist}")
    else:
        st.caption(t("tasks.none"))
    st.markdown(f"##### {t('tasks.extensions')}")
    if d.extensions:
        for e, name in d.extensions:
            with st.container(border=True):
                st.markdown(
                    t(
                        "tasks.e_line",
                        unit=name,
                        status=REQUEST_LABELS[RequestStatus(e.status)],
                        frm=_d(e.previous_deadline),
                        to=_d(e.approved_date or e.requested_date),
                    )
                )
                st.caption(
                    t("tasks.e_detail", at=_d(e.requested_at), reason=e.reason)
                    + (t("tasks.e_note_line", note=e.decision_note) if e.decision_note else "")
                )
    else:
        st.caption(t("tasks.none"))
    st.markdown(f"##### {t('tasks.instructions')}")
    if not d.instructions:
        st.caption(t("tasks.none"))
    for iv in d.instructions:
        with st.container(border=True):
            st.markdown(f"✍️ **{iv.instruction.text}**")
            st.caption(f"{iv.author} · {_d(iv.instruction.created_at)}")
            for ans, unit in iv.answers:
                st.markdown(
                    f"↳ **{unit}**：{ans.text}  <span style='color:gray'>"
                    f"{_d(ans.created_at)}</span>",
                    unsafe_allow_html=True,
                )
            if iv.unanswered_units:
                st.caption(t("tasks.unanswered", units="、".join(iv.unanswered_units)))


def _arrow(direction) -> str:
    return "≥" if direction == Direction.ge else "≤"


def _n(v) -> str:
    return "—" if v is None else f"{v:g}"


# ---------------------------------------------------------------- office actions


def office_actions(d, me: Actor, key: str) -> None:
    """Sign off / send back / suspend / cancel / restart, and pending extension decisions."""
    task = d.task
    allowed = [
        a
        for a, (frm, _to, _l) in manage.TRANSITIONS.items()
        if TaskStatus(task.status) in frm and can(me, a)
    ]
    seen = seen_version(f"{key}_act_{task.id}", task.version)
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
            if st.form_submit_button(t("tasks.do"), type="primary"):
                with show_errors():
                    with session() as db:
                        manage.change_status(
                            db,
                            actor=me,
                            task_id=task.id,
                            action=action,
                            expected_version=seen,
                            reason=reason,
                        )
                    flash(t("tasks.done_action", action=t(f"tasks.act.{action}")))
                    st.rerun()
    pending = [e for e, _ in d.extensions if e.status == RequestStatus.pending]
    if not allowed and not pending:
        st.caption(t("tasks.no_office_action", status=vocab("task_status", task.status)))
    if pending and can(me, "extension.decide"):
        for e, name in [(e, n) for e, n in d.extensions if e.status == RequestStatus.pending]:
            extension_decision_form(e, name, task, me, key)


def extension_decision_form(e, unit: str, task, me: Actor, key: str) -> None:
    with st.form(f"{key}_ext_{e.id}_{e.version}"):
        st.markdown(
            t(
                "tasks.ext_pending",
                unit=unit,
                date=_d(e.requested_date),
                deadline=_d(task.deadline),
                reason=e.reason,
                original=_d(task.original_deadline or task.deadline),
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
    with st.form(f"{key}_instr_{task_id}"):
        st.markdown(f"##### {t('tasks.write_instruction')}")
        text = st.text_area(t("tasks.instruction_text"), key=f"{key}_instr_text", height=80)
        if st.form_submit_button(t("tasks.send_instruction"), type="primary"):
            with show_errors():
                with session() as db:
                    workflow.create_instruction(db, actor=me, task_id=task_id, text=text)
                st.session_state.pop(f"{key}_instr_text", None)
                flash(t("tasks.instruction_sent"))
                st.rerun()


# ---------------------------------------------------------------- create / edit


def _editor_dates(value):
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10]) if value.strip() else None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    return value


def _rows(df: pd.DataFrame) -> list[dict]:
    out = []
    for rec in df.to_dict("records"):
        rec = {
            k: (None if (not isinstance(v, list | dict) and pd.isna(v)) else v)
            for k, v in rec.items()
        }
        if any(v not in (None, "") for k, v in rec.items() if k != "id"):
            out.append(rec)
    return out


def task_form(me: Actor, *, task_id: int | None = None, key: str = "new") -> int | None:
    """Create (task_id None) or edit a task; returns the id written, else None."""
    ch = choices()
    if not ch["plans"]:
        empty_state(t("tasks.no_plan"))
        return None
    version, status, data = _form_data(me, task_id, key, ch["plans"])
    with session() as db:
        parents = dict(reading.task_choices(db, data["plan_id"]))
    parents.pop(task_id, None)
    fk = f"{key}_{task_id or 'new'}_{version or st.session_state.get(key + '_n', 0)}"
    with st.form(f"task_form_{fk}", clear_on_submit=False):
        fields = _task_fields(fk, data, ch, parents)
        ms, tg = _child_editors(fk, data)
        b1, b2, _ = st.columns([1, 1, 4])
        save = b1.form_submit_button(t("tasks.save"), type="primary", width="stretch")
        save_assign = False
        if status == TaskStatus.draft:
            save_assign = b2.form_submit_button(t("tasks.save_assign"), width="stretch")
    if not (save or save_assign):
        return None
    values = {"plan_id": data["plan_id"], **fields, **_child_values(ms, tg)}
    written = _save_task(me, task_id, version, values, assign=save_assign)
    if written is None:
        return None
    if task_id is None:
        bump(key + "_n")
    unpin(f"edit_{task_id}")
    flash(
        t(
            "tasks.saved_assigned" if save_assign else "tasks.saved",
            code=written.code or "",
            title=written.title,
        )
    )
    return written.id


def _form_data(
    me: Actor, task_id: int | None, key: str, plans: dict
) -> tuple[int | None, TaskStatus, dict]:
    """(version, status, form data): the task as pinned when its form opened, or a new one."""
    if task_id is None:
        plan_id = st.selectbox(
            t("tasks.f_plan"), list(plans), format_func=plans.get, key=f"{key}_plan"
        )
        data = {
            "plan_id": plan_id,
            "code": "",
            "title": "",
            "description": "",
            "phase": None,
            "parent_id": None,
            "start_date": clock.today(),
            "deadline": clock.today() + dt.timedelta(days=30),
            "lead_department_id": None,
            "responsible_department_ids": [],
            "milestones": [],
            "targets": [],
        }
        return None, TaskStatus.draft, data
    # The form shows (and saves against) the version read when it was opened: a change
    # by someone else meanwhile is refused as stale instead of silently mixed in.
    with session() as db:
        current = reading.require_read(db, me, task_id)
        current_version = current.version
        pin = _pinned(
            f"edit_{task_id}",
            lambda: (current.version, current.status, manage.task_form_data(db, current)),
        )
    version, status, data = pin
    if current_version != version:
        c1, c2 = st.columns([4, 1])
        c1.warning(t("tasks.stale_note"), icon="⚠️")
        if c2.button(t("tasks.reload"), key=f"{key}_reload_{task_id}"):
            unpin(f"edit_{task_id}")
            st.rerun()
    return version, status, data


def _task_fields(fk: str, data: dict, ch: dict, parents: dict) -> dict:
    """The task's own fields and units (inside the form); returns them as the service takes."""
    depts = ch["depts"]
    c1, c2 = st.columns([1, 3])
    code = c1.text_input(t("tasks.col_code"), value=data["code"], key=f"{fk}_code")
    title = c2.text_input(t("tasks.col_title") + " *", value=data["title"], key=f"{fk}_title")
    desc = st.text_area(
        t("tasks.description"), value=data["description"], height=80, key=f"{fk}_desc"
    )
    c3, c4, c5, c6 = st.columns(4)
    phases = [None, *ch["phases"].get(data["plan_id"], [])]
    phase = c3.selectbox(
        t("tasks.f_phase"),
        phases,
        index=phases.index(data["phase"]) if data["phase"] in phases else 0,
        format_func=lambda p: p or "—",
        key=f"{fk}_phase",
    )
    popts = [None, *parents]
    parent = c4.selectbox(
        t("tasks.parent_label"),
        popts,
        index=popts.index(data["parent_id"]) if data["parent_id"] in popts else 0,
        format_func=lambda i: parents.get(i, "—"),
        key=f"{fk}_parent",
    )
    start = c5.date_input(
        t("tasks.start"), value=data["start_date"], key=f"{fk}_start", format="YYYY-MM-DD"
    )
    deadline = c6.date_input(
        t("tasks.col_deadline") + " *",
        value=data["deadline"],
        key=f"{fk}_deadline",
        format="YYYY-MM-DD",
    )
    c7, c8 = st.columns([1, 2])
    dopts = [None, *depts]
    lead = c7.selectbox(
        t("tasks.col_lead"),
        dopts,
        index=dopts.index(data["lead_department_id"]) if data["lead_department_id"] in dopts else 0,
        format_func=lambda i: depts.get(i, "—"),
        key=f"{fk}_lead",
    )
    resp = c8.multiselect(
        t("tasks.col_resp"),
        list(depts),
        default=[i for i in data["responsible_department_ids"] if i in depts],
        format_func=depts.get,
        key=f"{fk}_resp",
        placeholder=t("tasks.resp_ph"),
    )
    return {
        "code": code,
        "title": title,
        "description": desc,
        "phase": phase,
        "parent_id": parent,
        "start_date": start,
        "deadline": deadline,
        "lead_department_id": lead,
        "responsible_department_ids": resp,
    }


def _child_editors(fk: str, data: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The milestone and target editors (inside the form); returns their edited frames."""
    st.caption(t("tasks.milestones") + "　" + t("tasks.editor_hint"))
    ms = st.data_editor(
        pd.DataFrame(data["milestones"], columns=["title", "due_date", "done_on"]),
        num_rows="dynamic",
        width="stretch",
        key=f"{fk}_ms",
        column_config={
            "title": st.column_config.TextColumn(t("tasks.m_title"), required=True),
            "due_date": st.column_config.DateColumn(t("tasks.m_due"), format="YYYY-MM-DD"),
            "done_on": st.column_config.DateColumn(t("tasks.m_done"), format="YYYY-MM-DD"),
        },
    )
    st.caption(t("tasks.targets") + "　" + t("tasks.editor_hint"))
    tg = st.data_editor(
        pd.DataFrame(
            data["targets"],
            columns=["id", "text", "baseline", "target_value", "direction", "unit"],
        ),
        num_rows="dynamic",
        width="stretch",
        key=f"{fk}_tg",
        column_config={
            "id": None,
            "text": st.column_config.TextColumn(t("tasks.t_text"), required=True),
            "baseline": st.column_config.NumberColumn(t("tasks.baseline")),
            "target_value": st.column_config.NumberColumn(t("tasks.target")),
            "direction": st.column_config.SelectboxColumn(
                t("tasks.t_direction"), options=[">=", "<="], default=">="
            ),
            "unit": st.column_config.TextColumn(t("tasks.t_unit")),
        },
    )
    return ms, tg


def _child_values(ms: pd.DataFrame, tg: pd.DataFrame) -> dict:
    """The edited milestone and target rows as the service takes them."""
    return {
        "milestones": [
            {
                **m,
                "due_date": _editor_dates(m.get("due_date")),
                "done_on": _editor_dates(m.get("done_on")),
            }
            for m in _rows(ms)
        ],
        "targets": [
            {
                **x,
                "id": int(x["id"]) if x.get("id") is not None else None,
                "direction": x.get("direction") or ">=",
            }
            for x in _rows(tg)
        ],
    }


def _save_task(
    me: Actor, task_id: int | None, version: int | None, values: dict, *, assign: bool
) -> Task | None:
    """Create or update (and, when asked, assign) in one go; None after showing the error."""
    try:
        with session() as db:
            if task_id is None:
                written = manage.create_task(db, actor=me, **values)
            else:
                values.pop("plan_id")
                written = manage.update_task(
                    db, actor=me, task_id=task_id, expected_version=version, **values
                )
            if assign:
                manage.assign_task(
                    db, actor=me, task_id=written.id, expected_version=written.version
                )
    except DubanError as exc:
        st.error(str(exc), icon="⚠️")
        return None
    return written


# ---------------------------------------------------------------- bulk edit


def bulk_key(version: int, task_ids) -> str:
    """The editor's key changes with the data and with the rows shown, so that an edit made
    under one filter is never applied by position to the rows of another."""
    ids = ",".join(str(int(i)) for i in task_ids)
    return f"bulk_{version}_{zlib.crc32(ids.encode()):08x}"


BULK_MAX = 500  # rows in the bulk editor (a 20,000-row editor costs seconds every run)


def bulk_editor(view: pl.DataFrame, me: Actor) -> None:
    """Deadlines and units of the current view in a data editor, saved row by row."""
    depts = choices()["depts"]
    names = {v: k for k, v in depts.items()}
    if view.height > BULK_MAX:
        st.caption(t("limits.bulk_capped", shown=BULK_MAX, total=view.height))
        view = view.head(BULK_MAX)
    base = view.select(
        "task_id",
        "version",
        "code",
        "title",
        "deadline",
        "lead_name",
        pl.col("responsible_names")
        .str.split("、")
        .list.eval(pl.element().filter(pl.element() != ""))
        .alias("resp"),
    ).to_pandas()
    base["resp"] = base["resp"].map(lambda v: [str(x) for x in v] if v is not None else [])
    st.caption(t("tasks.bulk_hint"))
    edited = st.data_editor(
        base,
        hide_index=True,
        width="stretch",
        key=bulk_key(data_version(), base["task_id"]),
        disabled=["task_id", "version", "code", "title"],
        column_config={
            "task_id": None,
            "version": None,
            "code": st.column_config.TextColumn(t("tasks.col_code"), width="small"),
            "title": st.column_config.TextColumn(t("tasks.col_title"), width="medium"),
            "deadline": st.column_config.DateColumn(
                t("tasks.col_deadline"), format="YYYY-MM-DD", required=True, width=100
            ),
            "lead_name": st.column_config.SelectboxColumn(
                t("tasks.col_lead"), options=list(names), required=True
            ),
            "resp": st.column_config.MultiselectColumn(
                t("tasks.col_resp"), options=list(names), width="large"
            ),
        },
    )
    if not st.button(t("tasks.bulk_save"), type="primary", key="bulk_save"):
        return
    rows = []
    for old, new in zip(base.to_dict("records"), edited.to_dict("records"), strict=True):
        change = {}
        nd = _editor_dates(new["deadline"])
        if nd != _editor_dates(old["deadline"]):
            change["deadline"] = nd
        new_resp = [n for n in list(new["resp"] if new["resp"] is not None else []) if n in names]
        units_changed = new["lead_name"] != old["lead_name"] or sorted(new_resp) != sorted(
            old["resp"]
        )
        if units_changed and new["lead_name"] in names:
            lead_id = names[new["lead_name"]]
            change["lead_department_id"] = lead_id
            # a unit made lead leaves the responsible list rather than being refused
            change["responsible_department_ids"] = [
                names[n] for n in dict.fromkeys(new_resp) if names[n] != lead_id
            ]
        if change:
            rows.append(
                {
                    "task_id": int(old["task_id"]),
                    "expected_version": int(old["version"]),
                    "code": old["code"],
                    **change,
                }
            )
    if not rows:
        st.info(t("tasks.bulk_nothing"))
        return
    with session() as db:
        results = manage.bulk_update(db, actor=me, rows=rows)
    ok = [r for r in results if r.ok]
    bad = [r for r in results if not r.ok]
    if ok:
        st.success(t("tasks.bulk_ok", n=len(ok)))
    for r in bad:
        st.error(t("tasks.bulk_bad", code=r.code, msg=r.message), icon="⚠️")


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
        st.markdown(f"**{task.code} {task.title}**")
        extension_decision_form(e, unit, task, me, "extq")


# ---------------------------------------------------------------- the unit's forms (我的任务)


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
            flash(t("my.acked", code=m.task.code, title=m.task.title))
            st.rerun()


def _files(uploaded) -> list[tuple[str, bytes]]:
    return [(f.name, f.getvalue()) for f in (uploaded or [])]


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
                f"{tg.text}（{t('tasks.target')} {_arrow(tg.direction)}{_n(tg.target_value)}"
                f"{tg.unit or ''}）",
                value=None,
                key=f"{fk}_tg_{tg.id}",
            )
        files = st.file_uploader(
            t("my.evidence"),
            accept_multiple_files=True,
            type=uploads.ACCEPT_EXTENSIONS,
            key=f"{fk}_files",
            max_upload_size=settings().max_upload_mb,
            help=t("my.evidence_help"),
        )
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
        st.info(t("my.ext_waiting", date=_d(e.requested_date), at=_d(e.requested_at)), icon="⏳")
        return
    fk = f"ext_{m.assignment.id}"
    default = (m.task.deadline or clock.today()) + dt.timedelta(days=30)
    with st.form(fk):
        st.caption(t("my.ext_hint", deadline=_d(m.task.deadline)))
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
        files = st.file_uploader(
            t("my.evidence"),
            accept_multiple_files=True,
            type=uploads.ACCEPT_EXTENSIONS,
            key=f"{fk}_files",
            max_upload_size=settings().max_upload_mb,
            help=t("my.evidence_help"),
        )
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
        st.markdown(
            f"✍️ **{ins.text}**  <span style='color:gray'>{_d(ins.created_at)}</span>",
            unsafe_allow_html=True,
        )
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
                h["tasks.col_deadline"]: [_d(m.task.deadline) for m in items],
                h["my.due_in"]: [_due_text(m) for m in items],
                h["tasks.col_last"]: [_d(m.last_report_at) for m in items],
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
            need.append(t("my.n_need_reply", date=_d(n.reply_due)))
        st.markdown(f"📢 **{n.doc_number or ''} {n.title}** · {'、'.join(need)}")
    st.page_link("pages/notices.py", label=t("my.n_go"), icon="➡️")


def desk_line(m) -> str:
    """One line per task in the action sections: code, title, deadline, what is pending."""
    bits = [f"**{m.task.code} {m.task.title}**", vocab("role", m.assignment.role)]
    if m.task.deadline:
        if m.overdue:
            bits.append(t("my.overdue_by", date=_d(m.task.deadline), n=abs(m.due_in_wd or 0)))
        else:
            bits.append(t("my.due_on", date=_d(m.task.deadline), n=m.due_in_wd))
    if m.latest_percent is not None:
        bits.append(f"{m.latest_percent:.0f}%")
    if m.pending_instructions:
        bits.append(t("my.n_instructions", n=len(m.pending_instructions)))
    return " · ".join(bits)


def open_from_query() -> None:
    """`tasks?task=<id>` (the dashboard's links) opens that task's detail once; so does a
    task just created (set before the picker exists, as Streamlit requires)."""
    if "_open_next" in st.session_state:
        st.session_state["open_task"] = st.session_state.pop("_open_next")
    raw = st.query_params.get("task")
    if raw and raw != st.session_state.get("_task_qp_done"):
        st.session_state["_task_qp_done"] = raw
        if raw.isdigit():
            st.session_state["open_task"] = int(raw)
