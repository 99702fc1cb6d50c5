"""The official document (公文) as data: what is printed, in the order GB/T 9704 lays it out."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from duban.core.numerals import format_int

CN_DIGITS = "〇一二三四五六七八九"


@dataclass
class AttachmentTable:
    """A table printed as an attachment (附件), e.g. the list of overdue tasks."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    # Leading columns whose repeated values are printed once per group: consecutive rows
    # with equal values share one vertically merged cell (a unit's name over its tasks).
    group_columns: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, value: "AttachmentTable | dict") -> "AttachmentTable":
        if isinstance(value, AttachmentTable):
            return value
        return cls(
            title=str(value.get("title", "")),
            columns=[str(c) for c in value.get("columns", [])],
            rows=[list(r) for r in value.get("rows", [])],
            group_columns=[int(c) for c in value.get("group_columns") or []],
        )

    def merged_columns(self) -> list[int]:
        """The columns merged down their groups: `group_columns`, or a 单位 column after the
        序号 (a list over several units) where nothing was asked."""
        if self.group_columns:
            return sorted({c for c in self.group_columns if 0 <= c < len(self.columns)})
        return [1] if len(self.columns) > 1 and self.columns[1] == "单位" else []

    def continued_cells(self) -> set[tuple[int, int]]:
        """(row, column) of the cells that continue the group of the cell above: the row has
        the same non-empty value in that column and in every merged column before it."""
        out: set[tuple[int, int]] = set()
        merged = self.merged_columns()
        for r in range(1, len(self.rows)):
            above, row = self.rows[r - 1], self.rows[r]
            for c in merged:
                if c >= len(row) or c >= len(above):
                    break
                if row[c] in ("", None) or row[c] != above[c]:
                    break  # a new group here, and in the columns after it
                out.add((r, c))
        return out


@dataclass
class OfficialDocument:
    """Everything printed on a notice, in the order GB/T 9704 lays it out."""

    issuer: str  # 发文机关标志 (printed in red, usually "<机关>文件" or the office's name)
    title: str
    body: list[str] = field(default_factory=list)  # paragraphs of 正文
    doc_number: str | None = None  # 发文字号, e.g. 督办〔2026〕7号
    addressees: str = ""  # 主送机关
    attachments: list[AttachmentTable | dict] = field(default_factory=list)
    signature: str = ""  # 发文机关署名
    date: dt.date | None = None  # 成文日期
    copy_to: str = ""  # 抄送
    printed_by: str = ""  # 印发机关
    printed_on: dt.date | None = None  # 印发日期
    level_label: str | None = None  # e.g. 红色督办 on a 督办单, printed under the doc number
    date_style: str = "arabic"  # "arabic": 2026年11月23日 (GB/T 9704-2012); "hanzi": 二〇二六年…


def chinese_date(day: dt.date, style: str = "arabic") -> str:
    """2026年11月23日, or 二〇二六年十一月二十三日 with style="hanzi"."""
    if style != "hanzi":
        return f"{day.year}年{day.month}月{day.day}日"
    year = "".join(CN_DIGITS[int(c)] for c in str(day.year))
    return f"{year}年{format_int(day.month)}月{format_int(day.day)}日"
