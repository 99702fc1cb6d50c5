"""Creating and editing a task: fields, milestones and targets, units."""

import datetime as dt

import pandas as pd
import streamlit as st

from duban.core import clock
from duban.core.errors import DubanError
from duban.core.permissions import Actor
from duban.tasks import manage, reading
from models import Task, TaskStatus
from ui.common import EMPTY_CELL, bump, empty_state, flash, pinned, plain, show_error, unpin
from ui.context import session, t
from ui.fields import inputs as field_inputs
from ui.fields.lookup import lookup
from ui.tasks import cycle_input
from ui.tasks._format import editor_date
from ui.tasks.table import choices


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
        fields |= _classification(fk, data, edit=task_id is not None)
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
            code=plain(written.code or ""),
            title=plain(written.title),
        )
    )
    return written.id


def _form_data(
    me: Actor, task_id: int | None, key: str, plans: dict
) -> tuple[int | None, TaskStatus, dict]:
    """(version, status, form data): the task as pinned when its form opened, or a new one."""
    if task_id is None:
        plan_id = st.selectbox(
            t("tasks.f_plan"),
            list(plans),
            format_func=plans.get,
            key=f"{key}_plan",
            placeholder=t("form.choose"),
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
            "report_cycle": None,
            "lead_department_id": None,
            "responsible_department_ids": [],
            "milestones": [],
            "targets": [],
            "category_id": None,
            "custom": {},
        }
        return None, TaskStatus.draft, data
    # The form shows (and saves against) the version read when it was opened: a change
    # by someone else meanwhile is refused as stale instead of silently mixed in.
    with session() as db:
        current = reading.require_read(db, me, task_id)
        current_version = current.version
        pin = pinned(
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
        placeholder=t("form.choose"),
    )
    popts = [None, *parents]
    parent = c4.selectbox(
        t("tasks.parent_label"),
        popts,
        index=popts.index(data["parent_id"]) if data["parent_id"] in popts else 0,
        format_func=lambda i: parents.get(i, "—"),
        key=f"{fk}_parent",
        placeholder=t("form.choose"),
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
        placeholder=t("form.choose"),
    )
    resp = c8.multiselect(
        t("tasks.col_resp"),
        list(depts),
        default=[i for i in data["responsible_department_ids"] if i in depts],
        format_func=depts.get,
        key=f"{fk}_resp",
        placeholder=t("tasks.resp_ph"),
        select_all=False,
    )
    cycle = cycle_input.cycle_control(
        f"{fk}_cycle",
        data.get("report_cycle"),
        inherit=True,
        plan_code=ch["cycles"].get(data["plan_id"]),
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
        "report_cycle": cycle,
    }


def _classification(fk: str, data: dict, *, edit: bool) -> dict:
    """事项来源 and the 自定义字段 of the task's plan (inside the form), as the service takes
    them: `category_id`, and `custom` {field id: value} (on an edit, the changed fields only)."""
    lk = lookup()
    category = field_inputs.category_input(f"{fk}_category", data.get("category_id"), lk)
    custom = field_inputs.custom_inputs(
        fk,
        lk.active_fields(data["plan_id"]),
        data.get("custom") or {},
        lk,
        changed_only=edit,
    )
    return {"category_id": category, "custom": custom}


def _child_editors(fk: str, data: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The milestone and target editors (inside the form); returns their edited frames."""
    st.caption(t("tasks.milestones") + t("punct.gap") + t("tasks.editor_hint"))
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
        placeholder=EMPTY_CELL,
    )
    st.caption(t("tasks.targets") + t("punct.gap") + t("tasks.editor_hint"))
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
        placeholder=EMPTY_CELL,
    )
    return ms, tg


def _child_values(ms: pd.DataFrame, tg: pd.DataFrame) -> dict:
    """The edited milestone and target rows as the service takes them."""
    return {
        "milestones": [
            {
                **m,
                "due_date": editor_date(m.get("due_date")),
                "done_on": editor_date(m.get("done_on")),
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
        show_error(exc)
        return None
    return written
