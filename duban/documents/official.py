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

    @classmethod
    def of(cls, value: "AttachmentTable | dict") -> "AttachmentTable":
        if isinstance(value, AttachmentTable):
            return value
        return cls(
            title=str(value.get("title", "")),
            columns=[str(c) for c in value.get("columns", [])],
            rows=[list(r) for r in value.get("rows", [])],
        )


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
