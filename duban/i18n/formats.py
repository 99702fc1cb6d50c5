"""Punctuation, dates and calendar words that differ between the two UI languages."""

STRINGS = {
    # Joins of names and phrases: 、 ； ： and （） are Chinese punctuation.
    "punct.enum": ("、", ", "),
    "punct.list": ("；", "; "),
    "punct.colon": ("：", ": "),
    "punct.comma": ("，", ", "),
    "punct.paren": ("（{x}）", " ({x})"),
    "punct.open": ("（", " ("),
    "punct.close": ("）", ")"),
    "punct.gap": ("　", " · "),
    # Monday first, as date.weekday() counts.
    "date.weekdays": ("周一,周二,周三,周四,周五,周六,周日", "Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
    "cal.year": ("{year} 年", "{year}"),
    "cal.years_sep": ("、", ", "),
    "cal.unknown_years": (
        "{years}的法定节假日和调休安排尚未录入“节假日与调休”表，工作日暂按周一至周五计算，"
        "逾期和临期天数可能不准。",
        "The public holidays and make-up working days of {years} are not in the Holidays table "
        "yet: working days count as Monday–Friday, so overdue and due-soon days may be off.",
    ),
}
