"""Administration tabs for departments, users, sign-in security and the audit log."""

import pandas as pd
import streamlit as st

from duban.core import audit
from duban.core.permissions import Actor
from duban.org import departments, lockout, sessions, users
from models import AppUser, Department, DepartmentKind, Role
from ui import auth
from ui.common import (
    DATE_FORMAT,
    EMPTY_CELL,
    bump,
    empty_state,
    flash,
    opened_version,
    seen_version,
    show_errors,
)
from ui.context import session, t, vocab


def departments_tab(me: Actor) -> None:
    with session() as db:
        depts = departments.list_departments(db, include_inactive=True)
    left, right = st.columns([3, 2])
    with left:
        _department_tree(depts)
    with right:
        _department_editor(me, depts)


def _department_tree(depts: list[Department]) -> None:
    st.subheader(t("admin.dept_tree"))
    if not depts:
        empty_state()
    rows = [
        {
            t("col.name"): "　" * depth + ("└ " if depth else "") + d.name,
            t("admin.dept_short"): d.short_name or "",
            t("col.kind"): vocab("department_kind", d.kind),
            t("col.active"): t("yes") if d.active else t("no"),
        }
        for depth, d in departments.department_tree(depts)
    ]
    st.dataframe(
        pd.DataFrame(rows), hide_index=True, width="stretch", height=420, placeholder=EMPTY_CELL
    )


def _department_editor(me: Actor, depts: list[Department]) -> None:
    """New or edit (with activate / deactivate) on the right of the tree."""
    by_id = {d.id: d for d in depts}
    mode = st.radio(
        t("admin.dept_mode"),
        [t("admin.dept_new"), t("admin.dept_edit")],
        horizontal=True,
        label_visibility="collapsed",
        key="dept_mode",
    )
    current = None
    if mode == t("admin.dept_edit"):
        if not depts:
            return
        current = by_id[
            st.selectbox(
                t("admin.dept_pick"),
                list(by_id),
                format_func=lambda i: by_id[i].name,
                key="dept_pick",
                placeholder=t("form.choose"),
            )
        ]
    _department_form(me, current, by_id)
    if current:
        _department_toggle(me, current)


def _department_values(d: Department | None) -> dict:
    if d is None:
        return {
            "name": "",
            "short_name": "",
            "kind": DepartmentKind.city_department,
            "parent": None,
        }
    kind = DepartmentKind(d.kind)
    return {"name": d.name, "short_name": d.short_name or "", "kind": kind, "parent": d.parent_id}


def _department_form(me: Actor, current: Department | None, by_id: dict) -> None:
    """The unit's fields as they were when the form opened; saved against that version."""
    version: int | None = None
    values = _department_values(None)
    if current is not None:
        version, values = opened_version(
            f"dept_{current.id}", current.version, lambda: _department_values(current)
        )
    fk = (
        f"dept_{current.id}_{version}"
        if current
        else f"dept_new_{st.session_state.get('dept_n', 0)}"
    )
    parents = [None] + [d.id for d in by_id.values() if d.active and d is not current]
    kinds = list(DepartmentKind)
    with st.form(f"{fk}_form"):
        name = st.text_input(t("admin.dept_name"), value=values["name"], key=f"{fk}_name")
        short = st.text_input(t("admin.dept_short"), value=values["short_name"], key=f"{fk}_short")
        kind = st.selectbox(
            t("admin.dept_kind"),
            kinds,
            format_func=lambda k: vocab("department_kind", k),
            index=kinds.index(values["kind"]),
            key=f"{fk}_kind",
            placeholder=t("form.choose"),
        )
        parent = st.selectbox(
            t("admin.dept_parent"),
            parents,
            format_func=lambda i: t("admin.dept_none") if i is None else by_id[i].name,
            index=parents.index(values["parent"]) if values["parent"] in parents else 0,
            key=f"{fk}_parent",
            placeholder=t("form.choose"),
        )
        ok = st.form_submit_button(
            t("admin.save") if current else t("admin.create"), type="primary"
        )
    if not ok:
        return
    data = {"name": name, "short_name": short.strip() or None, "kind": kind, "parent_id": parent}
    with show_errors(), session() as db:
        if current is not None and version is not None:
            departments.update_department(
                db, actor=me, department_id=current.id, expected_version=version, **data
            )
            flash(t("admin.saved"))
        else:
            departments.create_department(db, actor=me, **data)
            bump("dept_n")
            flash(t("admin.created"))
        st.rerun()


def _department_toggle(me: Actor, current: Department) -> None:
    """Deactivate or reactivate, acting on the unit as the user saw it."""
    seen = seen_version(f"dept_toggle_{current.id}", current.version)
    label = t("admin.dept_deactivate") if current.active else t("admin.dept_activate")
    if st.button(label, key=f"dept_toggle_{current.id}"):
        with show_errors(), session() as db:
            departments.set_department_active(
                db,
                actor=me,
                department_id=current.id,
                active=not current.active,
                expected_version=seen,
            )
            flash(t("admin.saved"))
            st.rerun()


def users_tab(me: Actor) -> None:
    with session() as db:
        accounts = users.list_users(db)
        depts = departments.list_departments(db)
    dname = {d.id: d.name for d in depts}
    _users_table(accounts, dname)
    c1, c2 = st.columns(2)
    with c1:
        _new_user_form(me, dname)
    with c2:
        _edit_user(me, accounts, dname)


def _users_table(accounts: list[AppUser], dname: dict) -> None:
    rows = [
        {
            t("col.username"): u.username,
            t("col.display_name"): u.display_name,
            t("col.role"): t(f"role.{Role(u.role).value}"),
            t("col.unit"): dname.get(u.department_id, ""),
            t("col.status"): t("yes") if u.active else t("no"),
            t("col.last_login"): u.last_login_at,
        }
        for u in accounts
    ]
    st.dataframe(
        pd.DataFrame(rows), hide_index=True, width="stretch", height=360, placeholder=EMPTY_CELL
    )


def _new_user_form(me: Actor, dname: dict) -> None:
    roles = list(Role)
    unit_opts = [None] + list(dname)
    with st.form("user_new"):
        st.subheader(t("admin.user_new"))
        username = st.text_input(t("admin.user_username"))
        name = st.text_input(t("admin.user_name"))
        role = st.selectbox(
            t("admin.user_role"),
            roles,
            format_func=lambda r: t(f"role.{r.value}"),
            placeholder=t("form.choose"),
        )
        unit = st.selectbox(
            t("admin.user_unit"),
            unit_opts,
            format_func=lambda i: "—" if i is None else dname[i],
            placeholder=t("form.choose"),
        )
        password = st.text_input(t("admin.user_password"), type="password")
        if st.form_submit_button(t("admin.create"), type="primary"):
            with show_errors(), session() as db:
                users.create_user(
                    db,
                    actor=me,
                    username=username,
                    display_name=name.strip(),
                    role=role,
                    department_id=unit,
                    password=password,
                )
                st.success(t("admin.created"))
                st.rerun()


def _edit_user(me: Actor, accounts: list[AppUser], dname: dict) -> None:
    """Edit one account (as it was when the form opened); reset its password; lift the
    throttles on its name."""
    st.subheader(t("admin.user_edit"))
    by_id = {u.id: u for u in accounts}
    uid = st.selectbox(
        t("admin.user_pick"),
        list(by_id),
        format_func=lambda i: f"{by_id[i].username} · {by_id[i].display_name}",
        key="user_pick",  # keeps the pick when a name in the list changes
        placeholder=t("form.choose"),
    )
    u = by_id[uid]
    _user_form(me, u, dname)
    with st.form(f"user_pw_{u.id}", clear_on_submit=True):
        pw = st.text_input(t("admin.user_new_pw"), type="password")
        if st.form_submit_button(t("admin.user_reset_pw")):
            with show_errors(), session() as db:
                users.reset_password(db, actor=me, user_id=u.id, new_password=pw)
                st.success(t("admin.saved"))
    if st.button(t("admin.user_unlock"), key=f"unlock_{u.id}"):
        with show_errors(), session() as db:
            users.unlock_user(db, actor=me, user_id=u.id)
            st.success(t("admin.sec_lifted"))


def _user_values(u: AppUser) -> dict:
    return {
        "display_name": u.display_name,
        "role": Role(u.role),
        "department_id": u.department_id,
        "active": u.active,
    }


def _user_form(me: Actor, u: AppUser, dname: dict) -> None:
    roles = list(Role)
    unit_opts = [None] + list(dname)
    version, values = opened_version(f"user_{u.id}", u.version, lambda: _user_values(u))
    fk = f"user_edit_{u.id}_{version}"
    with st.form(fk):
        name = st.text_input(t("admin.user_name"), value=values["display_name"], key=f"{fk}_name")
        role = st.selectbox(
            t("admin.user_role"),
            roles,
            index=roles.index(values["role"]),
            format_func=lambda r: t(f"role.{r.value}"),
            key=f"{fk}_role",
            placeholder=t("form.choose"),
        )
        unit = st.selectbox(
            t("admin.user_unit"),
            unit_opts,
            index=unit_opts.index(values["department_id"])
            if values["department_id"] in unit_opts
            else 0,
            format_func=lambda i: "—" if i is None else dname[i],
            key=f"{fk}_unit",
            placeholder=t("form.choose"),
        )
        active = st.checkbox(t("admin.user_active"), value=values["active"], key=f"{fk}_active")
        if st.form_submit_button(t("admin.save"), type="primary"):
            with show_errors(), session() as db:
                users.update_user(
                    db,
                    actor=me,
                    user_id=u.id,
                    expected_version=version,
                    display_name=name.strip(),
                    role=role,
                    department_id=unit,
                    active=active,
                )
                flash(t("admin.saved"))
                st.rerun()


def audit_tab(me: Actor) -> None:
    with session() as db:
        accounts = users.list_users(db)
    c1, c2, c3, c4, c5 = st.columns(5)
    any_ = t("admin.any")
    user = c1.selectbox(
        t("admin.audit_user"),
        [any_, "system"] + [u.username for u in accounts],
        placeholder=t("form.choose"),
    )
    obj = c2.selectbox(
        t("admin.audit_object"),
        [any_] + AUDIT_OBJECTS,
        format_func=lambda o: o if o == any_ else t(f"admin.obj.{o}"),
        placeholder=t("form.choose"),
    )
    obj_id = c3.text_input(t("admin.audit_object_id"))
    d_from = c4.date_input(t("admin.audit_from"), value=None, format=DATE_FORMAT)
    d_to = c5.date_input(t("admin.audit_to"), value=None, format=DATE_FORMAT)
    with session() as db:
        rows, total = audit.query_log(
            db,
            username=None if user == any_ else user,
            object_type=None if obj == any_ else obj,
            object_id=obj_id.strip() or None,
            date_from=d_from,
            date_to=d_to,
        )
    st.caption(t("admin.audit_count", total=total, shown=len(rows)))
    if not rows:
        empty_state()
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("col.at"): r.at,
                    t("col.user"): r.username,
                    t("col.action"): r.action,
                    t("col.object"): f"{r.object_type}#{r.object_id or ''}",
                    t("col.before"): _short(r.before),
                    t("col.after"): _short(r.after),
                    t("col.note"): r.note or "",
                    t("admin.sec_source"): r.client or "",
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
        height=480,
        placeholder=EMPTY_CELL,
    )


def security_tab(me: Actor) -> None:
    """Who must wait before signing in again (and lifting it); who is signed in (and ending it)."""
    st.subheader(t("admin.sec_throttles"))
    st.caption(t("admin.sec_throttles_caption"))
    with session() as db:
        throttles = lockout.current_throttles(db, actor=me)
    _throttles(me, throttles)
    st.subheader(t("admin.sec_sessions"))
    with session() as db:
        live = sessions.live_sessions(db, actor=me)
        accounts = users.list_users(db)
    _live_sessions(live)
    _kick(me, accounts)


def _throttles(me: Actor, throttles: list[lockout.Throttle]) -> None:
    if not throttles:
        empty_state(t("admin.sec_no_throttles"), icon="✅")
        return
    label = [f"{th.username or t('admin.sec_any_user')} @ {th.source}" for th in throttles]
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("col.username"): th.username or t("admin.sec_any_user"),
                    t("admin.sec_source"): th.source,
                    t("admin.sec_failures"): th.failures,
                    t("admin.sec_until"): th.until,
                }
                for th in throttles
            ]
        ),
        hide_index=True,
        width="stretch",
        placeholder=EMPTY_CELL,
    )
    pick = st.selectbox(
        t("admin.sec_pick"),
        range(len(throttles)),
        format_func=label.__getitem__,
        key="sec_pick",
        placeholder=t("form.choose"),
    )
    if st.button(t("admin.sec_lift"), key="sec_lift"):
        chosen = throttles[pick]
        with show_errors(), session() as db:
            lockout.lift(db, actor=me, username=chosen.username, source=chosen.source)
            st.success(t("admin.sec_lifted"))
            st.rerun()


def _live_sessions(live: list[sessions.SessionView]) -> None:
    if not live:
        empty_state()
        return
    auth.sessions_table(live, whose=True)


def _kick(me: Actor, accounts: list[AppUser]) -> None:
    by_id = {u.id: u for u in accounts}
    uid = st.selectbox(
        t("admin.sec_kick_pick"),
        list(by_id),
        format_func=lambda i: f"{by_id[i].username} · {by_id[i].display_name}",
        key="sec_kick_pick",
        placeholder=t("form.choose"),
    )
    if uid is not None and st.button(t("admin.sec_kick"), key="sec_kick"):
        with show_errors(), session() as db:
            n = sessions.sign_out_everywhere(db, actor=me, user_id=uid)
            st.success(t("admin.sec_kicked", n=n))


AUDIT_OBJECTS = [
    "task",
    "assignment",
    "progress_report",
    "extension_request",
    "instruction",
    "inspection",
    "finding",
    "notice",
    "plan",
    "department",
    "app_user",
    "login_attempt",
    "user_session",
    "app_setting",
    "calendar_day",
]


def _short(v) -> str:
    if not v:
        return ""
    s = ", ".join(f"{k}={val}" for k, val in v.items())
    return s if len(s) < 160 else s[:157] + "…"


TABS = [
    (10, "admin.tab_departments", departments_tab),
    (20, "admin.tab_users", users_tab),
    (30, "admin.tab_security", security_tab),
    (90, "admin.tab_audit", audit_tab),
]
