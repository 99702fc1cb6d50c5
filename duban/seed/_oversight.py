"""The demo's oversight: leader instructions, inspections with rectifications, issued notices."""

import datetime as dt

from duban.seed._story import LATE
from duban.seed._world import World, id_of
from models import (
    DocCounter,
    Finding,
    Inspection,
    InspectionDepartment,
    InspectionMethod,
    InspectionResult,
    InspectionTask,
    Instruction,
    InstructionAnswer,
    Notice,
    NoticeKind,
    NoticeRecipient,
    NoticeStatus,
    NoticeTask,
    RectificationStatus,
    Task,
)

# (task index, the leader's instruction, answered by the lead unit)
INSTRUCTIONS = [
    (3, "此项任务已逾期，请牵头单位说明原因并限期完成。", True),
    (13, "工程建设项目审批改革是重点，务必按期推进。", True),
    (16, "请抓紧落实，下周报送进展。", False),
]
RESULTS = [
    InspectionResult.good,
    InspectionResult.fairly_good,
    InspectionResult.average,
    InspectionResult.poor,
]
SIGNATURE = "市行政审批制度改革领导小组办公室"


def give_instructions(world: World) -> None:
    """The leader's instructions on three tasks, twelve days ago; one still unanswered."""
    session = world.session
    for idx, text, answered in INSTRUCTIONS:
        t = world.tasks[idx]
        ins = Instruction(
            task_id=id_of(t),
            author_id=world.users["leader"],
            text=text,
            created_at=world.at(world.today - dt.timedelta(days=12)),
        )
        session.add(ins)
        session.flush()
        if answered:
            lead = world.lead_of(t)
            session.add(
                InstructionAnswer(
                    instruction_id=id_of(ins),
                    department_id=lead,
                    author_id=world.head_of[lead],
                    text="已召开专题会议部署，正在加快推进。",
                    created_at=world.at(world.today - dt.timedelta(days=10)),
                )
            )


def inspect_and_rectify(world: World) -> None:
    """An inspection every 25 days since the plan was issued; a poor one leaves a finding."""
    session, methods = world.session, list(InspectionMethod)
    for k in range(6):
        day = world.issued + dt.timedelta(days=25 * (k + 1))
        if day > world.today:
            break
        insp = Inspection(
            plan_id=id_of(world.plan),
            inspected_on=day,
            method=methods[k % 4],
            result=RESULTS[(k * 3) % 4],
            inspectors="赵督查、钱督查",
            narrative="督查组对照实施方案，实地查看窗口运行情况并调阅台账。",
            recorded_by=world.users["inspector"],
            created_at=world.at(day, 17),
        )
        session.add(insp)
        session.flush()
        seen = world.rng.sample(world.tasks[:30], 3)
        for d in {world.lead_of(t) for t in seen}:
            session.add(InspectionDepartment(inspection_id=id_of(insp), department_id=d))
        for t in seen:
            session.add(InspectionTask(inspection_id=id_of(insp), task_id=id_of(t)))
        if insp.result in (InspectionResult.average, InspectionResult.poor):
            session.add(_finding(world, insp, seen[0]))


def _finding(world: World, insp: Inspection, t: Task) -> Finding:
    """The rectification item for the lead unit of `t`, accepted if due over a month ago."""
    due = insp.inspected_on + dt.timedelta(days=15)
    accepted = due < world.today - dt.timedelta(days=30)
    f = Finding(
        inspection_id=id_of(insp),
        department_id=world.lead_of(t),
        task_id=id_of(t),
        description="办事指南要素不全，部分事项仍要求群众重复提交材料。",
        due_date=due,
        status=RectificationStatus.accepted if accepted else RectificationStatus.open,
        created_at=world.at(insp.inspected_on, 17),
    )
    if accepted:
        f.answer_text, f.answered_at = "已补全办事指南要素。", world.at(due - dt.timedelta(days=2))
        f.recheck_note, f.rechecked_at = "复查合格。", world.at(due)
    return f


def issue_notices(world: World) -> None:
    """A yellow urging notice to the first late task's lead unit and a monthly bulletin to all."""
    session, year = world.session, world.today.year
    late_tasks = [world.tasks[i] for i in sorted(LATE)]
    late_unit = world.lead_of(late_tasks[0])
    named = [t for t in late_tasks if world.lead_of(t) == late_unit][:2]
    urging, bulletin = _urging(world, late_unit, named), _bulletin(world)
    session.add_all([urging, bulletin])
    session.flush()
    session.add(
        NoticeRecipient(
            notice_id=id_of(urging), department_id=late_unit, delivered_at=urging.issued_at
        )
    )
    for t in named:
        session.add(NoticeTask(notice_id=id_of(urging), task_id=id_of(t)))
    issued_at = bulletin.issued_at
    assert issued_at is not None
    for d in world.departments:
        dept_id = id_of(d)
        session.add(
            NoticeRecipient(
                notice_id=id_of(bulletin),
                department_id=dept_id,
                delivered_at=issued_at,
                acknowledged_at=issued_at + dt.timedelta(hours=5) if dept_id % 3 else None,
                acknowledged_by=world.head_of[dept_id] if dept_id % 3 else None,
            )
        )
    session.add_all(
        [
            DocCounter(kind="urging", year=year, last_seq=1),
            DocCounter(kind="bulletin", year=year, last_seq=1),
        ]
    )


def _urging(world: World, unit: int, tasks: list[Task]) -> Notice:
    """The urging notice (督办通知) the inspector issued nine days ago about two of the unit's
    late tasks, its reply now overdue."""
    today, year, inspector = world.today, world.today.year, world.users["inspector"]
    named = "、".join(f"“{t.title}”（任务编号{t.code}）" for t in tasks)
    return Notice(
        kind=NoticeKind.urging,
        level="yellow",
        status=NoticeStatus.issued,
        title="关于加快推进逾期任务的督办通知",
        addressees=next(d.name for d in world.departments if d.id == unit),
        body=f"经督查，你单位牵头的{named}共{len(tasks)}项任务已超过完成时限仍未办结。",
        requirements="请于5个工作日内书面报送整改情况。",
        signature=SIGNATURE,
        doc_number=f"督办〔{year}〕1号",
        doc_year=year,
        doc_seq=1,
        created_by=inspector,
        issued_by=inspector,
        issued_at=world.at(today - dt.timedelta(days=9)),
        reply_due=today - dt.timedelta(days=2),
        created_at=world.at(today - dt.timedelta(days=10)),
    )


def _bulletin(world: World) -> Notice:
    """The monthly bulletin (通报) the office issued twenty days ago."""
    today, year, office = world.today, world.today.year, world.users["office"]
    return Notice(
        kind=NoticeKind.bulletin,
        status=NoticeStatus.issued,
        title=f"关于{_month_label(today - dt.timedelta(days=20))}“零跑腿”工作推进情况的通报",
        addressees="各成员单位",
        body="现将上月“零跑腿”工作推进情况通报如下。各成员单位按照实施方案分工推进各项任务。",
        extra=_month_extra(today - dt.timedelta(days=20)),
        signature=SIGNATURE,
        doc_number=f"通报〔{year}〕1号",
        doc_year=year,
        doc_seq=1,
        period_label=_month_label(today - dt.timedelta(days=20)),
        created_by=office,
        issued_by=office,
        issued_at=world.at(today - dt.timedelta(days=20)),
        created_at=world.at(today - dt.timedelta(days=21)),
    )


def _previous_month(day: dt.date) -> tuple[dt.date, dt.date]:
    end = day.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def _month_label(issued: dt.date) -> str:
    start, _ = _previous_month(issued)
    return f"{start.year}年{start.month}月"


def _month_extra(issued: dt.date) -> dict:
    """A monthly bulletin about the month before it was issued (without figures: the demo
    does not know how the plan stood then, so a new bulletin does not compare with it)."""
    start, end = _previous_month(issued)
    return {"period": "month", "period_start": start.isoformat(), "period_end": end.isoformat()}
