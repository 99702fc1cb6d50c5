"""The progress bulletin's builder: the period's figures against the last bulletin's, praised
and criticised units, new problems, extended tasks, and the three tables it attaches."""

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from duban.core.errors import ValidationFailed
from duban.documents.official import AttachmentTable
from duban.notices import _shared, facts
from duban.notices import rules as notice_rules
from duban.notices._kinds import Content, Source
from duban.notices._shared import cn_date
from duban.notices.labels import PERIODS
from duban.tasks import reading as task_reading
from models import (
    Department,
    Finding,
    Notice,
    NoticeKind,
    NoticeStatus,
    ProgressReport,
    Task,
    TaskStatus,
)
from models.common import OPEN_STATUSES

Row = dict[str, Any]


def bulletin(src: Source) -> Content:
    """工作进展通报 to every unit for a week, month or quarter: by default the last complete
    one, compared with the previous bulletin of the same period kind."""
    kind = src.request.period
    if kind not in PERIODS:
        raise ValidationFailed("通报周期只能是周报、月报或季报。")
    session, today = src.session, src.today
    period = _shared.period_for(kind, today, src.request.period_start)
    tasks = [
        r
        for r in src.frames.tasks.iter_rows(named=True)
        if r["status"] not in ("draft", "cancelled")
    ]
    figures = _figures(session, tasks, period)
    prev = _previous_bulletin(session, kind, period.start)
    prev_fig = (prev.extra or {}).get("figures", {}) if prev else {}
    records = facts.unit_records(session, today, src.frames)
    praised = facts.praised_units(records, src.rules)
    criticised = facts.criticised_units(records, src.rules)
    missed = [r for r in records if r.missed_reports]
    extended = _extended(tasks)
    overdue = [t for t in tasks if _is_overdue(t)]
    label = period.label
    return Content(
        title=f"关于{label}{src.plan_title}推进情况的通报",
        context={
            "period_label": label,
            "period_start": cn_date(period.start),
            "period_end": cn_date(period.end),
            "as_of": cn_date(today),
            "previous": prev.doc_number if prev and prev_fig else None,
            "figures": figures,
            "changes": {
                k: _change(v, prev_fig.get(k)) for k, v in figures.items() if isinstance(v, int)
            },
            "praised": [{"name": r.name, "facts": r.merits()} for r in praised],
            "criticised": [{"name": r.name, "facts": r.shortcomings()} for r in criticised],
            "new_problems": _new_problems(session, tasks, period.start, period.end)[:10],
            "missed_units": [{"name": r.name, "facts": r.missed_text()} for r in missed],
            "extended": extended,
            "praise_rule": notice_rules.praise_rule_text(src.rules),
            "criticism_rule": notice_rules.criticism_rule_text(src.rules),
        },
        addressees="各成员单位",
        recipients=[r.department_id for r in records],
        attachments=[
            _unit_table(label, records),
            _overdue_table(overdue),
            _extended_table(extended),
        ],
        extra={
            "figures": figures,
            "period": kind,
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
            "previous": prev.doc_number if prev and prev_fig else None,
            "praised": [r.department_id for r in praised],
            "criticised": [r.department_id for r in criticised],
            "facts": {
                "figures": figures,
                "period": [period.start.isoformat(), period.end.isoformat()],
                "missed_reports": {
                    str(r.department_id): [m.as_dict() for m in r.missed_reports] for r in missed
                },
            },
        },
        period_label=label,
    )


def _is_overdue(t: Row) -> bool:
    return t["status"] in OPEN_STATUSES and (t["overdue_wd"] or 0) > 0


def _figures(session: Session, tasks: list[Row], period: _shared.Period) -> dict[str, Any]:
    """The counts as of today (tasks, completed and on time, open, overdue, lights, extended)
    and the tasks completed within the period."""
    completed_at = {
        task_id: at
        for task_id, at in session.exec(
            select(Task.id, Task.completed_at).where(col(Task.completed_at).is_not(None))
        ).all()
        if at is not None
    }

    def on_time(t: Row) -> bool:
        done, due = completed_at.get(t["task_id"]), t["original_deadline"] or t["deadline"]
        return done is not None and due is not None and done.date() <= due

    completed = [t for t in tasks if t["status"] == TaskStatus.completed]
    completed_on_time = [t for t in completed if on_time(t)]
    in_period = [
        t
        for t in completed
        if (at := completed_at.get(t["task_id"])) is not None
        and period.start <= at.date() <= period.end
    ]
    return {
        "total": len(tasks),
        "completed": len(completed),
        "on_time": len(completed_on_time),
        "on_time_rate": facts.percent(len(completed_on_time) / len(completed))
        if completed
        else "—",
        "completed_in_period": len(in_period),
        "open": sum(1 for t in tasks if t["status"] in OPEN_STATUSES),
        "overdue": sum(1 for t in tasks if _is_overdue(t)),
        "red": sum(1 for t in tasks if t["colour"] == "red"),
        "yellow": sum(1 for t in tasks if t["colour"] == "yellow"),
        "extended": sum(1 for t in tasks if t["extensions"]),
    }


def _previous_bulletin(session: Session, kind: str, start: dt.date) -> Notice | None:
    """The last issued bulletin of the same period kind about an earlier period (a scorecard
    published as a 通报, or a bulletin of another rhythm, is not its previous one)."""
    issued = session.exec(
        select(Notice)
        .where(Notice.kind == NoticeKind.bulletin, Notice.status == NoticeStatus.issued)
        .order_by(col(Notice.issued_at).desc())
    ).all()
    for n in issued:
        extra = n.extra or {}
        if extra.get("period") != kind:
            continue
        began = extra.get("period_start")
        if began is not None and dt.date.fromisoformat(began) >= start:
            continue
        return n
    return None


def _change(now: int, before: int | None) -> str:
    """The change against the previous bulletin in words; empty when it had no such figure."""
    if before is None:
        return ""
    d = now - before
    return "与上期持平" if d == 0 else (f"比上期增加{d}项" if d > 0 else f"比上期减少{-d}项")


def _new_problems(
    session: Session, tasks: list[Row], start: dt.date, end: dt.date
) -> list[dict[str, str]]:
    """Problems raised within the period: each unit's latest reported one, then every finding."""
    since = dt.datetime.combine(start, dt.time.min)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)
    names = {d.id: d.name for d in session.exec(select(Department)).all()}
    titles = {
        t["task_id"]: f"{t['title']}（任务编号{t['code']}）" if t["code"] else t["title"]
        for t in tasks
    }
    problems = []
    seen = set()
    for rep in session.exec(
        select(ProgressReport)
        .where(
            ProgressReport.reported_at >= since,
            ProgressReport.reported_at < until,
            ProgressReport.problems != "",
            task_reading.not_superseded(),  # a corrected report's problems were replaced
        )
        .order_by(col(ProgressReport.reported_at).desc())
    ).all():
        if rep.department_id in seen or rep.task_id not in titles:
            continue
        seen.add(rep.department_id)
        problems.append(
            {
                "unit": names.get(rep.department_id, ""),
                "task": titles[rep.task_id],
                "text": rep.problems.strip(),
            }
        )
    for f in session.exec(
        select(Finding).where(Finding.created_at >= since, Finding.created_at < until)
    ).all():
        problems.append(
            {
                "unit": names.get(f.department_id, ""),
                "task": titles.get(f.task_id, "督查发现"),
                "text": f.description,
            }
        )
    return problems


def _extended(tasks: list[Row]) -> list[Row]:
    """The tasks whose deadline was extended, with the original and the new deadline."""
    return [
        {
            "code": t["code"],
            "title": t["title"],
            "lead": t["lead_name"] or "",
            "original_deadline": cn_date(t["original_deadline"]),
            "deadline": cn_date(t["deadline"]),
            "extensions": t["extensions"],
        }
        for t in tasks
        if t["extensions"]
    ]


def _unit_table(label: str, records: list[facts.UnitRecord]) -> AttachmentTable:
    return AttachmentTable(
        title=f"各单位任务推进情况表（{label}）",
        columns=[
            "单位",
            "承担任务",
            "已办结",
            "按期办结率",
            "逾期",
            "红灯",
            "黄灯",
            "催办未反馈",
            "整改逾期",
        ],
        rows=[
            [
                r.name,
                r.tasks,
                r.completed,
                facts.percent(r.on_time_rate),
                r.overdue,
                r.red,
                r.yellow,
                r.ignored_notices,
                r.overdue_rectifications,
            ]
            for r in records
        ],
    )


def _overdue_table(overdue: list[Row]) -> AttachmentTable:
    longest_first = sorted(overdue, key=lambda t: -(t["overdue_wd"] or 0))
    return AttachmentTable(
        title="逾期未办结任务清单",
        columns=[
            "序号",
            "编号",
            "任务",
            "牵头单位",
            "原定时限",
            "现完成时限",
            "逾期工作日",
            "进度",
        ],
        rows=[
            [
                i,
                t["code"],
                t["title"],
                t["lead_name"] or "",
                cn_date(t["original_deadline"]),
                cn_date(t["deadline"]),
                t["overdue_wd"],
                "未报送" if t["progress"] is None else f"{t['progress']:.0f}%",
            ]
            for i, t in enumerate(longest_first, start=1)
        ],
    )


def _extended_table(extended: list[Row]) -> AttachmentTable:
    return AttachmentTable(
        title="延期任务原定时限与调整后时限对照表",
        columns=["编号", "任务", "牵头单位", "原定时限", "调整后时限", "延期次数"],
        rows=[
            [
                e["code"],
                e["title"],
                e["lead"],
                e["original_deadline"],
                e["deadline"],
                e["extensions"],
            ]
            for e in extended
        ],
    )
