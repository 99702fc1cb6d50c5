"""The register's saved views (视图): pick one (it fills the filter, column and sort widgets),
save the current register as a view, update, rename or delete it, and its stable link
`tasks?view=ID`."""

import datetime as dt
from collections.abc import Callable, Sequence

import streamlit as st
from sqlmodel import Session

from duban.core.errors import DubanError
from duban.core.permissions import Actor, can
from duban.tasks import register, views
from duban.tasks.register import FieldFilter, RegisterFilter
from models import CustomField, FieldKind, SavedView
from ui.common import flash, plain, show_error
from ui.context import session, t
from ui.tasks import table

VIEW_PARAM = "view"
_PENDING = "rf_view_next"  # a view to select at the start of the next run (after a write)
_LINKED = "rf_view_link"  # the ?view= value already applied
_BAD = "rf_view_bad"
ROLE_KEYS = {"leader": "role.leader", "office": "role.office", "inspector": "role.inspector"}


def _role_words(role: str | None) -> str:
    return t(ROLE_KEYS[role]) if role in ROLE_KEYS else str(role)


def before_widgets(me: Actor) -> None:
    """At the top of the register, before its widgets: a view chosen by the last write, or
    named by the link (`?view=ID`), fills them."""
    if _PENDING in st.session_state:
        pending = st.session_state.pop(_PENDING)
        st.session_state["rf_view"] = pending
        if pending is None:
            st.query_params.pop(VIEW_PARAM, None)
            st.session_state.pop(_LINKED, None)
        else:
            st.query_params[VIEW_PARAM] = str(pending)
            st.session_state[_LINKED] = str(pending)
    raw = st.query_params.get(VIEW_PARAM)
    if not raw:
        st.session_state.pop(_LINKED, None)
        st.session_state.pop(_BAD, None)
        return
    if raw != st.session_state.get(_LINKED):
        st.session_state[_LINKED] = raw
        view = _load(me, raw)
        st.session_state[_BAD] = view is None
        if view is None:
            st.session_state["rf_view"] = None
        else:
            st.session_state["rf_view"] = view.id
            apply_state(view.state)
    if st.session_state.get(_BAD):
        st.warning(t("views.bad_link", link=plain(raw[:20])), icon="🔗")


def _load(me: Actor, raw: str) -> SavedView | None:
    if not raw.isdigit():
        return None
    with session() as s:
        try:
            return views.get_view(s, actor=me, view_id=int(raw))
        except DubanError:
            return None


def apply_state(raw: dict) -> None:
    """Write a stored view into the register's widgets (what no longer exists is left out)."""
    ch = table.choices()
    fields: list[CustomField] = ch["fields"]
    state = views.applied(
        views.read_state(raw),
        fields=fields,
        plans=list(ch["plans"]),
        departments=list(ch["depts"]),
        categories=list(ch["categories"]),
    )
    ss = st.session_state
    ss["rf_plan"] = state.plan_id
    phases = ch["phases"].get(state.plan_id) if state.plan_id is not None else None
    allowed = set(phases) if phases is not None else {p for v in ch["phases"].values() for p in v}
    ss["rf_phase"] = [p for p in state.phases if p in allowed]
    ss["rf_dept"] = state.department_id
    ss["rf_role"] = state.unit_role
    ss["rf_status"] = list(state.statuses)
    ss["rf_colour"] = list(state.colours)
    ss["rf_deadline"] = tuple(d for d in (state.deadline_from, state.deadline_to) if d)
    ss["rf_text"] = state.text
    ss["rf_cat"] = list(state.categories)
    for f in fields:
        ff = state.custom.get(f.id) if f.id is not None else None
        _write_field(f, FieldFilter(**ff.model_dump()) if ff else FieldFilter(), ch["depts"])
    ss["rf_cols"] = list(state.columns) or register.default_columns(fields)
    ss["rf_sort"] = state.sort
    ss["rf_desc"] = state.descending


def _write_field(f: CustomField, ff: FieldFilter, depts: dict[int, str]) -> None:
    ss = st.session_state
    kind = FieldKind(f.kind)
    key = table.field_key(f)
    if kind == FieldKind.number:
        ss[key + "_lo"] = _num(ff.low)
        ss[key + "_hi"] = _num(ff.high)
    elif kind == FieldKind.date:
        ss[key] = tuple(d for d in (_day(ff.low), _day(ff.high)) if d is not None)
    elif kind in (FieldKind.text, FieldKind.long_text):
        ss[key] = ff.contains
    else:
        options: Sequence = (
            list(depts)
            if kind == FieldKind.department
            else [True, False]
            if kind == FieldKind.boolean
            else f.options
        )
        ss[key] = [v for v in ff.any_of if v in options]


def _day(v: object) -> dt.date | None:
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v)) if v else None
    except ValueError:
        return None


def _num(v: object) -> float | None:
    try:
        return float(v) if v is not None else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _label(me: Actor, v: SavedView) -> str:
    if v.owner_id == me.user_id:
        if v.shared_role:
            return t("views.mine_shared", name=v.name, role=_role_words(v.shared_role))
        return t("views.mine", name=v.name)
    return t("views.shared", name=v.name, role=_role_words(v.shared_role))


def view_bar(
    me: Actor,
    filters: RegisterFilter,
    columns: Sequence[str],
    sort: str | None,
    descending: bool,
) -> None:
    """视图: the picker, 保存为视图, and for the chosen view its link, update, rename, delete."""
    with session() as s:
        mine = views.list_views(s, actor=me)
    by_id = {v.id: v for v in mine}
    if st.session_state.get("rf_view") not in (None, *by_id):
        st.session_state["rf_view"] = None
    c1, c2, c3 = st.columns([5, 2, 2], vertical_alignment="bottom")
    chosen = c1.selectbox(
        t("views.label"),
        [None, *by_id],
        format_func=lambda i: t("views.none") if i is None else _label(me, by_id[i]),
        key="rf_view",
        on_change=_picked,
        args=(me,),
    )
    state = views.state_of(filters, columns=columns, sort=sort, descending=descending)
    with c2.popover(t("views.save_as"), icon="💾", width="stretch"):
        _save_form(me, state)
    view = by_id.get(chosen) if chosen is not None else None
    if view is not None and views.may_edit(me, view):
        with c3.popover(t("views.manage"), icon="⚙️", width="stretch"):
            _manage_form(me, view, state)
    if view is not None:
        url = st.context.url or ""
        base = url if url.rstrip("/").endswith("tasks") else "tasks"
        st.markdown(t("views.link"))
        st.code(f"{base}?{VIEW_PARAM}={view.id}", language=None)


def _picked(me: Actor) -> None:
    """A view chosen in the picker: its state fills the widgets, and the address names it."""
    view_id = st.session_state.get("rf_view")
    if view_id is None:
        st.query_params.pop(VIEW_PARAM, None)
        st.session_state.pop(_LINKED, None)
        return
    view = _load(me, str(view_id))
    if view is None:
        st.session_state["rf_view"] = None
        return
    apply_state(view.state)
    st.query_params[VIEW_PARAM] = str(view.id)
    st.session_state[_LINKED] = str(view.id)
    st.session_state[_BAD] = False


def _save_form(me: Actor, state: dict) -> None:
    name = st.text_input(t("views.name"), key="rf_view_name", max_chars=views.NAME_MAX)
    share = None
    if can(me, "view.share"):
        share = st.selectbox(
            t("views.share_with"),
            [None, *(r.value for r in views.SHARE_ROLES)],
            format_func=lambda r: t("views.private") if r is None else _role_words(r),
            key="rf_view_share",
        )
    if st.button(t("views.save"), key="rf_view_save", type="primary"):
        try:
            with session() as s:
                v = views.save_view(s, actor=me, name=name, state=state, shared_role=share)
                new_id, new_name = v.id, v.name
        except DubanError as exc:
            show_error(exc)
            return
        st.session_state[_PENDING] = new_id
        st.session_state.pop("rf_view_name", None)
        flash(t("views.saved", name=plain(new_name)))
        st.rerun()


def _manage_form(me: Actor, view: SavedView, state: dict) -> None:
    key = f"rf_view_{view.id}_{view.version}"
    if st.button(t("views.update"), key=f"{key}_update", width="stretch"):
        _write(
            lambda s: views.update_view(
                s, actor=me, view_id=view.id, expected_version=view.version, state=state
            ),
            t("views.updated", name=plain(view.name)),
            keep=view.id,
        )
    new_name = st.text_input(t("views.name"), value=view.name, key=f"{key}_name")
    if st.button(t("views.rename"), key=f"{key}_rename", width="stretch"):
        _write(
            lambda s: views.update_view(
                s, actor=me, view_id=view.id, expected_version=view.version, name=new_name
            ),
            t("views.updated", name=plain(new_name)),
            keep=view.id,
        )
    sure = st.checkbox(t("views.delete_confirm"), key=f"{key}_sure")
    if st.button(t("views.delete"), key=f"{key}_delete", disabled=not sure, width="stretch"):
        _write(
            lambda s: views.delete_view(
                s, actor=me, view_id=view.id, expected_version=view.version
            ),
            t("views.deleted", name=plain(view.name)),
            keep=None,
        )


def _write(call: Callable[[Session], object], message: str, *, keep: int | None) -> None:
    try:
        with session() as s:
            call(s)
    except DubanError as exc:
        show_error(exc)
        return
    st.session_state[_PENDING] = keep
    flash(message)
    st.rerun()
