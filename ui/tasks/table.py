"""任务台账: the register frame, its filters, the table and the task picker."""

import datetime as dt

import polars as pl
import streamlit as st

from duban.core import clock
from duban.core.permissions import Actor
from duban.monitoring import lights
from duban.monitoring.lights import COLOUR_LABELS
from duban.org import departments
from duban.tasks import reading, register
from duban.tasks.register import RegisterFilter
from models import TaskStatus
from ui import selection
from ui.common import EMPTY_CELL
from ui.context import data_version, engine, lang, raw_frames, session, t, vocab
from ui.tasks import cycle_input
from ui.tasks._format import colour_text


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
        "cycles": {p.id: p.report_cycle for p in plans},  # each plan's default 报送频次
        "depts": {d.id: d.name for d in depts},
    }


def choices() -> dict:
    return _choices(data_version())


def filter_words(filters: RegisterFilter, me: Actor) -> str:
    """The register's filter in words, for the export's 说明 sheet."""
    ch = choices()
    return register.describe_filter(filters, plans=ch["plans"], departments=ch["depts"], actor=me)


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
        _cycle_words(view),
        "lead_name",
        pl.col("responsible_list").list.join(t("punct.enum")).alias("responsible_names"),
        "extensions",
        "original_deadline",
        lights.reason_expr(pl.col("reasons_text"), lang()),
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
        "cycle": st.column_config.TextColumn(t("cyc.label"), width="small"),
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
    # Keyed by the rows it shows: a new filter (or another user's write) that changes the
    # rows drops the selection, and a selected position is read against the rows the user saw.
    ids = view["task_id"].to_list()
    key = selection.view_key("reg_table", ids)
    event = st.dataframe(
        table.to_arrow(),
        column_config=cfg,
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
    """While a task is open on its own, the register's filter waits for the way back."""
    selection.keep_widgets(FILTER_KEYS)


def task_row(task_id: int) -> dict | None:
    """The task's register row (colour and its reasons), or None if the register has none."""
    rows = register_frame().filter(pl.col("task_id") == task_id)
    return rows.row(0, named=True) if rows.height else None
