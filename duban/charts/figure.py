"""A chart's figures drawn with plotly, in the dashboard's look (its layout, font and light
colours); every label from the data is escaped (category names and options are user text)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from duban.charts.compute import Result
from duban.charts.spec import ChartSpec
from duban.core import exports
from duban.core.text import for_plotly
from duban.i18n import t
from duban.monitoring.charts import COLOURS, _layout

_COLOUR_DIMS = ("colour", "level")


def _esc(values: list) -> list:
    return [for_plotly(str(v)) for v in values]


def _colour(dim: str | None, key: str | None) -> str | None:
    if dim in _COLOUR_DIMS and key in COLOURS:
        return COLOURS[key]
    return None


def figure(
    result: Result, spec: ChartSpec, *, lang: str = "zh", title: str | None = None
) -> go.Figure:
    """The figure of `result` as `spec.chart` says (a table chart is drawn by the page)."""
    data = result.data
    height = 420
    if data.height == 0:
        fig = go.Figure()
        fig.add_annotation(
            text=t("charts.no_data", lang),
            showarrow=False,
            font=dict(size=14, color=COLOURS["grey"]),
        )
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return _layout(fig, height=260, title=for_plotly(title) if title else None)
    value_axis = for_plotly(result.value_label)
    groups = data.select("group", "group_key").unique(maintain_order=True)
    x = _esc(groups.get_column("group").to_list())
    fig = go.Figure()
    if spec.chart == "heatmap" and "split" in data.columns:
        splits = result.split_order
        lookup = {(g, s): v for g, s, v in data.select("group", "split", "value").iter_rows()}
        gl = groups.get_column("group").to_list()
        missing = 0 if result.additive else None  # no row: none counted, or nothing to average
        z = [[lookup.get((g, s), missing) for g in gl] for s in splits]
        fig.add_heatmap(
            x=x,
            y=_esc(splits),
            z=z,
            colorscale="Reds",
            texttemplate="%{z}",
            hovertemplate="%{x} · %{y}: %{z}<extra></extra>",
            colorbar=dict(title=value_axis),
        )
        fig.update_yaxes(autorange="reversed")
        height = max(300, 34 * len(splits) + 140)
    elif "split" in data.columns:
        split_dim = spec.split_by
        key_of = dict(data.select("split", "split_key").unique().iter_rows())
        for s in result.split_order:
            key = key_of.get(s)
            part = groups.join(
                data.filter(pl.col("split") == s).select("group", "value"), on="group", how="left"
            )
            values = part.get_column("value").to_list()
            colour = _colour(split_dim, key)
            name = for_plotly(s)
            if spec.chart == "line":
                fig.add_scatter(
                    x=x, y=values, name=name, mode="lines+markers", line=dict(color=colour)
                )
            else:
                fig.add_bar(x=x, y=values, name=name, marker_color=colour)
        fig.update_layout(barmode="stack" if spec.chart == "stacked" else "group")
    else:
        values = data.get_column("value").to_list()
        keys = groups.get_column("group_key").to_list()
        colours = [_colour(spec.group_by, k) or COLOURS["blue"] for k in keys]
        if spec.chart == "line":
            fig.add_scatter(x=x, y=values, mode="lines+markers", name=value_axis)
        else:
            fig.add_bar(x=x, y=values, marker_color=colours, name=value_axis)
        fig.update_layout(showlegend=False)
    if spec.chart != "heatmap":
        fig.update_yaxes(title=value_axis)
        fig.update_xaxes(title=for_plotly(result.group_label), type="category")
    return _layout(fig, height=height, title=for_plotly(title) if title else None)


def table(result: Result) -> pl.DataFrame:
    """The figures as a table with headers in words: one column per split when there is
    one (a cross table), else group and value. A cell with no rows is 0 for a count, share or
    sum and stays empty for an average (nothing to average)."""
    data = result.data
    if "split" in data.columns:
        wide = data.pivot(on="split", index="group", values="value")
        splits = [s for s in result.split_order if s in wide.columns]
        cells = [pl.col(s).fill_null(0) if result.additive else pl.col(s) for s in splits]
        return wide.select(pl.col("group").alias(result.group_label), *cells)
    return data.select(
        pl.col("group").alias(result.group_label), pl.col("value").alias(result.value_label)
    )


def export_excel(result: Result, *, title: str, words: str, who: str = "") -> bytes:
    """The chart's figures as .xlsx: a 说明 sheet (the chart in words, the measure, the rows
    counted, the multiple-choice note) and the table as shown under the chart."""
    frame = table(result)
    columns = [
        exports.Column(c, c, "text" if i == 0 else "number") for i, c in enumerate(frame.columns)
    ]
    notes = []
    if result.exploded:
        dims = "、".join(result.exploded)
        notes.append(f"“{dims}”为多选：一条记录按所选的每个选项各计一次，各项合计可能多于记录数。")
    about = exports.About(
        title=title,
        filter_text=words,
        exported_by=who,
        extra=[("度量", result.value_label), ("记录数", result.rows)],
        notes=notes,
    )
    return exports.write_workbook([exports.Sheet(title, frame, columns)], about=about)
