"""Streamlit pieces of the leadership dashboard: caches, URL filters, KPI cards, sections."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from urllib.parse import urlencode

import polars as pl
import streamlit as st

from duban.core import clock
from duban.core.filenames import download_name
from duban.core.permissions import PAGE_ACCESS
from duban.fields import categories as categories_mod
from duban.i18n import t as _t
from duban.monitoring import charts, dashboard_export, holidays, lights, status
from duban.monitoring import dashboard as dashboard_mod
from duban.monitoring import rules as rules_mod
from duban.monitoring.dashboard import Dashboard, Filters
from ui import selection
from ui.common import EMPTY_CELL, plain, plain_line, weekday
from ui.context import actor, data_version, lang, raw_frames, session, status_frames, t

_FILTER_KEYS = ("plan", "phase", "dept", "role", "from", "to", "missed", "cat")


# ----------------------------------------------------------------------------- caches
@st.cache_resource(max_entries=2, show_spinner=False)
def _status(version: int, today: dt.date):
    with session() as s:
        rules = rules_mod.load_warning_rules(s)
        cal = holidays.load_calendar(s)
        # 督办事项来源 by id, in the office's order (retired ones too: tasks keep them)
        names = {
            c.id: c.name
            for c in categories_mod.list_categories(s, include_retired=True)
            if c.id is not None
        }
    raw = raw_frames(version)
    now = status_frames(version, today)  # shared with the register and 图表
    before = status.last_week(raw, today=today, rules=rules, cal=cal)
    return now, before, rules, cal, names


@st.cache_data(max_entries=32, show_spinner=False)
def dashboard(version: int, today: dt.date, query: tuple[tuple[str, str], ...]) -> Dashboard:
    now, before, rules, cal, names = _status(version, today)
    return dashboard_mod.build_dashboard(
        now, before, Filters.from_query(dict(query)), rules=rules, cal=cal, categories=names
    )


@st.cache_data(max_entries=32, show_spinner=False)
def figures(
    version: int, today: dt.date, query: tuple[tuple[str, str], ...], lang: str = "zh"
) -> dict:
    """The dashboard's figures in the UI language (keyed by their export file names)."""
    d = dashboard(version, today, query)
    f = d.filters
    phase_names = {dashboard_mod.NO_PHASE: _t("dash.no_phase", lang)}
    return {
        "各单位亮灯": charts.department_bars(d.departments, role=f.role, lang=lang),
        "单位阶段热力图": charts.heatmap(d.heatmap, lang=lang, phase_names=phase_names),
        "任务时间轴": charts.gantt(d.gantt, d.milestones, d.today, lang=lang),
        "办结与逾期趋势": charts.trend_counts(d.trend, lang=lang),
        "序时与实际进度": charts.progress_trend(d.trend, lang=lang),
        "量化指标": charts.target_bars(d.targets, lang=lang),
    }


def full_export(
    version: int, today: dt.date, query: tuple[tuple[str, str], ...], *, words: str, who: str
) -> bytes:
    """The Excel workbook of the current filters (`words`), whole red list (built on click)."""
    now, before, rules, cal, names = _status(version, today)
    d = dashboard_mod.build_dashboard(
        now,
        before,
        Filters.from_query(dict(query)),
        rules=rules,
        cal=cal,
        red_rows=None,
        categories=names,
    )
    return dashboard_export.export_excel(d, filter_text=words, exported_by=who)


def current_rules(version: int, today: dt.date):
    """The warning rules the figures were computed with (for the KPI help texts)."""
    return _status(version, today)[2]


@st.cache_data(max_entries=8, show_spinner=False)
def options(version: int, today: dt.date) -> dict:
    now, _before, _rules, _cal, names = _status(version, today)
    return dashboard_mod.filter_options(now, names)


# ----------------------------------------------------------------------------- filters
def _init_from_url() -> None:
    """Seed the filter widgets from the URL once per session (a shared link wins)."""
    qp = st.query_params
    sig = tuple((k, qp.get(k)) for k in _FILTER_KEYS)
    if st.session_state.get("dash_url_sig") == sig:
        return
    f = Filters.from_query(qp)
    st.session_state["dash_plan"] = f.plan_id
    st.session_state["dash_phase"] = f.phase
    st.session_state["dash_dept"] = f.department_id
    st.session_state["dash_role"] = f.role
    st.session_state["dash_from"] = f.date_from
    st.session_state["dash_to"] = f.date_to
    st.session_state["dash_missed"] = f.missed
    st.session_state["dash_cat"] = f.category_id
    st.session_state["dash_url_sig"] = sig


def _clear() -> None:
    for k in (
        "dash_plan",
        "dash_phase",
        "dash_dept",
        "dash_role",
        "dash_from",
        "dash_to",
        "dash_cat",
    ):
        st.session_state[k] = None
    st.session_state["dash_missed"] = False


def filter_bar(opts: dict, *, folded: bool = False) -> Filters:
    """The filter row; the chosen filters are written back to the URL.

    `folded` (简洁视图): the widgets sit in one expander whose title is the active filters
    as a line, so a phone's first screen holds the figures, not the form."""
    _init_from_url()
    plans, depts, cats = opts["plans"], opts["departments"], opts.get("categories", {})
    phases = opts["phases"] + (
        [dashboard_mod.NO_PHASE] if dashboard_mod.NO_PHASE not in opts["phases"] else []
    )
    for key, allowed in (
        ("dash_plan", plans),
        ("dash_dept", depts),
        ("dash_phase", phases),
        ("dash_cat", cats),
    ):
        if st.session_state.get(key) is not None and st.session_state[key] not in allowed:
            st.session_state[key] = None  # a stale link: ignore the unknown value
    if folded:
        words = filters_line(_state_filters(), opts)
        box = st.expander(t("phone.filters", words=words), icon="🔎", key="dash_filters_box")
    else:
        box = st.container(border=True)
    with box:
        _filter_widgets(plans, phases, depts, cats)
    f = _state_filters()
    wanted = f.to_query()
    current = {k: st.query_params.get(k) for k in _FILTER_KEYS if k in st.query_params}
    if wanted != current:
        for k in _FILTER_KEYS:
            if k in st.query_params and k not in wanted:
                del st.query_params[k]
        st.query_params.update(wanted)
        st.session_state["dash_url_sig"] = tuple((k, wanted.get(k)) for k in _FILTER_KEYS)
    return f


def _state_filters() -> Filters:
    ss = st.session_state
    return Filters(
        plan_id=ss.get("dash_plan"),
        phase=ss.get("dash_phase"),
        department_id=ss.get("dash_dept"),
        role=ss.get("dash_role"),
        date_from=ss.get("dash_from"),
        date_to=ss.get("dash_to"),
        missed=bool(ss.get("dash_missed")),
        category_id=ss.get("dash_cat"),
    )


def filters_line(f: Filters, opts: dict) -> str:
    """The active filters as one line in the UI language ("市公安局 · 牵头 · 仅看未按期报送"),
    or 全部任务; names typed by users are escaped (the line is a Markdown label)."""
    parts: list[str] = []
    if f.plan_id is not None:
        parts.append(plain_line(str(opts["plans"].get(f.plan_id, f"#{f.plan_id}"))))
    if f.phase:
        parts.append(
            t("dash.no_phase") if f.phase == dashboard_mod.NO_PHASE else plain_line(f.phase)
        )
    if f.department_id is not None:
        parts.append(plain_line(str(opts["departments"].get(f.department_id, "—"))))
    if f.role:
        parts.append(t(f"dash.role_{f.role}"))
    if f.date_from or f.date_to:
        start = f.date_from.isoformat() if f.date_from else "…"
        end = f.date_to.isoformat() if f.date_to else "…"
        parts.append(f"{start} – {end}")
    if f.category_id is not None:
        parts.append(plain_line(_category_name(f.category_id, opts.get("categories", {}))))
    if f.missed:
        parts.append(t("cyw.f_missed"))
    return " · ".join(parts) or t("phone.filters_none")


def _filter_widgets(plans: dict, phases: list, depts: dict, cats: dict) -> None:
    all_ = t("dash.f_all")
    # two rows: the five choices, then the deadline window, the switch and 重置
    c = st.columns([2.4, 1.3, 2.0, 1.2, 1.7], vertical_alignment="bottom")
    c[0].selectbox(
        t("dash.f_plan"),
        list(plans),
        format_func=plans.get,
        index=None,
        placeholder=all_,
        key="dash_plan",
    )
    c[1].selectbox(
        t("dash.f_phase"),
        phases,
        format_func=lambda p: t("dash.no_phase") if p == dashboard_mod.NO_PHASE else p,
        index=None,
        placeholder=all_,
        key="dash_phase",
    )
    c[2].selectbox(
        t("dash.f_dept"),
        list(depts),
        format_func=depts.get,
        index=None,
        placeholder=all_,
        key="dash_dept",
    )
    c[3].selectbox(
        t("dash.f_role"),
        ["lead", "responsible"],
        format_func=lambda r: t(f"dash.role_{r}"),
        index=None,
        placeholder=all_,
        key="dash_role",
    )
    c[4].selectbox(
        t("dcat.f_category"),
        list(cats),
        format_func=lambda k: _category_name(k, cats),
        index=None,
        placeholder=all_,
        key="dash_cat",
    )
    d = st.columns([1.6, 1.6, 3.2, 1.0], vertical_alignment="bottom")
    d[0].date_input(t("dash.f_from"), value=None, key="dash_from", format="YYYY-MM-DD")
    d[1].date_input(t("dash.f_to"), value=None, key="dash_to", format="YYYY-MM-DD")
    d[2].toggle(t("cyw.f_missed"), key="dash_missed", help=t("cyw.f_missed_help"))
    d[3].button(t("dash.f_reset"), on_click=_clear, width="stretch")


def _category_name(category_id: int | None, names: dict) -> str:
    """A 督办事项来源 as the office named it (plain text), 未分类 in the UI language."""
    if category_id is None or category_id == dashboard_mod.NO_CATEGORY:
        return t("dcat.none")
    return str(names.get(category_id, f"#{category_id}"))


# ----------------------------------------------------------------------------- sections
def _fmt_value(k: dashboard_mod.Kpi) -> str:
    if k.value is None:
        return t("dash.na")
    if k.unit == "%":
        return f"{k.value:.0f}%"
    if k.unit == "pt":
        return f"{k.value:+.0f}" + t("dash.points")
    return f"{int(k.value):,}"


def _fmt_delta(k: dashboard_mod.Kpi) -> str | None:
    if k.delta is None:
        return None
    if k.unit in ("%", "pt"):
        d = round(k.delta, 1)
        return "±0" if d == 0 else f"{d:+.1f} " + t("dash.points")
    return "±0" if k.delta == 0 else f"{int(k.delta):+d}"


def kpi_cards(d: Dashboard, rules, *, compact: bool = False) -> None:
    """The figures with their change since last week. 简洁视图: four to a row in a
    wrapping row (Streamlit's columns would stack them one per screen line on a phone), and
    no help icons (a hover tooltip has no hover on a touch screen)."""
    helps = {
        "total": t("dash.kpi.help.total"),
        "on_time_rate": t("dash.kpi.help.on_time_rate"),
        "overdue": t("dash.kpi.help.overdue"),
        "due_soon": t("dash.kpi.help.due_soon", n=rules.due_soon_working_days),
        "stagnant": t("dash.kpi.help.stagnant", n=rules.stagnant_working_days),
        "progress_gap": t(
            "dash.kpi.help.progress_gap",
            actual=f"{d.avg_progress:.0f}" if d.avg_progress is not None else "—",
            expected=f"{d.avg_expected:.0f}" if d.avg_expected is not None else "—",
        ),
    }
    if compact:
        row = st.container(horizontal=True, wrap=True, gap="small", key="dash_kpis")
        places = [row] * len(d.kpis)
    else:
        places = st.columns(len(d.kpis), gap="small")
    for place, k in zip(places, d.kpis, strict=True):
        delta = _fmt_delta(k)
        place.metric(
            t(f"dash.kpi.{k.key}"),
            _fmt_value(k),
            delta,
            delta_color="off" if delta == "±0" else ("inverse" if k.inverse else "normal"),
            delta_arrow="off" if delta == "±0" else "auto",
            help=None if compact else helps.get(k.key),
            border=True,
            width=KPI_CARD_PX if compact else "stretch",
        )


KPI_CARD_PX = 86  # four to a row on a 390 px phone: 4 × 86 + 3 gaps of 6 < 366 px
RED_CARDS_MAX = 10  # 简洁视图: the worst ten as cards, the rest in the register


def red_cards(d: Dashboard) -> None:
    """The red list as cards (简洁视图): code and title, lead unit, working days late and the
    reason in words, each with a button to the task; the worst first, as in the table."""
    missed = d.filters.missed
    st.subheader(t("cyw.list_title" if missed else "dash.red_title"), anchor=False)
    if d.missed_units:
        st.caption(t("cyw.count", units=d.missed_units, tasks=d.missed_tasks))
    if d.red_total == 0:
        st.success(t("cyw.none" if missed else "dash.red_none"), icon="✅")
        return
    st.caption(t("cyw.list_caption" if missed else "phone.red_caption", n=d.red_total))
    rows = d.red_list.head(RED_CARDS_MAX).with_columns(
        lights.reason_expr(pl.col("reason_text"), lang())
    )
    enum = t("punct.enum")
    for r in rows.iter_rows(named=True):
        with st.container(border=True, key=f"dash_card_{r['task_id']}", gap="xsmall"):
            title = f"{r['code']} {r['title']}"
            st.markdown(f"**{plain_line(title)}**")
            facts = [plain_line(r["lead_name"] or "—")]
            if r["overdue_wd"]:
                facts.append(f":red[{t('phone.card_late', n=int(r['overdue_wd']))}]")
            if r["progress"] is not None:
                facts.append(t("phone.progress", p=f"{r['progress']:.0f}%"))
            st.markdown(" · ".join(facts))
            if r["reason_text"]:
                st.caption(plain(r["reason_text"]))
            late = [*r["missed_unit_list"]] if missed else [*r["late_unit_list"]]
            if late:
                label = t("cyw.col.missed_units" if missed else "dash.col.late_units")
                st.caption(f"{label}{t('punct.colon')}{plain_line(enum.join(late))}")
            if st.button(t("phone.card_open"), key=f"dash_open_{r['task_id']}", width="stretch"):
                st.switch_page(
                    "pages/tasks.py", query_params={selection.TASK_PARAM: str(r["task_id"])}
                )
    if d.red_total > rows.height:
        st.caption(t("phone.red_more", n=d.red_total - rows.height))


def red_list(d: Dashboard) -> None:
    missed = d.filters.missed
    st.subheader(t("cyw.list_title" if missed else "dash.red_title"), anchor=False)
    if d.missed_units:
        st.caption(t("cyw.count", units=d.missed_units, tasks=d.missed_tasks))
    if d.red_total == 0:
        st.success(t("cyw.none" if missed else "dash.red_none"), icon="✅")
        return
    st.caption(t("cyw.list_caption" if missed else "dash.red_caption", n=d.red_total))
    shown = d.red_list
    view = shown.select(
        (pl.lit("tasks?task=") + pl.col("task_id").cast(pl.String)).alias("open"),
        "code",
        "title",
        "lead_name",
        "overdue_wd",
        lights.reason_expr(pl.col("reason_text"), lang()),
        pl.col("late_unit_list").list.join(t("punct.enum")).alias("late_units"),
        pl.col("missed_unit_list").list.join(t("punct.enum")).alias("missed_units"),
        "deadline",
        "progress",
        "expected_progress",
    )
    if not shown.get_column("missed_unit_list").list.len().sum():
        view = view.drop("missed_units")  # a column nobody fills is clutter
    elif missed:  # the list asked for: who did not report comes right after the lead unit
        order = ["open", "code", "title", "lead_name", "missed_units"]
        view = view.select(order + [c for c in view.columns if c not in order])
    cc = st.column_config
    # Keyed by the rows shown (ui.selection): a click is read against the rows the user saw,
    # and a new filter starts with nothing selected.
    ids = shown.get_column("task_id").to_list()
    key = selection.view_key("dash_red_list", ids)
    event = st.dataframe(
        view,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * view.height, 420),
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        column_config={
            "open": cc.LinkColumn(
                t("dash.col.open"), display_text=t("dash.open_task"), width="small"
            ),
            "code": cc.TextColumn(t("dash.col.code"), width="small"),
            "title": cc.TextColumn(t("dash.col.title"), width="medium"),
            "lead_name": cc.TextColumn(t("dash.col.lead")),
            "overdue_wd": cc.NumberColumn(t("dash.col.overdue_wd"), format="%d", width="small"),
            "reason_text": cc.TextColumn(t("dash.col.reasons"), width="large"),
            "late_units": cc.TextColumn(t("dash.col.late_units")),
            "missed_units": cc.TextColumn(t("cyw.col.missed_units")),
            "deadline": cc.DateColumn(t("dash.col.deadline"), format="YYYY-MM-DD"),
            "progress": cc.ProgressColumn(
                t("dash.col.progress"), format="%.0f%%", min_value=0, max_value=100
            ),
            "expected_progress": cc.NumberColumn(t("dash.col.expected"), format="%.0f%%"),
        },
        placeholder=EMPTY_CELL,
    )
    task_id = selection.picked_id(event, ids, key)
    if task_id is not None:  # the task on its own page, at the top (a stable link)
        st.switch_page("pages/tasks.py", query_params={selection.TASK_PARAM: str(task_id)})
    if d.red_total > shown.height:
        st.caption(t("dash.red_more", shown=shown.height))


def _lights(df: pl.DataFrame, prefix: str) -> pl.Expr:
    return pl.format(
        "{} / {} / {} / {}",
        *(pl.col(f"{prefix}_{c}") for c in ("red", "yellow", "green", "blue")),
    )


def departments(d: Dashboard, figs: dict, *, compact: bool = False) -> None:
    """Units: the chart, and the table beside it (简洁视图: below it, folded)."""
    st.subheader(t("dash.dept_title"), anchor=False)
    sort = st.segmented_control(
        t("dash.dept_sort"),
        ["overdue", "on_time", "name"],
        format_func=lambda k: t(f"dash.sort.{k}"),
        default="overdue",
        key="dash_dept_sort",
        label_visibility="collapsed",
    )
    df = d.departments
    if sort == "on_time":
        df = df.sort(
            ["on_time_rate", "department_name"], descending=[False, False], nulls_last=True
        )
    elif sort == "name":
        df = df.sort("department_name")
    if compact:
        left, right = st.container(), st.expander(t("dash.dept_table"), key="dash_dept_box")
    else:
        left, right = st.columns([4, 6])
    with left:
        st.plotly_chart(
            charts.department_bars(df, role=d.filters.role, lang=lang())
            if sort != "overdue"
            else figs["各单位亮灯"],
            width="stretch",
            config={"displaylogo": False},
            key="dash_fig_dept",
        )
    with right:
        view = df.select(
            "department_short",
            "assignments",
            _lights(df, "lead").alias("lead"),
            _lights(df, "resp").alias("resp"),
            "overdue",
            # Text, so a unit with nothing completed yet reads "—" rather than "None".
            (pl.col("on_time_rate").round(0).cast(pl.Int64).cast(pl.String) + "%")
            .fill_null(t("dash.na"))
            .alias("on_time_rate"),
            "extensions",
        )
        cc = st.column_config
        st.dataframe(
            view,
            hide_index=True,
            width="stretch",
            height=min(38 + 35 * view.height, 460),
            column_config={
                "department_short": cc.TextColumn(t("dash.col.unit")),
                "assignments": cc.NumberColumn(t("dash.col.assignments"), format="%d"),
                "lead": cc.TextColumn(t("dash.col.lead_lights")),
                "resp": cc.TextColumn(t("dash.col.resp_lights")),
                "overdue": cc.NumberColumn(t("dash.col.overdue"), format="%d"),
                "on_time_rate": cc.TextColumn(t("dash.col.on_time_rate")),
                "extensions": cc.NumberColumn(t("dash.col.extensions"), format="%d"),
            },
            placeholder=EMPTY_CELL,
        )
    # 按事项来源 follows the units (drawn from here: the page's layout is pages/dashboard.py)
    by_category(d)


def by_category(d: Dashboard) -> None:
    """按事项来源: per source, tasks, red, yellow, overdue and average progress; each row
    links to the dashboard narrowed to that source (the other filters kept). Shown when some
    task in scope has a source, or a source is chosen."""
    df = d.by_category
    if df.height == 0 or (
        d.filters.category_id is None and df.get_column("category_id").null_count() == df.height
    ):
        return
    st.subheader(t("dcat.title"), anchor=False)
    st.caption(t("dcat.caption"))
    links = []
    for cid in df.get_column("category_id").to_list():
        f = replace(d.filters, category_id=dashboard_mod.NO_CATEGORY if cid is None else cid)
        links.append("dashboard?" + urlencode(f.to_query()))
    view = df.select(
        pl.Series("open", links, dtype=pl.String),
        pl.when(pl.col("category_id").is_null())
        .then(pl.lit(t("dcat.none")))
        .otherwise(pl.col("category"))
        .alias("category"),
        "tasks",
        "red",
        "yellow",
        "overdue",
        "avg_progress",
    )
    cc = st.column_config
    st.dataframe(
        view,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * view.height, 320),
        column_config={
            "open": cc.LinkColumn(t("dcat.col.open"), display_text=t("dcat.open"), width="small"),
            "category": cc.TextColumn(t("dcat.col.category")),
            "tasks": cc.NumberColumn(t("dcat.col.tasks"), format="%d"),
            "red": cc.NumberColumn(t("dcat.col.red"), format="%d"),
            "yellow": cc.NumberColumn(t("dcat.col.yellow"), format="%d"),
            "overdue": cc.NumberColumn(t("dcat.col.overdue"), format="%d"),
            "avg_progress": cc.ProgressColumn(
                t("dcat.col.avg_progress"), format="%.0f%%", min_value=0, max_value=100
            ),
        },
        placeholder=EMPTY_CELL,
        key="dash_by_category",
    )


def charts_sections(d: Dashboard, figs: dict) -> None:
    cfg = {"displaylogo": False}
    st.subheader(t("dash.heat_title"), anchor=False)
    st.plotly_chart(figs["单位阶段热力图"], width="stretch", config=cfg, key="dash_fig_heat")
    st.subheader(t("dash.gantt_title"), anchor=False)
    st.caption(t("dash.gantt_caption", shown=d.gantt.height, n=d.gantt_total))
    st.plotly_chart(figs["任务时间轴"], width="stretch", config=cfg, key="dash_fig_gantt")
    st.subheader(t("dash.trend_title"), anchor=False)
    left, right = st.columns(2)
    left.plotly_chart(figs["办结与逾期趋势"], width="stretch", config=cfg, key="dash_fig_trend")
    right.plotly_chart(figs["序时与实际进度"], width="stretch", config=cfg, key="dash_fig_prog")


def targets(d: Dashboard) -> None:
    """The targets table (the bar chart of the same goes into the PNG export)."""
    st.subheader(t("dash.targets_title"), anchor=False)
    if d.targets.height == 0:
        st.caption(t("dash.targets_none"))
        return
    view = d.targets.select(
        "code",
        "target_text",
        "baseline",
        "target_value",
        pl.col("current")
        .map_elements(lambda v: f"{v:g}", return_dtype=pl.String)
        .fill_null(t("dash.na"))
        .alias("current"),
        "achieved",
        "path",
        pl.when(pl.col("current").is_null())
        .then(pl.lit(t("dash.no_reading")))
        .when(pl.col("on_track"))
        .then(pl.lit(t("dash.on_track")))
        .otherwise(pl.lit(t("dash.off_track")))
        .alias("state"),
    )
    cc = st.column_config
    st.dataframe(
        view,
        hide_index=True,
        width="stretch",
        column_config={
            "code": cc.TextColumn(t("dash.col.code"), width="small"),
            "target_text": cc.TextColumn(t("dash.col.target"), width="medium"),
            "baseline": cc.NumberColumn(t("dash.col.baseline"), format="%g"),
            "target_value": cc.NumberColumn(t("dash.col.target_value"), format="%g"),
            "current": cc.TextColumn(t("dash.col.current")),
            "achieved": cc.ProgressColumn(
                t("dash.col.achieved"), format="%.0f%%", min_value=0, max_value=100, color="green"
            ),
            "path": cc.LineChartColumn(t("dash.col.path")),
            "state": cc.TextColumn(t("dash.col.on_track")),
        },
        placeholder=EMPTY_CELL,
    )


def export(d: Dashboard, figs: dict) -> None:
    st.subheader(t("dash.export"), anchor=False)
    stamp = d.today.strftime("%Y%m%d")
    version, query = data_version(), tuple(sorted(d.filters.to_query().items()))
    words = dashboard_export.describe_filters(d.filters, options(version, d.today))
    who = actor().name
    a, b = st.columns(2)
    a.download_button(
        t("dash.export_xlsx"),
        data=lambda: full_export(version, d.today, query, words=words, who=who),
        file_name=download_name(f"领导驾驶舱_{stamp}", "xlsx"),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon="📊",
        width="stretch",
        on_click="ignore",
        help=t("dash.export_xlsx_help", filter=words),
    )
    if charts.png_available():
        b.download_button(
            t("dash.download_png"),
            data=lambda: charts.zip_pngs(figs, as_of=d.today) or b"",
            file_name=download_name(f"驾驶舱图表_{stamp}", "zip"),
            mime="application/zip",
            icon="🖼️",
            width="stretch",
            on_click="ignore",
        )
    else:
        b.caption(t("dash.png_missing"))


def as_of_caption(d: Dashboard, *, compact: bool = False) -> None:
    before = d.today - dt.timedelta(days=7)
    line = t(
        "dash.asof", today=d.today.isoformat(), weekday=weekday(d.today), before=before.isoformat()
    )
    st.caption(line if compact else line + " · " + t("dash.share_hint"))
    warning = holidays.years_warning(d.calendar_years, lang())
    if warning:
        calendar_warning(warning)


def calendar_warning(message: str) -> None:
    """The unknown-years warning with the way out the viewer has: the office gets a link to
    the holiday table (系统管理), every other role is told to ask the office (a link to a page
    it cannot open would lead nowhere)."""
    if actor().role in PAGE_ACCESS["admin"]:
        st.warning(message, icon="📅")
        st.page_link("pages/admin.py", label=t("cal.go_admin"), icon="⚙️")
    else:
        st.warning(message + t("cal.ask_office"), icon="📅")


def today() -> dt.date:
    return clock.today()
