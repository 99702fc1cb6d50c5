"""Explainable warning lights (红黄绿灯): editable rules, per-task assessment, vectorised frames."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from datetime import date
from enum import StrEnum
from typing import Any

import polars as pl

from duban.monitoring.workdays import WorkCalendar

__all__ = [
    "ALL_STATUSES",
    "COLOUR_LABELS",
    "Colour",
    "OPEN_STATUSES",
    "Warning",
    "WarningInput",
    "WarningRules",
    "assess",
    "assess_frame",
    "expected_progress",
]

OPEN_STATUSES = ("assigned", "acknowledged", "in_progress", "submitted")
GREY_STATUS_REASONS = {"draft": "未交办", "suspended": "已中止", "cancelled": "已撤销"}
ALL_STATUSES = ("draft", *OPEN_STATUSES, "completed", "suspended", "cancelled")


@dataclass
class WarningRules:
    """Thresholds the office can edit; defaults from DOMAIN.md."""

    overdue_red: bool = True
    behind_red_points: float = 30.0
    behind_yellow_points: float = 10.0
    due_soon_working_days: int = 5
    stagnant_working_days: int = 10
    ignored_urgings_red: int = 3
    overdue_rectifications_red: int = 1  # yellow when >= this many rectifications are overdue

    def validate(self) -> list[str]:
        """Chinese messages for broken or contradictory rules; empty if fine."""
        errors: list[str] = []
        if not isinstance(self.overdue_red, bool):
            errors.append("“逾期即红灯”须为是/否")
        for name, label in (
            ("behind_red_points", "红灯进度落后阈值"),
            ("behind_yellow_points", "黄灯进度落后阈值"),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
                errors.append(f"{label}须为数字")
            elif not 0 <= value <= 100:
                errors.append(f"{label}须在 0 到 100 个百分点之间（当前 {value:g}）")
        for name, label, minimum in (
            ("due_soon_working_days", "临期提醒工作日数", 0),
            ("stagnant_working_days", "停滞认定工作日数", 1),
            ("ignored_urgings_red", "催办未回应红灯次数", 1),
            ("overdue_rectifications_red", "整改逾期黄灯项数", 1),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                errors.append(f"{label}须为整数")
            elif value < minimum:
                errors.append(f"{label}不能小于 {minimum}（当前 {value}）")
        yellow, red = self.behind_yellow_points, self.behind_red_points
        if (
            all(isinstance(v, int | float) and not isinstance(v, bool) for v in (yellow, red))
            and yellow >= red
        ):
            errors.append(f"黄灯进度落后阈值（{yellow:g}）须小于红灯进度落后阈值（{red:g}）")
        return errors

    def to_dict(self) -> dict[str, Any]:
        """Plain dict suitable for JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WarningRules:
        """Build from a (JSON) dict; missing keys take defaults; ValueError (Chinese) if bad."""
        if not isinstance(d, dict):
            raise ValueError("预警规则须为键值对象")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(d) - set(known))
        if unknown:
            raise ValueError(f"未知的预警规则项：{'、'.join(map(str, unknown))}")
        values: dict[str, Any] = {}
        errors: list[str] = []
        for name, value in d.items():
            default = known[name].default
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    errors.append(f"规则项 {name} 须为 true/false")
                    continue
            elif isinstance(default, float):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    errors.append(f"规则项 {name} 须为数字")
                    continue
                value = float(value)
            elif isinstance(default, int):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                if isinstance(value, bool) or not isinstance(value, int):
                    errors.append(f"规则项 {name} 须为整数")
                    continue
            values[name] = value
        if errors:
            raise ValueError("；".join(errors))
        rules = cls(**values)
        problems = rules.validate()
        if problems:
            raise ValueError("；".join(problems))
        return rules


class Colour(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"
    GREY = "grey"
    BLUE = "blue"


COLOUR_LABELS = {"red": "红", "yellow": "黄", "green": "绿", "grey": "灰", "blue": "蓝"}


@dataclass
class WarningInput:
    """What the engine needs to know about one task or one unit's assignment."""

    status: str
    start: date | None
    deadline: date | None
    original_deadline: date | None
    progress: float | None  # 0..100, latest reported percent
    last_update: date | None
    ignored_urgings: int = 0
    overdue_rectifications: int = 0
    completed_on: date | None = None


@dataclass
class Warning:
    """A colour with all the reasons that apply (red ones first) and the figures behind them."""

    colour: Colour
    reasons: list[str]
    overdue_working_days: int
    behind_points: float | None
    expected_progress: float | None
    due_in_working_days: int | None = None
    stale_working_days: int | None = None

    @property
    def label(self) -> str:
        """Chinese colour name: 红/黄/绿/灰/蓝."""
        return COLOUR_LABELS[self.colour.value]


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def expected_progress(
    start: date | None, deadline: date | None, today: date, cal: WorkCalendar
) -> float | None:
    """序时进度: elapsed / total working days × 100, clamped to 0..100; None without dates."""
    if start is None or deadline is None:
        return None
    total = cal.working_days_between(start, deadline)
    if total <= 0:
        return 100.0 if today >= deadline else 0.0
    elapsed = cal.working_days_between(start, today)
    return min(max(elapsed / total * 100.0, 0.0), 100.0)


def _check_status(status: str) -> None:
    if status not in ALL_STATUSES:
        raise ValueError(f"未知的任务状态：{status}")


def assess(inp: WarningInput, *, today: date, rules: WarningRules, cal: WorkCalendar) -> Warning:
    """Colour one task (or one unit's assignment) and say why.

    Semantics (shared by ``assess`` and ``assess_frame``, which must agree row by row):

    * ``completed`` → blue "已办结" (+ "逾期 N 个工作日办结" when completed_on > deadline);
      ``draft``/``suspended``/``cancelled`` → grey "未交办"/"已中止"/"已撤销";
      an open task whose start is after today → grey "尚未开始".
    * Open statuses: assigned, acknowledged, in_progress, submitted.
    * Overdue: today > deadline (calendar days). ``overdue_wd`` = working days in (deadline, today];
      the reason is "逾期 N 个工作日", or "已过完成时限" when no working day has passed yet
      (deadline Friday, today Saturday). With ``overdue_red=False`` the overdue reason is yellow.
    * 序时进度 = working days in (start, today] / working days in (start, deadline] × 100, clamped
      to 0..100 (100 once today >= deadline when the span has no working day).
      ``behind_points`` = 序时进度 − progress; a task that has never reported progress counts as
      0 (the reason then says "未填报进度"), so that not reporting is never better than reporting.
      Red if behind > behind_red_points; yellow if behind_yellow_points <= behind <= behind_red_points.
    * Due soon (yellow): not overdue and working days in (today, deadline] <= due_soon_working_days.
    * Stagnant (yellow): working days in (last_update or start, today] >= stagnant_working_days;
      never for ``submitted`` (waiting for sign-off is the office's turn, not the unit's).
    * Urgings (red): ignored_urgings >= ignored_urgings_red.
    * Rectifications (yellow, our choice): overdue_rectifications >= overdue_rectifications_red.
      An overdue rectification is a finding the unit has not answered in time: worth a yellow,
      not by itself a red; the urging ladder (催办 → red) escalates it if it is ignored.
    * Extensions never hide lateness: when original_deadline < deadline a last, informational
      reason "已延期（原完成时限 YYYY-MM-DD）" is added (not for grey tasks).

    Numbers in reasons are integers; points are rounded half up. For grey and blue tasks
    behind_points, due_in_working_days and stale_working_days are None; expected_progress is
    given whenever start and deadline are known.
    """
    _check_status(inp.status)
    exp = expected_progress(inp.start, inp.deadline, today, cal)
    extension: list[str] = []
    if (
        inp.original_deadline is not None
        and inp.deadline is not None
        and inp.original_deadline < inp.deadline
    ):
        extension.append(f"已延期（原完成时限 {inp.original_deadline.isoformat()}）")

    if inp.status in GREY_STATUS_REASONS:
        return Warning(Colour.GREY, [GREY_STATUS_REASONS[inp.status]], 0, None, exp)
    if inp.status == "completed":
        reasons = ["已办结"]
        late = 0
        done, due = inp.completed_on, inp.deadline
        if done is not None and due is not None and done > due:
            late = cal.working_days_between(due, done)
            reasons.append(f"逾期 {late} 个工作日办结" if late > 0 else "超过完成时限办结")
        return Warning(Colour.BLUE, reasons + extension, late, None, exp)
    if inp.start is not None and inp.start > today:
        return Warning(Colour.GREY, ["尚未开始"], 0, None, exp)

    red: list[str] = []
    yellow: list[str] = []
    overdue_wd = 0
    due_in: int | None = None
    if inp.deadline is not None:
        due_in = cal.working_days_between(today, inp.deadline)
        if today > inp.deadline:
            overdue_wd = -due_in
            text = f"逾期 {overdue_wd} 个工作日" if overdue_wd > 0 else "已过完成时限"
            (red if rules.overdue_red else yellow).append(text)
        elif due_in <= rules.due_soon_working_days:
            yellow.append(
                "今日到期" if inp.deadline == today else f"距完成时限还有 {due_in} 个工作日"
            )

    behind: float | None = None
    if exp is not None:
        reported = inp.progress if inp.progress is not None else 0.0
        behind = exp - reported
        if behind > rules.behind_red_points or behind >= rules.behind_yellow_points:
            text = f"进度落后序时进度 {_round_half_up(behind)} 个百分点"
            if inp.progress is None:
                text += "（未填报进度）"
            (red if behind > rules.behind_red_points else yellow).append(text)

    if inp.ignored_urgings >= rules.ignored_urgings_red:
        red.append(f"{inp.ignored_urgings} 次催办未回应")

    stale: int | None = None
    since = inp.last_update if inp.last_update is not None else inp.start
    if since is not None:
        stale = cal.working_days_between(since, today)
        if inp.status != "submitted" and stale >= rules.stagnant_working_days:
            yellow.append(f"{stale} 个工作日未更新")

    if inp.overdue_rectifications >= rules.overdue_rectifications_red:
        yellow.append(f"{inp.overdue_rectifications} 项整改逾期")

    if red:
        colour = Colour.RED
    elif yellow:
        colour = Colour.YELLOW
    else:
        colour = Colour.GREEN
    reasons = red + yellow if (red or yellow) else ["正常推进"]
    return Warning(colour, reasons + extension, overdue_wd, behind, exp, due_in, stale)


_SEP = "\x1f"  # unit separator: never part of a reason text
_FRAME_DATES = ("start", "deadline", "last_update", "completed_on", "original_deadline")


def assess_frame(
    df: pl.DataFrame, *, today: date, rules: WarningRules, cal: WorkCalendar
) -> pl.DataFrame:
    """Vectorised ``assess``: adds colour, reasons, overdue_wd, behind_points,
    expected_progress, due_in_wd, stale_wd; other columns are kept.

    Required columns: status, start, deadline, progress, last_update, ignored_urgings,
    overdue_rectifications, completed_on; ``original_deadline`` is optional.
    """
    required = (
        "status",
        "start",
        "deadline",
        "progress",
        "last_update",
        "ignored_urgings",
        "overdue_rectifications",
        "completed_on",
    )
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValueError(f"缺少列：{'、'.join(missing)}")
    bad = df.get_column("status").cast(pl.String)
    bad = bad.filter(bad.is_null() | ~bad.is_in(list(ALL_STATUSES))).unique()
    if bad.len():
        raise ValueError(f"未知的任务状态：{'、'.join(str(s) for s in bad.to_list())}")

    n = df.height
    date_cols = {
        c: (
            df.get_column(c).cast(pl.Date) if c in df.columns else pl.Series(c, [None] * n, pl.Date)
        )
        for c in _FRAME_DATES
    }
    lo, hi = today, today
    for s in date_cols.values():
        s_min, s_max = s.min(), s.max()
        if s_min is not None:
            lo, hi = min(lo, s_min), max(hi, s_max)
    base, cum = cal.cumulative_index(lo, hi)
    t_idx = today.toordinal() - date(1970, 1, 1).toordinal() - base
    cum_today = int(cum[t_idx])

    since = date_cols["last_update"].fill_null(date_cols["start"])
    work = pl.DataFrame(
        {
            "_status": df.get_column("status").cast(pl.String),
            "_start": date_cols["start"],
            "_deadline": date_cols["deadline"],
            "_orig": date_cols["original_deadline"],
            "_completed": date_cols["completed_on"],
            "_progress": df.get_column("progress").cast(pl.Float64),
            "_urg": df.get_column("ignored_urgings").cast(pl.Int64).fill_null(0),
            "_rect": df.get_column("overdue_rectifications").cast(pl.Int64).fill_null(0),
            "_c_start": cal.cum_at(date_cols["start"], base, cum),
            "_c_dead": cal.cum_at(date_cols["deadline"], base, cum),
            "_c_comp": cal.cum_at(date_cols["completed_on"], base, cum),
            "_c_since": cal.cum_at(since, base, cum),
        }
    )

    col = pl.col
    today_lit = pl.lit(today, dtype=pl.Date)
    status = col("_status")
    total = col("_c_dead") - col("_c_start")
    elapsed = pl.lit(cum_today, dtype=pl.Int64) - col("_c_start")
    exp = (
        pl.when(col("_start").is_null() | col("_deadline").is_null())
        .then(pl.lit(None, dtype=pl.Float64))
        .when(total <= 0)
        .then(pl.when(today_lit >= col("_deadline")).then(100.0).otherwise(0.0))
        .otherwise((elapsed.cast(pl.Float64) / total.cast(pl.Float64) * 100.0).clip(0.0, 100.0))
    )
    work = work.with_columns(exp.alias("_exp"))

    is_grey_status = status.is_in(list(GREY_STATUS_REASONS))
    is_blue = status == "completed"
    not_started = col("_start").is_not_null() & (col("_start") > today_lit)
    is_open = ~is_grey_status & ~is_blue & ~not_started

    due_in = col("_c_dead") - pl.lit(cum_today, dtype=pl.Int64)
    overdue = col("_deadline").is_not_null() & (today_lit > col("_deadline"))
    overdue_wd_open = pl.when(overdue).then(-due_in).otherwise(0)
    behind = col("_exp") - col("_progress").fill_null(0.0)
    stale = pl.lit(cum_today, dtype=pl.Int64) - col("_c_since")
    late_done = (
        col("_completed").is_not_null()
        & col("_deadline").is_not_null()
        & (col("_completed") > col("_deadline"))
    )
    late_wd = col("_c_comp") - col("_c_dead")

    work = work.with_columns(
        pl.when(is_open).then(due_in).otherwise(None).alias("_due_in"),
        pl.when(is_open).then(behind).otherwise(None).alias("_behind"),
        pl.when(is_open).then(stale).otherwise(None).alias("_stale"),
        pl.when(is_open)
        .then(overdue_wd_open)
        .when(is_blue & late_done)
        .then(late_wd)
        .otherwise(0)
        .cast(pl.Int64)
        .alias("_overdue_wd"),
        (is_open & overdue).alias("_overdue"),
        is_open.alias("_open"),
        late_done.alias("_late_done"),
    )

    def when_text(cond: pl.Expr, text: pl.Expr) -> pl.Expr:
        return pl.when(cond).then(text).otherwise(pl.lit(None, dtype=pl.String))

    ow = col("_overdue_wd")
    overdue_text = (
        pl.when(ow > 0).then(pl.format("逾期 {} 个工作日", ow)).otherwise(pl.lit("已过完成时限"))
    )
    b = col("_behind")
    behind_text = pl.format("进度落后序时进度 {} 个百分点", (b + 0.5).floor().cast(pl.Int64)) + (
        pl.when(col("_progress").is_null()).then(pl.lit("（未填报进度）")).otherwise(pl.lit(""))
    )
    due_text = (
        pl.when(col("_deadline") == today_lit)
        .then(pl.lit("今日到期"))
        .otherwise(pl.format("距完成时限还有 {} 个工作日", col("_due_in")))
    )
    behind_red = b.is_not_null() & (b > rules.behind_red_points)
    behind_yellow = (
        b.is_not_null() & ~(b > rules.behind_red_points) & (b >= rules.behind_yellow_points)
    )

    urg_red = col("_open") & (col("_urg") >= rules.ignored_urgings_red)
    due_soon = (
        col("_open")
        & ~col("_overdue")
        & col("_due_in").is_not_null()
        & (col("_due_in") <= rules.due_soon_working_days)
    )
    stagnant = (
        col("_open")
        & (col("_status") != "submitted")
        & col("_stale").is_not_null()
        & (col("_stale") >= rules.stagnant_working_days)
    )
    rect = col("_open") & (col("_rect") >= rules.overdue_rectifications_red)
    red_overdue = col("_overdue") & pl.lit(rules.overdue_red)
    yellow_overdue = col("_overdue") & pl.lit(not rules.overdue_red)
    work = work.with_columns(
        red_overdue.alias("_r_overdue"),
        (col("_open") & behind_red).alias("_r_behind"),
        urg_red.alias("_r_urg"),
        yellow_overdue.alias("_y_overdue"),
        due_soon.alias("_y_due"),
        (col("_open") & behind_yellow).alias("_y_behind"),
        stagnant.alias("_y_stale"),
        rect.alias("_y_rect"),
    )
    has_red = col("_r_overdue") | col("_r_behind") | col("_r_urg")
    has_yellow = (
        col("_y_overdue") | col("_y_due") | col("_y_behind") | col("_y_stale") | col("_y_rect")
    )
    ext_text = when_text(
        ~is_grey_status
        & (is_blue | ~not_started)
        & col("_orig").is_not_null()
        & col("_deadline").is_not_null()
        & (col("_orig") < col("_deadline")),
        pl.format("已延期（原完成时限 {}）", col("_orig").cast(pl.String)),
    )
    grey_text = (
        pl.when(status == "draft")
        .then(pl.lit("未交办"))
        .when(status == "suspended")
        .then(pl.lit("已中止"))
        .when(status == "cancelled")
        .then(pl.lit("已撤销"))
        .when(not_started & ~is_blue)
        .then(pl.lit("尚未开始"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    first_text = (  # at most one of: grey reason, 已办结, 正常推进 (green), or nothing
        pl.when(grey_text.is_not_null())
        .then(grey_text)
        .when(is_blue)
        .then(pl.lit("已办结"))
        .when(~has_red & ~has_yellow)
        .then(pl.lit("正常推进"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    late_text = when_text(
        is_blue & col("_late_done"),
        pl.when(ow > 0)
        .then(pl.format("逾期 {} 个工作日办结", ow))
        .otherwise(pl.lit("超过完成时限办结")),
    )
    parts = [
        first_text,
        late_text,
        when_text(col("_r_overdue"), overdue_text),
        when_text(col("_r_behind"), behind_text),
        when_text(col("_r_urg"), pl.format("{} 次催办未回应", col("_urg"))),
        when_text(col("_y_overdue"), overdue_text),
        when_text(col("_y_due"), due_text),
        when_text(col("_y_behind"), behind_text),
        when_text(col("_y_stale"), pl.format("{} 个工作日未更新", col("_stale"))),
        when_text(col("_y_rect"), pl.format("{} 项整改逾期", col("_rect"))),
        ext_text,
    ]
    colour = (
        pl.when(is_grey_status | (not_started & ~is_blue))
        .then(pl.lit(Colour.GREY.value))
        .when(is_blue)
        .then(pl.lit(Colour.BLUE.value))
        .when(has_red)
        .then(pl.lit(Colour.RED.value))
        .when(has_yellow)
        .then(pl.lit(Colour.YELLOW.value))
        .otherwise(pl.lit(Colour.GREEN.value))
    )
    # Every row has at least one reason (first_text or a red/yellow one). concat_str + split
    # is ~10x faster than concat_list + drop_nulls on polars 2.1.
    reasons = pl.concat_str(parts, separator=_SEP, ignore_nulls=True).str.split(_SEP)
    result = work.select(
        colour.alias("colour"),
        reasons.alias("reasons"),
        col("_overdue_wd").alias("overdue_wd"),
        col("_behind").alias("behind_points"),
        col("_exp").alias("expected_progress"),
        col("_due_in").alias("due_in_wd"),
        col("_stale").alias("stale_wd"),
    )
    kept = df.drop([c for c in result.columns if c in df.columns])
    return pl.concat([kept, result], how="horizontal")
