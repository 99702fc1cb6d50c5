"""Streamlit pieces of 图表: the cached datasets and results, the builder, the chart with its
data, saving, pinning and export; the charts pinned on a dashboard."""

from __future__ import annotations

import datetime as dt
import json

import plotly.graph_objects as go
import streamlit as st

from duban.charts import compute, datasets, figure, saved
from duban.charts import spec as spec_mod
from duban.charts.compute import Result
from duban.charts.spec import ChartSpec
from duban.core import clock
from duban.core.errors import DubanError
from duban.core.filenames import download_name
from duban.core.permissions import Actor, can
from duban.monitoring import charts as mcharts
from models import Role, SavedChart, TaskStatus
from ui.common import flash, plain, plain_line, show_error
from ui.context import (
    data_version,
    engine,
    lang,
    raw_frames,
    session,
    status_frames,
    t,
    unit_name,
    vocab,
)
from ui.tasks import table

CHART_PARAM = "chart"
KEYS = ("ch_dataset", "ch_group", "ch_split", "ch_measure", "ch_field", "ch_type", "ch_top")
FILTER_KEYS = {
    "plan": "ch_f_plan",
    "category": "ch_f_category",
    "colour": "ch_f_colour",
    "status": "ch_f_status",
}


# ----------------------------------------------------------------------------- caches
@st.cache_resource(max_entries=2, show_spinner=False)
def _sources(version: int, today: dt.date) -> datasets.Sources:
    return datasets.build_sources(
        engine(),
        register=table.register_frame(),
        status=status_frames(version, today),
        raw=raw_frames(version),
    )


def sources() -> datasets.Sources:
    return _sources(data_version(), clock.today())


def _scope(me: Actor) -> int | None:
    """What a result depends on besides the spec: everything (-1) or the viewer's unit."""
    return -1 if can(me, "task.read_all") else me.department_id


@st.cache_data(max_entries=64, show_spinner=False)
def _result(
    version: int, today: dt.date, spec_json: str, scope: int | None, lang: str, _me: Actor
) -> Result | str:
    """The figures of one spec for one scope (a unit, or all) and data version; a spec the
    data cannot answer gives its message instead."""
    src = _sources(version, today)
    try:
        spec = spec_mod.parse(json.loads(spec_json))
        ds = datasets.dataset(src, spec.dataset, lang=lang)
        spec_mod.check(spec, ds, src.all_fields)
    except DubanError as exc:
        return str(exc)
    return compute.compute(spec, ds, datasets.scoped(ds, _me), lang=lang)


def result(spec: ChartSpec | dict, me: Actor) -> Result | str:
    data = spec.model_dump() if isinstance(spec, ChartSpec) else spec
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return _result(data_version(), clock.today(), text, _scope(me), lang(), me)


# ----------------------------------------------------------------------------- the builder
def _pick(key: str, options: list, default=None) -> None:
    """A remembered choice that the new options no longer hold falls back to the default."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default if default in options else (options[0] if options else None)


def load_spec(spec: dict) -> None:
    """Put a saved chart's spec into the builder's widgets."""
    st.session_state["ch_dataset"] = spec.get("dataset", "tasks")
    st.session_state["ch_group"] = spec.get("group_by")
    st.session_state["ch_split"] = spec.get("split_by") or ""
    st.session_state["ch_measure"] = spec.get("measure", "count")
    st.session_state["ch_field"] = spec.get("field")
    st.session_state["ch_type"] = spec.get("chart", "bar")
    st.session_state["ch_top"] = int(spec.get("top_n") or 0)
    filters = spec.get("filters") or {}
    for dim, key in FILTER_KEYS.items():
        st.session_state[key] = list(filters.get(dim, []))


def builder(src: datasets.Sources) -> tuple[dict, datasets.Dataset]:
    """The builder's widgets; returns the spec they describe (as data) and its dataset."""
    lg = lang()
    st.markdown(f"#### {t('charts.builder')}")
    names = list(datasets.DATASETS)
    _pick("ch_dataset", names, "tasks")
    name = st.selectbox(
        t("charts.f.dataset"),
        names,
        format_func=lambda n: t(f"charts.dataset.{n}"),
        key="ch_dataset",
        placeholder=t("form.choose"),
    )
    ds = datasets.dataset(src, name, lang=lg)
    dims = list(ds.dimensions)
    _pick("ch_group", dims, "unit" if "unit" in dims else "colour")
    group = st.selectbox(
        t("charts.f.group"),
        dims,
        format_func=lambda k: ds.dimensions[k].label,
        key="ch_group",
        placeholder=t("form.choose"),
    )
    splits = ["", *[d for d in dims if d != group]]
    _pick("ch_split", splits, "")
    split = st.selectbox(
        t("charts.f.split"),
        splits,
        format_func=lambda k: ds.dimensions[k].label if k else t("charts.split_none"),
        key="ch_split",
        on_change=_split_changed,
        placeholder=t("form.choose"),
    )
    measures = [m for m in ds.measures if m not in datasets.FIELD_MEASURES or ds.number_fields]
    _pick("ch_measure", measures, "count")
    measure = st.selectbox(
        t("charts.f.measure"),
        measures,
        format_func=lambda m: t(f"charts.measure.{m}"),
        key="ch_measure",
        placeholder=t("form.choose"),
    )
    field_id = None
    if measure in datasets.FIELD_MEASURES:
        numbers = list(ds.number_fields)
        _pick("ch_field", numbers)
        field_id = st.selectbox(
            t("charts.f.field"),
            numbers,
            format_func=lambda i: ds.number_fields[i].label,
            key="ch_field",
            placeholder=t("form.choose"),
        )
    types = list(spec_mod.CHART_TYPES)
    if not split:
        types = [c for c in types if c not in spec_mod.NEEDS_SPLIT]
    _pick("ch_type", types, "stacked" if split else "bar")
    chart = st.selectbox(
        t("charts.f.type"),
        types,
        format_func=lambda c: t(f"charts.type.{c}"),
        key="ch_type",
        placeholder=t("form.choose"),
    )
    top = st.number_input(
        t("charts.f.top"), min_value=0, max_value=spec_mod.TOP_MAX, step=1, key="ch_top"
    )
    filters = _filters(src, ds)
    spec = {
        "dataset": name,
        "group_by": group,
        "split_by": split or None,
        "measure": measure,
        "field": field_id,
        "chart": chart,
        "filters": filters,
        "top_n": int(top) or None,
    }
    return spec, ds


def _split_changed() -> None:
    """A split turns a plain bar chart into a stacked one; no split, no stacked bars."""
    chart = st.session_state.get("ch_type")
    if st.session_state.get("ch_split") and chart == "bar":
        st.session_state["ch_type"] = "stacked"
    elif not st.session_state.get("ch_split") and chart in spec_mod.NEEDS_SPLIT:
        st.session_state["ch_type"] = "bar"


def _filters(src: datasets.Sources, ds: datasets.Dataset) -> dict[str, list[str]]:
    st.markdown(f"**{t('charts.f.filters')}**")
    choices: dict[str, dict[str, str]] = {
        "plan": {str(k): v for k, v in src.plans.items()},
        "category": {str(k): v[0] for k, v in src.categories.items()},
        "colour": {c: t(f"chart.light.{c}") for c in datasets.COLOUR_ORDER},
        "status": {s.value: vocab("task_status", s) for s in TaskStatus},
    }
    out = {}
    for dim, key in FILTER_KEYS.items():
        if dim not in ds.dimensions:
            continue
        opts = choices[dim]
        if key in st.session_state:
            st.session_state[key] = [v for v in st.session_state[key] if v in opts]
        picked = st.multiselect(
            t(f"charts.f.f_{dim}"),
            list(opts),
            format_func=lambda v, o=opts: o.get(v, v),
            key=key,
            placeholder=t("form.choose"),
            select_all=False,
        )
        if picked:
            out[dim] = list(picked)
    return out


# ----------------------------------------------------------------------------- the chart
def show_result(
    res: Result | str, spec: ChartSpec, *, title: str | None, key: str, expanded: bool = True
) -> go.Figure | None:
    """The chart (or the message why it cannot be drawn), its notes and its data table."""
    if isinstance(res, str):
        st.warning(plain(res), icon="⚠️")
        return None
    fig = None
    if spec.chart == "table":
        st.dataframe(figure.table(res), hide_index=True, width="stretch", key=f"{key}_tbl")
    else:
        fig = figure.figure(res, spec, lang=lang(), title=title)
        st.plotly_chart(fig, width="stretch", key=f"{key}_fig", config={"displaylogo": False})
    notes = [t("charts.caption_rows", rows=res.rows)]
    if spec.measure == "share":
        notes.append(t("charts.caption_share", rows=res.rows))
    if res.exploded:
        notes.append(t("charts.caption_explode", dims="、".join(res.exploded)))
    st.caption(plain(" ".join(notes)))
    if spec.chart != "table":
        with st.expander(t("charts.data_table"), expanded=expanded):
            st.dataframe(figure.table(res), hide_index=True, width="stretch", key=f"{key}_data")
    return fig


def exports_row(
    res: Result, fig: go.Figure | None, spec: ChartSpec, *, name: str, me: Actor
) -> None:
    """导出 PNG (disabled, with the reason, without Chromium) and 导出 Excel."""
    a, b = st.columns(2)
    stamp = clock.today().strftime("%Y%m%d")
    title = name or t("page.charts")
    if fig is not None and mcharts.png_available():
        a.download_button(
            t("charts.export_png"),
            data=lambda: (
                mcharts.figure_png(
                    mcharts.stamped(fig, title, as_of=clock.today(), made_at=clock.now())
                )
                or b""
            ),
            file_name=download_name(f"{title}_{stamp}", "png"),
            mime="image/png",
            icon="🖼️",
            key="ch_png",
            on_click="ignore",
            width="stretch",
        )
    else:
        a.button(
            t("charts.export_png"),
            disabled=True,
            help=t("charts.png_off") if fig is not None else None,
            key="ch_png",
            width="stretch",
        )
    ds = datasets.dataset(sources(), spec.dataset)
    unit = None if can(me, "task.read_all") else unit_name(me.department_id) or "本单位"
    words = compute.describe(spec, ds, unit=unit)
    b.download_button(
        t("charts.export_excel"),
        data=lambda: figure.export_excel(res, title=title, words=words, who=me.name),
        file_name=download_name(f"{title}_{stamp}", "xlsx"),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon="📊",
        key="ch_xlsx",
        on_click="ignore",
        width="stretch",
    )


# ----------------------------------------------------------------------------- saved charts
def chart_link_id() -> int | None | str:
    raw = st.query_params.get(CHART_PARAM)
    if not raw:
        return None
    return int(raw) if raw.isdigit() else raw


def open_linked(me: Actor) -> SavedChart | None:
    """The chart named by ?chart=ID, loaded into the builder once; a chart the viewer may
    not open gives a clear message (and the builder starts empty)."""
    cid = chart_link_id()
    if cid is None:
        st.session_state.pop("ch_loaded", None)
        return None
    if isinstance(cid, str):
        st.error(t("charts.bad_link"), icon="⚠️")
        return None
    try:
        with session() as db:
            chart = saved.get_chart(db, actor=me, chart_id=cid)
    except DubanError as exc:
        show_error(exc)
        return None
    sig = (chart.id, chart.version)
    if st.session_state.get("ch_loaded") != sig:
        load_spec(chart.spec)
        st.session_state["ch_name"] = chart.name
        st.session_state["ch_share"] = chart.shared_role or ""
        st.session_state["ch_loaded"] = sig
    return chart


def saved_problem(chart: SavedChart, me: Actor) -> str | None:
    """Why a saved chart cannot be drawn as saved (a retired field …), or None."""
    res = result(chart.spec, me)
    return res if isinstance(res, str) else None


def _go(chart_id: int | None) -> None:
    if chart_id is None:
        st.query_params.pop(CHART_PARAM, None)
        st.session_state.pop("ch_loaded", None)
        for k in (*KEYS, *FILTER_KEYS.values(), "ch_name"):
            st.session_state.pop(k, None)
    else:
        st.query_params[CHART_PARAM] = str(chart_id)


def save_panel(me: Actor, spec: dict, chart: SavedChart | None) -> None:
    """Name, sharing (the office), save as new / save changes; pin to my or a role's dashboard."""
    st.markdown(f"#### {t('charts.save_title')}")
    name = st.text_input(t("charts.name"), max_chars=60, key="ch_name")
    share: str | None = None
    office = can(me, "view.share")
    if office:
        roles = ["", *[r.value for r in Role]]
        _pick("ch_share", roles, "")
        share = (
            st.selectbox(
                t("charts.share"),
                roles,
                format_func=lambda r: t(f"role.{r}") if r else t("charts.share_none"),
                key="ch_share",
                placeholder=t("form.choose"),
            )
            or None
        )
    mine = chart is not None and chart.owner_id == me.user_id
    c1, c2 = st.columns(2)
    if c1.button(t("charts.save_new"), key="ch_save_new", width="stretch"):
        try:
            with session() as db:
                new = saved.save_chart(db, actor=me, name=name, spec=spec, shared_role=share)
            flash(t("charts.saved", name=plain_line(new.name)))
            _go(new.id)
            st.rerun()
        except DubanError as exc:
            show_error(exc)
    if mine and chart is not None:
        if c2.button(t("charts.save_changes"), key="ch_save", width="stretch", type="primary"):
            changes: dict = {"name": name, "spec": spec}
            if office:
                changes["shared_role"] = share
            try:
                with session() as db:
                    saved.update_chart(
                        db, actor=me, chart_id=chart.id, expected_version=chart.version, **changes
                    )
                flash(t("charts.saved", name=plain_line(name)))
                st.rerun()
            except DubanError as exc:
                show_error(exc)
    elif chart is not None:
        st.caption(t("charts.not_owner"))
    if chart is None:
        st.caption(t("charts.need_save"))
        return
    p1, p2 = st.columns(2)
    if p1.button(t("charts.pin_mine"), key="ch_pin_mine", icon="📌", width="stretch"):
        _pin(me, chart, None)
    if office:
        role = p2.selectbox(
            t("charts.pin_role_pick"),
            [r.value for r in Role if r.value in {"leader", "office", "inspector", "dept_head"}],
            format_func=lambda r: t(f"role.{r}"),
            key="ch_pin_role_pick",
        )
        if p2.button(t("charts.pin_role"), key="ch_pin_role", width="stretch"):
            _pin(me, chart, role)


def _pin(me: Actor, chart: SavedChart, role: str | None) -> None:
    try:
        with session() as db:
            saved.pin_chart(db, actor=me, chart_id=chart.id, role=role)
        flash(t("charts.pinned_ok", name=plain_line(chart.name)))
        st.rerun()
    except DubanError as exc:
        show_error(exc)


def saved_list(me: Actor, current: SavedChart | None) -> None:
    """The viewer's charts and those shared with them, each opening at charts?chart=ID."""
    with session() as db:
        mine, shared = saved.list_charts(db, actor=me)
    if st.button(t("charts.new"), key="ch_new", icon="➕"):
        _go(None)
        st.rerun()
    for title, rows, own in (
        (t("charts.list_mine"), mine, True),
        (t("charts.list_shared"), shared, False),
    ):
        st.markdown(f"**{title}**")
        if not rows:
            st.caption(t("charts.list_none"))
        for c in rows:
            a, b, d = st.columns([5, 1, 1])
            mark = "▶ " if current is not None and current.id == c.id else ""
            shared_words = (
                " · " + t("charts.shared_with", role=t(f"role.{c.shared_role}"))
                if c.shared_role
                else ""
            )
            a.markdown(mark + plain_line(c.name) + shared_words)
            if b.button(t("charts.open"), key=f"ch_open_{c.id}"):
                _go(c.id)
                st.rerun()
            if own and d.button(t("charts.delete"), key=f"ch_del_{c.id}"):
                try:
                    with session() as db:
                        saved.delete_chart(db, actor=me, chart_id=c.id, expected_version=c.version)
                    flash(t("charts.deleted", name=plain_line(c.name)))
                    if current is not None and current.id == c.id:
                        _go(None)
                    st.rerun()
                except DubanError as exc:
                    show_error(exc)


# ----------------------------------------------------------------------------- dashboards
def pinned_section(me: Actor) -> None:
    """固定的图表: the charts pinned to the viewer's dashboard (own pins, then the role's),
    each with its name, a link to open it in 图表 and 取消固定."""
    with session() as db:
        items = saved.pinned_for(db, actor=me)
    if not items:
        return
    st.subheader(t("charts.pinned_title"), anchor=False)
    for item in items:
        chart = item.chart
        with st.container(border=True):
            a, b, c = st.columns([5, 2, 1])
            role_words = (
                t("charts.pinned_role", role=t(f"role.{item.pin.role}")) if item.for_role else ""
            )
            a.markdown(f"**{plain_line(chart.name)}**{role_words}")
            b.page_link(
                "pages/charts.py",
                label=t("charts.open_link"),
                icon="📈",
                query_params={CHART_PARAM: str(chart.id)},
            )
            may_unpin = not item.for_role or can(me, "view.share")
            if may_unpin and c.button(t("charts.unpin"), key=f"ch_unpin_{item.pin.id}"):
                try:
                    with session() as db:
                        saved.unpin_chart(db, actor=me, pin_id=item.pin.id)
                    flash(t("charts.unpinned"))
                    st.rerun()
                except DubanError as exc:
                    show_error(exc)
            try:
                spec = spec_mod.parse(chart.spec)
            except DubanError as exc:
                st.warning(plain(exc), icon="⚠️")
                continue
            show_result(
                result(spec, me), spec, title=None, key=f"pin_{item.pin.id}", expanded=False
            )
