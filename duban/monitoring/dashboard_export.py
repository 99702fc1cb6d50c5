"""The dashboard's figures as one Excel workbook, one sheet per section (Chinese headers)."""

from __future__ import annotations

import io

import polars as pl
import xlsxwriter

from duban.i18n import t as _t
from duban.monitoring.dashboard import Dashboard
from duban.monitoring.lights import COLOUR_LABELS

__all__ = ["export_excel"]

_RED_HEADERS = {
    "task_id": "任务ID",
    "code": "编号",
    "title": "任务",
    "lead_name": "牵头单位",
    "late_units": "亮红灯单位",
    "deadline": "完成时限",
    "original_deadline": "原完成时限",
    "extensions": "延期次数",
    "overdue_wd": "逾期工作日",
    "progress": "进度%",
    "expected_progress": "序时进度%",
    "reason_text": "原因",
}


def export_excel(d: Dashboard, lang: str = "zh") -> bytes:
    """The dashboard's figures as one workbook, one sheet per section (Chinese headers)."""
    sheets = {
        "指标卡": _kpi_sheet(d, lang),
        "红灯任务": d.red_list.rename(_RED_HEADERS),
        "各单位": _departments_sheet(d.departments),
        "单位×阶段": _heatmap_sheet(d.heatmap),
        "时间轴": _gantt_sheet(d.gantt),
        "趋势": _trend_sheet(d.trend),
        "量化指标": _targets_sheet(d.targets),
    }
    buf = io.BytesIO()
    # strings_to_formulas off: a task title starting with "=" stays text, not a live formula
    with xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False}) as wb:
        for name, df in sheets.items():
            df.write_excel(
                workbook=wb, worksheet=name, autofit=True, dtype_formats={pl.Date: "yyyy-mm-dd"}
            )
    return buf.getvalue()


def _kpi_sheet(d: Dashboard, lang: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "指标": [_t(f"dash.kpi.{k.key}", lang) for k in d.kpis],
            "当前": [None if k.value is None else round(float(k.value), 1) for k in d.kpis],
            "较上周": [None if k.delta is None else round(float(k.delta), 1) for k in d.kpis],
        }
    )


def _departments_sheet(departments: pl.DataFrame) -> pl.DataFrame:
    return departments.select(
        pl.col("department_name").alias("单位"),
        pl.col("assignments").alias("分工任务"),
        pl.col("lead_red").alias("牵头-红"),
        pl.col("lead_yellow").alias("牵头-黄"),
        pl.col("lead_green").alias("牵头-绿"),
        pl.col("lead_blue").alias("牵头-蓝"),
        pl.col("resp_red").alias("责任-红"),
        pl.col("resp_yellow").alias("责任-黄"),
        pl.col("resp_green").alias("责任-绿"),
        pl.col("resp_blue").alias("责任-蓝"),
        pl.col("overdue").alias("逾期"),
        pl.col("on_time_rate").round(1).alias("按期办结率%"),
        pl.col("extensions").alias("延期次数"),
    )


def _heatmap_sheet(heatmap: pl.DataFrame) -> pl.DataFrame:
    return heatmap.select(
        pl.col("department_short").alias("单位"),
        pl.col("phase").alias("阶段"),
        pl.col("n").alias("分工任务"),
        pl.col("red").alias("红灯"),
        pl.col("yellow").alias("黄灯"),
        pl.col("red_share").round(1).alias("红灯占比%"),
    )


def _gantt_sheet(gantt: pl.DataFrame) -> pl.DataFrame:
    return gantt.select(
        pl.col("label").alias("任务"),
        pl.col("lead_short").alias("牵头单位"),
        pl.col("bar_start").alias("开始"),
        pl.col("deadline").alias("完成时限"),
        pl.col("extended_from").alias("原完成时限"),
        pl.col("colour").replace_strict(COLOUR_LABELS, default="").alias("灯色"),
    )


def _trend_sheet(trend: pl.DataFrame) -> pl.DataFrame:
    return trend.select(
        pl.col("week_end").alias("周末日期"),
        pl.col("completed").alias("当周办结"),
        pl.col("overdue").alias("周末逾期"),
        pl.col("expected").round(1).alias("平均序时进度%"),
        pl.col("actual").round(1).alias("平均实际进度%"),
    )


def _targets_sheet(targets: pl.DataFrame) -> pl.DataFrame:
    return _excel_safe(
        targets.select(
            pl.col("code").alias("任务编号"),
            pl.col("target_text").alias("指标"),
            pl.col("baseline").alias("基线"),
            pl.col("target_value").alias("目标值"),
            pl.col("unit").alias("单位"),
            pl.col("current").alias("当前值"),
            pl.col("achieved").round(1).alias("完成度%"),
            pl.col("path").alias("历次读数"),
        )
    )


def _excel_safe(df: pl.DataFrame) -> pl.DataFrame:
    """Lists become text (Excel cells hold scalars)."""
    return df.with_columns(
        pl.col(c).cast(pl.List(pl.String)).list.join("、")
        for c, dtype in df.schema.items()
        if isinstance(dtype, pl.List)
    )
