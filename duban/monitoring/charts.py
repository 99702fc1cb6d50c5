"""Plotly figures for the dashboard, built without Streamlit; PNG export through kaleido."""

from __future__ import annotations

import datetime as dt
import io
import os
import threading
import warnings
import zipfile

import plotly.graph_objects as go
import polars as pl

from duban.core import clock
from duban.core.filenames import download_name
from duban.core.text import for_plotly
from duban.i18n import t

__all__ = [
    "COLOURS",
    "department_bars",
    "figure_png",
    "gantt",
    "heatmap",
    "png_available",
    "progress_trend",
    "stamped",
    "target_bars",
    "trend_counts",
    "zip_pngs",
]

COLOURS = {
    "red": "#D93025",
    "yellow": "#F2A900",
    "green": "#1E8E3E",
    "grey": "#9AA0A6",
    "blue": "#1A73E8",
}
# Dates on axes and in hover labels: the UI's one date format (plotly would write "Jul 2026").
DAY_FORMAT = "%Y-%m-%d"
MONTH_FORMAT = "%Y-%m"


def legend(colour: str, lang: str = "zh") -> str:
    """A light's name in a legend ("红灯" / "Red")."""
    return t(f"chart.light.{colour}", lang)


FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
CHROMIUM = "/usr/bin/chromium"


def _top_title(text: str, *, size: int, pad: int) -> dict:
    """A title at the figure's very top, flush with the plot's left edge."""
    font = dict(size=size, family=FONT, color="#202124")
    return dict(
        text=text,
        x=0,
        xref="paper",
        y=1,
        yref="container",
        yanchor="top",
        pad=dict(t=pad),
        font=font,
    )


def _layout(fig: go.Figure, *, height: int, title: str | None = None, **kw) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=height,
        # a title sits at the very top, the legend (above the plot) under it: not on each other
        margin=dict(l=10, r=10, t=72 if title else 10, b=10),
        font=dict(family=FONT, size=13, color="#202124"),
        title=_top_title(title, size=15, pad=10) if title else None,
        legend=dict(
            orientation="h", yanchor="bottom", y=1.02, x=0, title=None, traceorder="normal"
        ),
        hoverlabel=dict(font_family=FONT),
        **kw,
    )
    return fig


def _empty(text: str, height: int = 240) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=text, showarrow=False, font=dict(size=14, color=COLOURS["grey"]))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, height=height)


def _esc(values: list) -> list:
    """Names, titles and phases as plotly shows them: its HTML escaped (see for_plotly)."""
    return [None if v is None else for_plotly(v) for v in values]


def department_bars(
    departments: pl.DataFrame, *, role: str | None = None, limit: int = 25, lang: str = "zh"
) -> go.Figure:
    """Stacked horizontal bars: each unit's lights (as lead, responsible, or both)."""
    if departments.height == 0:
        return _empty(t("chart.no_units", lang))
    d = departments.head(limit)
    prefixes = {"lead": ["lead"], "responsible": ["resp"]}.get(role or "", ["lead", "resp"])
    names = _esc(d.get_column("department_short").to_list())
    fig = go.Figure()
    for c in ("red", "yellow", "green", "blue", "grey"):
        values = [0] * d.height
        for p in prefixes:
            values = [
                a + b for a, b in zip(values, d.get_column(f"{p}_{c}").to_list(), strict=True)
            ]
        fig.add_bar(
            y=names,
            x=values,
            name=legend(c, lang),
            orientation="h",
            marker_color=COLOURS[c],
            hovertemplate=t("chart.bars_hover", lang) + f"<extra>{legend(c, lang)}</extra>",
        )
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=12))
    fig.update_xaxes(title=t("chart.assignments", lang))
    return _layout(fig, height=max(260, 26 * d.height + 80), barmode="stack")


def heatmap(
    cells: pl.DataFrame,
    *,
    limit: int = 30,
    lang: str = "zh",
    phase_names: dict[str, str] | None = None,
) -> go.Figure:
    """Units × phases, coloured by the share of red assignments (`phase_names` renames a
    column, e.g. the tasks without a phase, in the UI language)."""
    if cells.height == 0:
        return _empty(t("chart.no_data", lang))
    phases = (
        cells.select("phase", "phase_order").unique().sort("phase_order").get_column("phase")
    ).to_list()
    worst = (
        cells.group_by("department_short")
        .agg(pl.col("red").sum(), pl.col("n").sum())
        .sort(["red", "n", "department_short"], descending=[True, True, False])
        .head(limit)
        .get_column("department_short")
        .to_list()
    )
    lookup = {(r["department_short"], r["phase"]): r for r in cells.iter_rows(named=True)}
    z, text = [], []
    for u in worst:
        zr, tr = [], []
        for p in phases:
            r = lookup.get((u, p))
            zr.append(None if r is None else r["red_share"])
            tr.append("" if r is None else t("chart.heat_cell", lang, red=r["red"], n=r["n"]))
        z.append(zr)
        text.append(tr)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=_esc([(phase_names or {}).get(p, p) for p in phases]),
            y=_esc(worst),
            text=text,
            texttemplate="%{text}",
            colorscale=[[0, "#E6F4EA"], [0.35, "#FCE8B2"], [1, COLOURS["red"]]],
            zmin=0,
            zmax=100,
            colorbar=dict(title=t("chart.red_share", lang), thickness=12),
            hovertemplate=t("chart.heat_hover", lang),
            xgap=2,
            ygap=2,
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, height=max(240, 28 * len(worst) + 90))


def gantt(
    rows: pl.DataFrame, milestones: pl.DataFrame, today: dt.date, *, lang: str = "zh"
) -> go.Figure:
    """Task bars start → deadline by colour, original deadlines, milestones, a today line."""
    if rows.height == 0:
        return _empty(t("chart.no_deadlines", lang))
    fig = go.Figure()
    _gantt_bars(fig, rows, lang)
    _gantt_markers(fig, rows, milestones, lang)
    _today_line(fig, today, lang)
    fig.update_xaxes(type="date", tickformat=MONTH_FORMAT, hoverformat=DAY_FORMAT)
    labels = _esc(rows.get_column("label").to_list())
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=labels)
    return _layout(fig, height=max(300, 24 * rows.height + 90), barmode="overlay")


def _gantt_bars(fig: go.Figure, rows: pl.DataFrame, lang: str) -> None:
    """One bar trace per colour: start → deadline, with lead unit and progress on hover."""
    for c in ("red", "yellow", "green", "grey", "blue"):
        part = rows.filter(pl.col("colour") == c)
        if part.height == 0:
            continue
        starts = part.get_column("bar_start").to_list()
        ends = part.get_column("deadline").to_list()
        fig.add_bar(
            y=_esc(part.get_column("label").to_list()),
            base=[s.isoformat() for s in starts],
            x=[((e - s).days + 1) * 86_400_000 for s, e in zip(starts, ends, strict=True)],
            orientation="h",
            marker_color=COLOURS[c],
            marker_line_width=0,
            opacity=0.9,
            name=legend(c, lang),
            customdata=list(
                zip(
                    _esc(part.get_column("lead_short").fill_null("").to_list()),
                    [e.isoformat() for e in ends],
                    part.get_column("progress").fill_null(0).to_list(),
                    strict=True,
                )
            ),
            hovertemplate=t("chart.gantt_hover", lang),
        )


def _gantt_markers(fig: go.Figure, rows: pl.DataFrame, milestones: pl.DataFrame, lang: str) -> None:
    """Original deadlines of extended tasks, and milestones (hollow once done)."""
    ext = rows.filter(pl.col("extended_from").is_not_null())
    if ext.height:
        fig.add_scatter(
            y=_esc(ext.get_column("label").to_list()),
            x=[d.isoformat() for d in ext.get_column("extended_from").to_list()],
            mode="markers",
            marker=dict(symbol="line-ns", size=16, line=dict(width=3, color="#202124")),
            name=t("chart.original_deadline", lang),
            hovertemplate=t("chart.original_hover", lang),
        )
    if milestones.height:
        done = milestones.get_column("done_on").is_not_null().to_list()
        fig.add_scatter(
            y=_esc(milestones.get_column("label").to_list()),
            x=[d.isoformat() for d in milestones.get_column("due_date").to_list()],
            mode="markers",
            marker=dict(
                symbol="diamond",
                size=10,
                color=["#FFFFFF" if x else "#202124" for x in done],
                line=dict(width=1.5, color="#202124"),
            ),
            name=t("chart.milestone", lang),
            text=_esc(milestones.get_column("milestone_title").to_list()),
            hovertemplate=t("chart.milestone_hover", lang),
        )


def _today_line(fig: go.Figure, today: dt.date, lang: str) -> None:
    fig.add_shape(
        type="line",
        x0=today.isoformat(),
        x1=today.isoformat(),
        yref="paper",
        y0=0,
        y1=1,
        line=dict(color=COLOURS["blue"], width=2, dash="dash"),
    )
    fig.add_annotation(
        x=today.isoformat(),
        yref="paper",
        y=1.0,
        text=t("chart.today", lang),
        showarrow=False,
        yanchor="bottom",
        font=dict(color=COLOURS["blue"]),
    )


def trend_counts(trend: pl.DataFrame, *, lang: str = "zh") -> go.Figure:
    """Completions per week (bars) and tasks overdue at each week's end (line)."""
    if trend.height == 0:
        return _empty(t("chart.no_trend", lang))
    weeks = [d.isoformat() for d in trend.get_column("week_end").to_list()]
    fig = go.Figure()
    fig.add_bar(
        x=weeks,
        y=trend.get_column("completed").to_list(),
        name=t("chart.completed_week", lang),
        marker_color=COLOURS["blue"],
        hovertemplate=t("chart.completed_hover", lang),
    )
    fig.add_scatter(
        x=weeks,
        y=trend.get_column("overdue").to_list(),
        name=t("chart.overdue_week", lang),
        mode="lines+markers",
        line=dict(color=COLOURS["red"], width=2),
        hovertemplate=t("chart.overdue_hover", lang),
    )
    fig.update_xaxes(type="date", tickformat=DAY_FORMAT, hoverformat=DAY_FORMAT)
    fig.update_yaxes(title=t("chart.tasks", lang), rangemode="tozero")
    return _layout(fig, height=300)


def progress_trend(trend: pl.DataFrame, *, lang: str = "zh") -> go.Figure:
    """Mean 序时进度 against mean actual progress of the tasks open each week."""
    if trend.height == 0:
        return _empty(t("chart.no_trend", lang))
    weeks = [d.isoformat() for d in trend.get_column("week_end").to_list()]
    fig = go.Figure()
    fig.add_scatter(
        x=weeks,
        y=trend.get_column("expected").to_list(),
        name=t("chart.expected", lang),
        mode="lines",
        line=dict(color=COLOURS["grey"], width=2, dash="dash"),
        hovertemplate=t("chart.expected_hover", lang),
    )
    fig.add_scatter(
        x=weeks,
        y=trend.get_column("actual").to_list(),
        name=t("chart.actual", lang),
        mode="lines",
        line=dict(color=COLOURS["green"], width=2.5),
        fill="tonexty",
        fillcolor="rgba(217,48,37,0.08)",
        hovertemplate=t("chart.actual_hover", lang),
    )
    fig.update_xaxes(type="date", tickformat=DAY_FORMAT, hoverformat=DAY_FORMAT)
    fig.update_yaxes(title=t("chart.mean_progress", lang), range=[0, 100])
    return _layout(fig, height=300)


def target_bars(targets: pl.DataFrame, *, limit: int = 20, lang: str = "zh") -> go.Figure:
    """Each target's achievement (baseline → target = 0 → 100%), coloured on/off track."""
    rows = targets.filter(pl.col("achieved").is_not_null()).head(limit)
    if rows.height == 0:
        return _empty(t("chart.no_readings", lang))
    colours = [
        COLOURS["green"] if ok else COLOURS["red"]
        for ok in rows.get_column("on_track").fill_null(False).to_list()
    ]
    fig = go.Figure(
        go.Bar(
            y=_esc(rows.get_column("target_text").to_list()),
            x=rows.get_column("achieved").to_list(),
            orientation="h",
            marker_color=colours,
            customdata=list(
                zip(
                    rows.get_column("current").to_list(),
                    rows.get_column("target_value").to_list(),
                    _esc(rows.get_column("unit").fill_null("").to_list()),
                    strict=True,
                )
            ),
            hovertemplate=t("chart.target_hover", lang),
        )
    )
    fig.update_xaxes(range=[0, 100], title=t("chart.achieved_axis", lang))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, height=max(220, 30 * rows.height + 80), showlegend=False)


# ----------------------------------------------------------------------------- PNG
_kaleido_lock = threading.Lock()
_kaleido_started = False


def png_available() -> bool:
    """PNG export needs a local Chromium (kaleido never downloads one here)."""
    return os.path.exists(CHROMIUM)


def figure_png(fig: go.Figure, *, width: int = 1200, scale: float = 1.0) -> bytes | None:
    """The figure as PNG bytes, or None without Chromium."""
    global _kaleido_started
    if not png_available():
        return None
    # Imported here: kaleido drives a browser and is only needed for the PNG export.
    import kaleido

    with _kaleido_lock, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The kopts argument")
        if not _kaleido_started:
            # One persistent browser: ~0.1 s per image instead of ~2 s.
            kaleido.start_sync_server(silence_warnings=True)
            _kaleido_started = True
        height = fig.layout.height or 400
        return fig.to_image(format="png", width=width, height=height, scale=scale)


STAMP_TOP = 80  # px above the plot for the title and the date line


def stamped(fig: go.Figure, title: str, *, as_of: dt.date, made_at: dt.datetime) -> go.Figure:
    """A copy of the figure that says what it is: its title, the data date, the export time.

    A PNG leaves the page that explained it; the on-screen figure (cached, shared between
    reruns) is left as it was.
    """
    out = go.Figure(fig)
    top = (fig.layout.margin.t or 10) + STAMP_TOP
    out.update_layout(
        title=_top_title(for_plotly(title), size=18, pad=12),
        margin=dict(t=top),
        height=(fig.layout.height or 400) + STAMP_TOP,
    )
    out.add_annotation(
        text=f"数据截至 {as_of.isoformat()} · 导出于 {made_at:%Y-%m-%d %H:%M}",
        xref="paper",
        yref="paper",
        x=0,
        y=1,
        yshift=top - 60,
        xanchor="left",
        yanchor="bottom",
        showarrow=False,
        font=dict(size=12, family=FONT, color="#5F6368"),
    )
    return out


def zip_pngs(
    figures: dict[str, go.Figure], *, as_of: dt.date, made_at: dt.datetime | None = None
) -> bytes | None:
    """Several figures as PNG files in one ZIP (title → figure), or None without Chromium.

    Each PNG carries its title, the data date and the export time (`stamped`).
    """
    if not png_available():
        return None
    made_at = made_at or clock.now()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, fig in figures.items():
            data = figure_png(stamped(fig, name, as_of=as_of, made_at=made_at))
            if data is not None:
                zf.writestr(download_name(name, "png"), data)
    return buf.getvalue()
