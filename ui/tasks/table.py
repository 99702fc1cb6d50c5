"""任务台账: the register frame, its filters (事项来源 and the custom fields too), the column
chooser and sort, the table and the task picker."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
import streamlit as st

from duban.core import clock
from duban.core.permissions import Actor
from duban.fields import categories, definitions
from duban.fields import frame as field_frame
from duban.monitoring import lights
from duban.monitoring.lights import COLOUR_LABELS
from duban.org import departments
from duban.tasks import reading, register
from duban.tasks.register import NO_CATEGORY, FieldFilter, RegisterFilter
from models import CustomField, FieldKind, TaskStatus
from ui import selection
from ui.common import EMPTY_CELL, plain_line
from ui.context import data_version, engine, lang, session, status_frames, t, vocab
from ui.tasks import cycle_input
from ui.tasks._format import colour_text


@st.cache_data(show_spinner=False, max_entries=4)
def _base_frame(version: int, today: dt.date) -> pl.DataFrame:
    # The dashboard's read and colouring of this data version (ui.context, shared).
    return register.base_frame(engine(), today=today, coloured=status_frames(version, today))


def register_frame() -> pl.DataFrame:
    return _base_frame(data_version(), clock.today())


@st.cache_data(show_spinner=False, max_entries=4)
def _choices(version: int) -> dict:
    with session() as db:
        plans = reading.list_plans(db)
        depts = departments.list_departments(db)
        # the register's columns: the active fields (detached copies, safe to cache)
        fields = [CustomField(**f.model_dump()) for f in definitions.list_fields(db)]
        cats = categories.list_categories(db, include_retired=True)
    return {
        "plans": {p.id: p.title for p in plans},
        "phases": {p.id: list(p.phases or []) for p in plans},
        "cycles": {p.id: p.report_cycle for p in plans},  # each plan's default 报送频次
        "depts": {d.id: d.name for d in depts},
        "fields": fields,
        "categories": {c.id: c.name for c in cats},
    }


def choices() -> dict:
    return _choices(data_version())


def filter_words(filters: RegisterFilter, me: Actor) -> str:
    """The register's filter in words, for the export's 说明 sheet."""
    ch = choices()
    return register.describe_filter(
        filters,
        plans=ch["plans"],
        departments=ch["depts"],
        actor=me,
        category_names=ch["categories"],
        fields=ch["fields"],
    )


def export_view(view: pl.DataFrame, words: str, me: Actor) -> bytes:
    """The view as Excel, with 事项来源 and a typed column per custom field."""
    ch = choices()
    return register.export_excel(
        view,
        filter_text=words,
        exported_by=me.name,
        fields=ch["fields"],
        departments=ch["depts"],
    )


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
        placeholder=t("tasks.all"),
    )
    phase_opts = sorted({ph for v in ch["phases"].values() for ph in v})
    if plan_id is not None:
        phase_opts = ch["phases"].get(plan_id, [])
    phases = c2.multiselect(
        t("tasks.f_phase"), phase_opts, key="rf_phase", placeholder=t("tasks.all"), select_all=False
    )
    dept = c3.selectbox(
        t("tasks.f_dept"),
        [None, *depts],
        format_func=lambda i: depts.get(i, t("tasks.all")),
        key="rf_dept",
        placeholder=t("tasks.all"),
    )
    role = c4.selectbox(
        t("tasks.f_role"),
        register.UNIT_ROLES,
        format_func=lambda r: t(f"tasks.role_{r}"),
        key="rf_role",
        placeholder=t("form.choose"),
    )
    c5, c6, c7, c8 = st.columns([3, 2, 3, 2])
    statuses = c5.multiselect(
        t("tasks.f_status"),
        [s.value for s in TaskStatus],
        format_func=lambda s: vocab("task_status", s),
        key="rf_status",
        placeholder=t("tasks.all"),
        select_all=False,
    )
    colours = c6.multiselect(
        t("tasks.f_colour"),
        list(COLOUR_LABELS),
        format_func=colour_text,
        key="rf_colour",
        placeholder=t("tasks.all"),
        select_all=False,
    )
    span = c7.date_input(t("tasks.f_deadline"), value=(), key="rf_deadline", format="YYYY-MM-DD")
    text = c8.text_input(t("tasks.f_text"), key="rf_text", placeholder=t("tasks.f_text_ph"))
    span = tuple(span) if isinstance(span, list | tuple) else (span,)
    c9, _ = st.columns([3, 7], vertical_alignment="bottom")
    cats = ch["categories"]
    chosen_cats = c9.multiselect(
        t("views.f_category"),
        [*cats, NO_CATEGORY],
        format_func=lambda c: t("views.uncategorised") if c == NO_CATEGORY else cats.get(c, c),
        key="rf_cat",
        placeholder=t("tasks.all"),
        select_all=False,
    )
    custom = _field_filters(ch["fields"], depts, plan_id)  # full width: a range takes two boxes
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
        categories=chosen_cats,
        custom=custom,
    )


# ---------------------------------------------------------------- custom-field filters


def field_key(f: CustomField | int, end: str = "") -> str:
    """The filter widget of a field: rf_cf_12 (rf_cf_12_lo / _hi for a number's range)."""
    return f"rf_{field_frame.column(f)}{end}"


def _field_filter_of(f: CustomField) -> FieldFilter:
    """The filter a field's widgets hold now (read from the session: the widgets may not
    be drawn yet in this run)."""
    kind = FieldKind(f.kind)
    ss = st.session_state
    if kind == FieldKind.number:
        return FieldFilter(low=ss.get(field_key(f, "_lo")), high=ss.get(field_key(f, "_hi")))
    if kind == FieldKind.date:
        span = ss.get(field_key(f)) or ()
        span = tuple(span) if isinstance(span, list | tuple) else (span,)
        return FieldFilter(
            low=span[0] if len(span) > 0 else None, high=span[1] if len(span) > 1 else None
        )
    if kind in (FieldKind.text, FieldKind.long_text):
        return FieldFilter(contains=str(ss.get(field_key(f)) or ""))
    return FieldFilter(any_of=list(ss.get(field_key(f)) or []))


def _field_filters(
    fields: Sequence[CustomField], depts: dict[int, str], plan_id: int | None
) -> dict[int, FieldFilter]:
    """更多筛选: one filter per custom field (of the chosen plan), folded, with a count."""
    shown = [f for f in fields if plan_id is None or definitions.applies(f, plan_id)]
    if not shown:  # no custom field (of this plan): nothing more to filter on
        return {}
    active = sum(1 for f in shown if _field_filter_of(f).active())
    label = t("views.more_n", n=active) if active else t("views.more")
    with st.expander(label, expanded=False):
        cols = st.columns(3)
        for i, f in enumerate(shown):
            with cols[i % 3]:
                _field_widget(f, depts)
    out = {}
    for f in shown:
        ff = _field_filter_of(f)
        if ff.active() and f.id is not None:
            out[f.id] = ff
    return out


def _field_widget(f: CustomField, depts: dict[int, str]) -> None:
    kind = FieldKind(f.kind)
    label = plain_line(f.label)
    key = field_key(f)
    if kind == FieldKind.number:
        lo, hi = st.columns(2)
        unit = f" ({f.unit})" if f.unit else ""
        lo.number_input(
            plain_line(t("views.min", label=f.label) + unit), value=None, key=key + "_lo"
        )
        hi.number_input(
            plain_line(t("views.max", label=f.label) + unit), value=None, key=key + "_hi"
        )
    elif kind == FieldKind.date:
        if key not in st.session_state:
            st.session_state[key] = ()
        st.date_input(label, key=key, format="YYYY-MM-DD")
    elif kind in (FieldKind.text, FieldKind.long_text):
        st.text_input(plain_line(t("views.contains", label=f.label)), key=key)
    else:
        options: list[Any]
        if kind == FieldKind.department:
            options = list(depts)
            fmt: Any = lambda d: depts.get(d, str(d))  # noqa: E731
        elif kind == FieldKind.boolean:
            options = [True, False]
            fmt = lambda b: t("views.yes") if b else t("views.no")  # noqa: E731
        else:
            options = list(f.options)
            fmt = str
        if key in st.session_state:  # an option taken away since: not chosen any more
            st.session_state[key] = [v for v in st.session_state[key] if v in options]
        st.multiselect(
            label, options, format_func=fmt, key=key, placeholder=t("tasks.all"), select_all=False
        )


# ---------------------------------------------------------------- columns and sort

COLUMN_LABELS = {
    "code": "tasks.col_code",
    "title": "tasks.col_title",
    "colour": "tasks.col_colour",
    "status_label": "tasks.col_status",
    "progress": "tasks.col_progress",
    "deadline": "tasks.col_deadline",
    "cycle": "cyc.label",
    "lead_name": "tasks.col_lead",
    "responsible_names": "tasks.col_resp",
    "extensions": "tasks.col_ext",
    "original_deadline": "tasks.col_original",
    "reasons_text": "tasks.col_reasons",
    "category": "views.col_category",
    "phase": "views.col_phase",
    "overdue_wd": "views.col_overdue",
    "last_update": "views.col_last",
    "category_weight": "views.col_weight",
}


def column_label(name: str, fields: Sequence[CustomField]) -> str:
    fid = field_frame.field_id(name)
    if fid is not None:
        f = next((x for x in fields if x.id == fid), None)
        return register.field_header(f) if f is not None else name
    return t(COLUMN_LABELS[name]) if name in COLUMN_LABELS else name


def columns_and_sort(fields: Sequence[CustomField]) -> tuple[list[str], str | None, bool]:
    """列与排序: which columns show, in what order, and the sort (default: register order)."""
    allowed = register.table_columns(fields)
    if "rf_cols" not in st.session_state:
        st.session_state["rf_cols"] = register.default_columns(fields)
    else:  # a field retired since: its column goes
        st.session_state["rf_cols"] = register.known_columns(st.session_state["rf_cols"], fields)
    if st.session_state.get("rf_sort") not in (None, *allowed):
        st.session_state["rf_sort"] = None
    with st.expander(t("views.columns_sort"), expanded=False):
        cols = st.multiselect(
            t("views.columns"),
            allowed,
            format_func=lambda c: column_label(c, fields),
            key="rf_cols",
            select_all=False,
        )
        c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
        sort = c1.selectbox(
            t("views.sort"),
            [None, *allowed],
            format_func=lambda c: t("views.sort_default") if c is None else column_label(c, fields),
            key="rf_sort",
        )
        if "rf_desc" not in st.session_state:
            st.session_state["rf_desc"] = False
        desc = c2.radio(
            t("views.sort"),
            [False, True],
            format_func=lambda d: t("views.desc") if d else t("views.asc"),
            key="rf_desc",
            horizontal=True,
            label_visibility="collapsed",
        )
    return list(cols) or register.default_columns(fields), sort, bool(desc)


def register_table(
    view: pl.DataFrame,
    columns: Sequence[str] | None = None,
    fields: Sequence[CustomField] | None = None,
) -> int | None:
    """The register as a selectable table (the chosen columns, in order); returns the task
    id of the selected row."""
    fields = list(choices()["fields"] if fields is None else fields)
    columns = list(columns or register.default_columns(fields))
    exprs: dict[str, pl.Expr] = {
        "code": pl.col("code"),
        "title": (pl.lit("　").repeat_by(pl.col("depth")).list.join("") + pl.col("title")).alias(
            "title"
        ),
        "colour": pl.col("colour")
        .replace_strict({k: colour_text(k) for k in COLOUR_LABELS}, default="")
        .alias("colour"),
        "status_label": pl.col("status")
        .replace_strict({v.value: vocab("task_status", v) for v in TaskStatus}, default="")
        .alias("status_label"),
        "progress": pl.col("progress").fill_null(0),
        "deadline": pl.col("deadline").cast(pl.Datetime("ms")),
        "cycle": _cycle_words(view),
        "lead_name": pl.col("lead_name"),
        "responsible_names": pl.col("responsible_list")
        .list.join(t("punct.enum"))
        .alias("responsible_names"),
        "extensions": pl.col("extensions"),
        "original_deadline": pl.col("original_deadline").cast(pl.Datetime("ms")),
        "reasons_text": lights.reason_expr(pl.col("reasons_text"), lang()),
        "category": pl.col("category"),
        "phase": pl.col("phase"),
        "overdue_wd": pl.col("overdue_wd"),
        "last_update": pl.col("last_update").cast(pl.Datetime("ms")),
        "category_weight": pl.col("category_weight"),
    }
    cfg: dict[str, Any] = {
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
        "cycle": st.column_config.TextColumn(t("cyc.label"), width="small"),
        "original_deadline": st.column_config.DateColumn(
            t("tasks.col_original"), format="YYYY-MM-DD"
        ),
        "extensions": st.column_config.NumberColumn(t("tasks.col_ext"), width="small"),
        "reasons_text": t("tasks.col_reasons"),
        "category": st.column_config.TextColumn(t("views.col_category"), width="small"),
        "phase": st.column_config.TextColumn(t("views.col_phase"), width="small"),
        "overdue_wd": st.column_config.NumberColumn(t("views.col_overdue"), width="small"),
        "last_update": st.column_config.DateColumn(t("views.col_last"), format="YYYY-MM-DD"),
        "category_weight": st.column_config.NumberColumn(t("views.col_weight"), width="small"),
    }
    depts = choices()["depts"]
    for f in fields:
        expr, conf = _field_column(f, depts)
        exprs[field_frame.column(f)] = expr
        cfg[field_frame.column(f)] = conf
    chosen = [c for c in columns if c in exprs and _source_of(c) in view.columns]
    # An Arrow table goes to the browser as is; a polars frame would go through pandas
    # (seconds for 20,000 rows on every rerun). Dates go as datetimes, as pandas would have
    # sent them (the DateColumn shows the day).
    table = view.select(pl.col("task_id"), *(exprs[c].alias(c) for c in chosen))
    # Keyed by the rows it shows: a new filter (or another user's write) that changes the
    # rows drops the selection, and a selected position is read against the rows the user saw.
    ids = view["task_id"].to_list()
    key = selection.view_key("reg_table", ids)
    event = st.dataframe(
        table.to_arrow(),
        column_config={k: v for k, v in cfg.items() if k == "task_id" or k in chosen},
        column_order=chosen,
        hide_index=True,
        width="stretch",
        height=420,
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        placeholder=EMPTY_CELL,
    )
    picked = selection.picked_id(event, ids, key)
    return int(picked) if picked is not None else None


def _source_of(column: str) -> str:
    """The register frame's column a table column is made from."""
    return {"status_label": "status", "responsible_names": "responsible_list"}.get(column, column)


def _field_column(f: CustomField, depts: dict[int, str]) -> tuple[pl.Expr, Any]:
    """A custom field's table column and its column_config, by kind."""
    name = field_frame.column(f)
    header = register.field_header(f)
    kind = FieldKind(f.kind)
    c = pl.col(name)
    if kind == FieldKind.number:
        return c, st.column_config.NumberColumn(header, format="localized")
    if kind == FieldKind.date:
        return c.cast(pl.Datetime("ms")), st.column_config.DateColumn(header, format="YYYY-MM-DD")
    if kind == FieldKind.multi_choice:
        return c, st.column_config.ListColumn(header)
    if kind == FieldKind.department:
        names = {int(k): v for k, v in depts.items()}
        return (
            c.replace_strict(names, default=c.cast(pl.String), return_dtype=pl.String),
            st.column_config.TextColumn(header),
        )
    if kind == FieldKind.boolean:
        return (
            pl.when(c).then(pl.lit(t("views.yes"))).when(~c).then(pl.lit(t("views.no"))),
            st.column_config.TextColumn(header, width="small"),
        )
    return c, st.column_config.TextColumn(header)


def _cycle_words(view: pl.DataFrame) -> pl.Expr:
    """The effective 报送频次 in the UI's language (one label per distinct code)."""
    codes = view["cycle"].unique().to_list() if "cycle" in view.columns else []
    words = {c: cycle_input.label(c) for c in codes if c is not None}
    if not words:
        return pl.lit("").alias("cycle")
    return pl.col("cycle").replace_strict(words, default="").alias("cycle")


PICK_MAX = 500  # options in the task picker; the table above always shows the whole view


def task_picker(view: pl.DataFrame, label: str, key: str = "open_task") -> int | None:
    """A searchable picker over the rows (also reachable without a mouse); starts empty.

    At large scale it lists the first PICK_MAX rows of the view with a note: a selectbox
    with 20,000 options costs seconds a run.
    """
    shown = view.head(PICK_MAX)
    labels = dict(
        zip(
            shown["task_id"].to_list(),
            (shown["code"] + " " + shown["title"]).to_list(),
            strict=True,
        )
    )
    selection.keep_choice(key, [None, *labels])
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


FILTER_KEYS = (
    "rf_plan",
    "rf_phase",
    "rf_dept",
    "rf_role",
    "rf_status",
    "rf_colour",
    "rf_deadline",
    "rf_text",
)


def keep_filters() -> None:
    """While a task is open on its own, the register's filter (and columns, sort and view)
    waits for the way back."""
    selection.keep_widgets([k for k in st.session_state if str(k).startswith("rf_")])


def task_row(task_id: int) -> dict | None:
    """The task's register row (colour and its reasons), or None if the register has none."""
    rows = register_frame().filter(pl.col("task_id") == task_id)
    return rows.row(0, named=True) if rows.height else None
