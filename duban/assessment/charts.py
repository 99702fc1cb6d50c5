"""Plotly figures for the scorecard: scores by unit, each unit's trend, the distribution."""

import plotly.graph_objects as go

from duban.assessment import labels, scoring
from duban.core.text import for_plotly
from duban.i18n import t

TOP, BOTTOM, MIDDLE = "#2e7d32", "#c62828", "#5b7db1"
_LAYOUT = dict(
    margin=dict(l=10, r=10, t=40, b=10),
    font=dict(family="Noto Sans CJK SC, Microsoft YaHei, sans-serif", size=13),
    plot_bgcolor="white",
)


def scores_bar(result: scoring.PeriodResult, *, n_marked: int = 3, lang: str = "zh") -> go.Figure:
    """Horizontal bars, best at the top; the top and bottom n units in green and red."""
    units = sorted(result.units, key=lambda u: (u.rank, u.department_name))
    count = len(units)
    top = {u.department_id for u in result.top(n_marked)}
    bottom = {u.department_id for u in result.bottom(n_marked)} - top
    colours = [
        TOP if u.department_id in top else BOTTOM if u.department_id in bottom else MIDDLE
        for u in units
    ]
    fig = go.Figure(
        go.Bar(
            x=[u.score for u in units],
            y=[for_plotly(u.department_name) for u in units],
            orientation="h",
            marker_color=colours,
            text=[f"{u.score:.2f}" for u in units],
            textposition="outside",
            customdata=[[u.rank, u.raw_points, u.load] for u in units],
            hovertemplate=t("asm.chart.scores_hover", lang),
        )
    )
    lo = min((u.score for u in units), default=0)
    hi = max((u.score for u in units), default=100)
    fig.update_layout(
        title=t(
            "asm.chart.scores_title",
            lang,
            label=for_plotly(labels.period_name(result.label, result.kind, result.start, lang)),
        ),
        height=max(260, 32 * count + 80),
        yaxis=dict(autorange="reversed"),
        xaxis=dict(range=[max(0, lo - 10), hi + 6], gridcolor="#eee"),
        **_LAYOUT,
    )
    return fig


def trend_lines(rows: list[dict], *, title: str | None = None, lang: str = "zh") -> go.Figure:
    """One line per unit across periods (rows from duban.assessment.results.trend)."""
    fig = go.Figure()

    def period_of(r: dict) -> str:
        return for_plotly(labels.period_name(r["period"], r["kind"], r["start"], lang))

    periods = list(dict.fromkeys(period_of(r) for r in sorted(rows, key=lambda r: r["start"])))
    by_unit: dict[str, dict[str, float]] = {}
    for r in rows:
        by_unit.setdefault(for_plotly(r["department"]), {})[period_of(r)] = r["score"]
    for name, points in by_unit.items():
        fig.add_trace(
            go.Scatter(
                x=[p for p in periods if p in points],
                y=[points[p] for p in periods if p in points],
                mode="lines+markers",
                name=name,
            )
        )
    fig.update_layout(
        title=title or t("asm.chart.trend_title", lang),
        height=380,
        yaxis=dict(title=t("asm.chart.score", lang), gridcolor="#eee"),
        **_LAYOUT,
    )
    return fig


def distribution(result: scoring.PeriodResult, *, lang: str = "zh") -> go.Figure:
    """How the scores spread: a histogram with the mean marked."""
    scores = [u.score for u in result.units]
    fig = go.Figure(
        go.Histogram(x=scores, nbinsx=max(5, min(20, len(scores))), marker_color=MIDDLE)
    )
    if scores:
        mean = sum(scores) / len(scores)
        fig.add_vline(
            x=mean,
            line_dash="dash",
            line_color="#555",
            annotation_text=t("asm.chart.mean", lang, mean=f"{mean:.2f}"),
            annotation_position="top left",
        )
    fig.update_layout(
        title=t("asm.chart.distribution", lang),
        height=320,
        xaxis=dict(title=t("asm.chart.score", lang)),
        yaxis=dict(title=t("asm.chart.units", lang), gridcolor="#eee"),
        bargap=0.05,
        **_LAYOUT,
    )
    return fig
