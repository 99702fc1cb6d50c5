"""A chart's definition (ChartSpec) and its check against a dataset, with Chinese messages: a
saved chart whose field was retired says so ("字段“X”已停用") instead of failing."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from duban.charts.datasets import DATASETS, FIELD_MEASURES, Dataset
from duban.core.errors import ValidationFailed
from duban.fields import frame as field_frame
from duban.fields.values import KIND_LABELS
from models import CustomField, FieldKind

CHART_TYPES = ("bar", "stacked", "line", "heatmap", "table")
NEEDS_SPLIT = ("stacked", "heatmap")
TOP_MAX = 100


class ChartError(ValidationFailed):
    """A chart that cannot be drawn as specified (the message says why, in Chinese)."""


class ChartSpec(BaseModel):
    """What to draw: a dataset, a grouping (and a split), a measure, a chart type, filters
    ({dimension key: [raw values as text]}) and an optional top N by value."""

    dataset: Literal["tasks", "assignments", "reports", "findings", "notices"] = "tasks"
    group_by: str = Field(min_length=1, max_length=40)
    split_by: str | None = Field(default=None, max_length=40)
    measure: Literal[
        "count", "share", "avg_progress", "sum", "avg", "overdue_sum", "overdue_avg"
    ] = "count"
    field: int | None = None  # the custom number field of sum / avg
    chart: Literal["bar", "stacked", "line", "heatmap", "table"] = "bar"
    filters: dict[str, list[str]] = Field(default_factory=dict)
    top_n: int | None = Field(default=None, ge=1, le=TOP_MAX)

    @field_validator("split_by")
    @classmethod
    def _blank(cls, v: str | None) -> str | None:
        return v or None

    @model_validator(mode="after")
    def _shape(self) -> ChartSpec:
        if self.split_by and self.split_by == self.group_by:
            raise ValueError("拆分维度不能与分组维度相同。")
        if self.chart in NEEDS_SPLIT and not self.split_by:
            raise ValueError("堆叠柱状图和热力图需要选择拆分维度。")
        if self.measure in FIELD_MEASURES and self.field is None:
            raise ValueError("求和或平均需要选择一个数字字段。")
        return self


def parse(data: dict) -> ChartSpec:
    """A spec from stored or typed data, or ChartError naming what is wrong."""
    from pydantic import ValidationError

    try:
        return ChartSpec.model_validate(data)
    except ValidationError as exc:
        msgs = []
        for err in exc.errors():
            msg = str(err.get("msg", ""))
            msgs.append(msg.removeprefix("Value error, "))
        raise ChartError("图表设置有误：" + "；".join(msgs)) from exc


def check(spec: ChartSpec, ds: Dataset, all_fields: dict[int, CustomField]) -> None:
    """Refuse (ChartError) a spec the dataset cannot answer: a dimension it lacks, a retired
    or deleted field, a measure it does not support, a sum over a field that is not a number."""
    if spec.dataset not in DATASETS or spec.dataset != ds.name:
        raise ChartError(f"数据集“{spec.dataset}”不存在。")
    for key in [spec.group_by, spec.split_by, *spec.filters]:
        if key is None or key in ds.dimensions:
            continue
        raise ChartError(_missing(key, all_fields))
    if spec.measure not in ds.measures:
        raise ChartError("该数据集不支持所选的度量。")
    if spec.measure in FIELD_MEASURES:
        f = all_fields.get(spec.field or -1)
        if f is None:
            raise ChartError("所选的数字字段已删除。")
        if f.retired_at is not None:
            raise ChartError(f"字段“{f.label}”已停用。")
        if f.kind != FieldKind.number:
            raise ChartError(f"字段“{f.label}”不是数字字段，不能求和或平均。")
        if f.id not in ds.number_fields:
            raise ChartError(f"字段“{f.label}”不适用于该数据集。")


def _missing(key: str, all_fields: dict[int, CustomField]) -> str:
    fid = field_frame.field_id(key)
    if fid is None:
        return f"该数据集没有维度“{key}”。"
    f = all_fields.get(fid)
    if f is None:
        return "所选的自定义字段已删除。"
    if f.retired_at is not None:
        return f"字段“{f.label}”已停用。"
    kind = KIND_LABELS.get(FieldKind(f.kind), f.kind)
    return f"字段“{f.label}”（{kind}）不能用于分组或筛选。"
