"""The dashboard's figures as one Excel workbook: a 说明 sheet, then one sheet per section."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from duban.core import exports
from duban.core.exports import Column
from duban.i18n import t as _t
from duban.monitoring.dashboard import Dashboard, Filters
from duban.monitoring.lights import COLOUR_LABELS

__all__ = ["TITLE", "describe_filters", "export_excel"]

TITLE = "领导驾驶舱数据"
_ROLE_WORDS = {"lead": "牵头", "responsible": "责任"}
_KPI_KINDS = {"%": "percent", "pt": "decimal", "": "int"}

_RED = [
    Column("code", "编号"),
    Column("title", "任务"),
    Column("lead_name", "牵头单位"),
    Column("late_units", "亮红灯单位"),
    Column("deadline", "完成时限", "date"),
    Column("original_deadline", "原完成时限", "date"),
    Column("extensions", "延期次数", "int"),
    Column("overdue_wd", "逾期工作日", "int"),
    Column("progress", "进度", "percent", places=0),
    Column("expected_progress", "序时进度", "percent", places=0),
    Column("reason_text", "原因"),
    Column("missed_units_text", "未按期报送单位"),
]
_DEPARTMENTS = [
    Column("department_name", "单位"),
    Column("assignments", "分工任务", "int"),
    *(
        Column(f"{p}_{c}", f"{role}-{colour}", "int")
        for p, role in (("lead", "牵头"), ("resp", "责任"))
        for c, colour in (("red", "红"), ("yellow", "黄"), ("green", "绿"), ("blue", "蓝"))
    ),
    Column("overdue", "逾期", "int"),
    Column("on_time_rate", "按期办结率", "percent"),
    Column("extensions", "延期次数", "int"),
]
_HEATMAP = [
    Column("department_short", "单位"),
    Column("phase", "阶段"),
    Column("n", "分工任务", "int"),
    Column("red", "红灯", "int"),
    Column("yellow", "黄灯", "int"),
    Column("red_share", "红灯占比", "percent"),
]
_GANTT = [
    Column("label", "任务"),
    Column("lead_short", "牵头单位"),
    Column("bar_start", "开始", "date"),
    Column("deadline", "完成时限", "date"),
    Column("extended_from", "原完成时限", "date"),
    Column("colour_label", "灯色"),
]
_TREND = [
    Column("week_end", "周末日期", "date"),
    Column("completed", "当周办结", "int"),
    Column("overdue", "周末逾期", "int"),
    Column("expected", "平均序时进度", "percent"),
    Column("actual", "平均实际进度", "percent"),
]
_TARGETS = [
    Column("code", "任务编号"),
    Column("target_text", "指标"),
    Column("baseline", "基线", "number"),
    Column("target_value", "目标值", "number"),
    Column("unit", "计量单位"),
    Column("current", "当前值", "number"),
    Column("achieved", "完成度", "percent"),
    Column("path", "历次读数"),
]


def describe_filters(f: Filters, options: dict[str, Any]) -> str:
    """The dashboard's filters in words ("单位：市公安局；分工：牵头"), or 全部.

    `options` is `dashboard.filter_options(...)`: it names the plans and the units.
    """
    parts = []
    if f.plan_id is not None:
        parts.append(f"实施方案：{options.get('plans', {}).get(f.plan_id, f.plan_id)}")
    if f.phase:
        parts.append(f"阶段：{f.phase}")
    if f.department_id is not None:
        parts.append(f"单位：{options.get('departments', {}).get(f.department_id, '（已不存在）')}")
    if f.role:
        parts.append(f"分工：{_ROLE_WORDS.get(f.role, f.role)}")
    if f.date_from or f.date_to:
        start = f.date_from.isoformat() if f.date_from else "不限"
        end = f.date_to.isoformat() if f.date_to else "不限"
        parts.append(f"完成时限：{start} 至 {end}")
    if f.category_id is not None:
        parts.append(
            f"事项来源：{options.get('categories', {}).get(f.category_id, '（已不存在）')}"
        )
    if f.missed:
        parts.append("仅看未按期报送")
    return "；".join(parts) or exports.NO_FILTER


def export_excel(
    d: Dashboard,
    *,
    filter_text: str = exports.NO_FILTER,
    exported_by: str = "",
    exported_at: dt.datetime | None = None,
    lang: str = "zh",
) -> bytes:
    """The dashboard's figures for its filters: a 说明 sheet, then one sheet per section.

    `filter_text` says in words which filters made `d` (`describe_filters`); every row of
    the red list is in the file (build `d` with red_rows=None).
    """
    about = exports.About(
        title=TITLE,
        filter_text=filter_text,
        exported_by=exported_by,
        exported_at=exported_at,
        extra=[
            ("数据截至", d.today),
            ("红灯任务", d.red_total),
        ],
        notes=[
            "“较上周”是与一周前同口径数字之差；百分比指标的差以百分点计。",
            "百分比列以百分数显示（单元格存小数，如 85.3% 存为 0.853）。",
        ],
    )
    sheets = [
        exports.Sheet("指标卡", _kpi_frame(d, lang), _kpi_columns()),
        exports.Sheet("红灯任务", d.red_list, _RED),
        exports.Sheet("各单位", d.departments, _DEPARTMENTS),
        exports.Sheet("单位×阶段", d.heatmap, _HEATMAP),
        exports.Sheet(
            "时间轴",
            d.gantt.with_columns(
                pl.col("colour").replace_strict(COLOUR_LABELS, default="").alias("colour_label")
            ),
            _GANTT,
        ),
        exports.Sheet("趋势", d.trend, _TREND),
        exports.Sheet("量化指标", d.targets, _TARGETS),
    ]
    return exports.write_workbook(sheets, about=about)


def _kpi_columns() -> list[Column]:
    return [
        Column("name", "指标"),
        Column("value", "当前", "int", kind_by="kind"),
        Column("delta", "较上周", "int", kind_by="kind"),
    ]


def _kpi_frame(d: Dashboard, lang: str) -> pl.DataFrame:
    """One row per KPI card; `kind` says how its figures are shown (count, %, points)."""
    return pl.DataFrame(
        {
            "name": [_t(f"dash.kpi.{k.key}", lang) for k in d.kpis],
            "value": [None if k.value is None else float(k.value) for k in d.kpis],
            "delta": [None if k.delta is None else float(k.delta) for k in d.kpis],
            "kind": [_KPI_KINDS.get(k.unit, "decimal") for k in d.kpis],
        },
        schema={"name": pl.String, "value": pl.Float64, "delta": pl.Float64, "kind": pl.String},
    )
