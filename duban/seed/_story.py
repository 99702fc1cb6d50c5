"""The demo story of the plan, part by part: tasks, units, progress, targets, deadlines."""

import datetime as dt
import random
import re

from sqlmodel import select

from duban.core.numerals import format_int
from duban.monitoring import cycles, holidays
from duban.monitoring.workdays import WorkCalendar
from duban.seed._world import PHASES, World, dates_of, id_of, workdays_back
from models import (
    Assignment,
    AssignmentRole,
    Direction,
    ExtensionRequest,
    Milestone,
    ProgressReport,
    ReportKind,
    RequestStatus,
    Target,
    TargetReading,
    Task,
    TaskCategory,
    TaskStatus,
)

# (phase index, title, target text or None)
DEMO_TASKS: list[tuple[int, str, str | None]] = [
    (0, "梳理公布“零跑腿”服务事项清单", None),
    (0, "逐项编制办事指南和工作规范", None),
    (0, "建立政务服务事项动态调整机制", None),
    (0, "公布首批“一件事一次办”主题清单", None),
    (0, "完成政务服务事项标准化梳理", "事项标准化率达100%以上"),
    (0, "清理规范证明材料", None),
    (0, "建立容缺受理事项清单", None),
    (0, "梳理高频事项“掌上办”清单", None),
    (0, "制定帮办代办服务规范", None),
    (0, "开展政务服务窗口作风整治", None),
    (1, "推进企业开办全程网办", "企业开办时间压缩至1个工作日以内"),
    (1, "推行不动产登记“一窗受理”", "不动产登记办理时限压缩至3个工作日以内"),
    (1, "推进社保业务“网上办”", "网上可办率达80%以上"),
    (1, "开展工程建设项目审批制度改革试点", None),
    (1, "推进电子证照归集共享", "电子证照归集率达90%以上"),
    (1, "推行“好差评”制度", "差评整改率达100%"),
    (1, "推进医保业务就近办", None),
    (1, "开展“证照分离”改革全覆盖", None),
    (1, "建设24小时自助服务区", None),
    (1, "推进户籍业务跨省通办", None),
    (2, "实现100%审批服务事项“网上办”", "网上可办率达100%"),
    (2, "全面推行快递送达服务", None),
    (2, "推进政务服务向基层延伸", None),
    (2, "建立政务服务效能监测平台", None),
    (2, "开展“零跑腿”满意度第三方评估", "群众满意度不低于95%"),
    (2, "完善“一网通办”统一身份认证", None),
    (2, "推进数据共享交换平台建设", None),
    (2, "开展政务服务“红黑榜”评比", "红牌率不高于8%"),
    (2, "总结推广“零跑腿”经验做法", None),
    (2, "建立常态化督查问效机制", None),
]
SUBTASKS = ["推进社保卡业务全程网办", "推进养老保险关系转移网上办"]  # under 二(三)

# The story each task tells, by its index in DEMO_TASKS.
LATE = {3, 6, 13, 16, 19}  # past deadline, not completed
STAGNANT = {11, 17, 24}  # no report for a long while
BEHIND = {14, 22}  # far behind 序时进度
EXTENDED = {12, 15, 18}  # deadline extended once
PENDING_EXTENSION = 20  # an extension request awaiting the office
# Tasks with a 报送频次 of their own (the others follow the plan's, 每月10日前): the cycle,
# and per unit (lead first, then the responsible units) how many of its latest due dates
# the unit let pass without a report (未按期报送 now); the others report on every due date.
OWN_CYCLES: dict[int, tuple[str, tuple[int, ...]]] = {
    3: ("weekly:5", (0, 2)),  # 每周五: its first responsible unit missed the last two
    13: ("monthly:20", (0, 1)),  # 每月20日前: its first responsible unit missed the last one
    16: ("weekly:5", (1,)),  # 每周五: the lead unit missed last Friday
    19: ("quarterly:1:10", ()),  # 每季度首月10日前: everyone on time
    27: ("none", ()),  # 不定期 (and suspended)
}


# 督办事项来源 by the tasks' content: the plan's own yearly work, except a few a leader's 批示
# asked for, a few the group's meetings decided, and the big platform projects. Every weight
# stays 1 (the demo's assessment figures do not move).
CATEGORY_OF: dict[int, str] = {
    9: "领导批示交办",  # 窗口作风整治
    27: "领导批示交办",  # “红黑榜”评比
    3: "会议议定事项",  # 首批“一件事一次办”
    19: "会议议定事项",  # 户籍业务跨省通办
    29: "会议议定事项",  # 常态化督查问效机制
    13: "重大项目",  # 工程建设项目审批制度改革试点
    18: "重大项目",  # 24小时自助服务区
    23: "重大项目",  # 政务服务效能监测平台
    26: "重大项目",  # 数据共享交换平台
}
DEFAULT_CATEGORY = "年度重点工作"


def _rhythm(idx: int) -> str:
    """The description's reporting sentence, true to the task's 报送频次."""
    code = OWN_CYCLES.get(idx, ("monthly:10",))[0]
    if code == "none":
        return "根据工作进展及时报送"
    return f"{cycles.label(cycles.parse(code))}报送进展"


def add_tasks(world: World) -> None:
    """The plan's thirty tasks, phase by phase, each with the deadline and status of its story."""
    today, issued, rng = world.today, world.issued, world.rng
    phase_ends = [
        issued + dt.timedelta(days=75),
        today + dt.timedelta(days=10),
        today + dt.timedelta(days=120),
    ]
    counters = [0, 0, 0]
    for idx, (ph, title, _target) in enumerate(DEMO_TASKS):
        counters[ph] += 1
        lo = issued + dt.timedelta(days=30) if ph == 0 else phase_ends[ph - 1]
        span = max(10, (phase_ends[ph] - lo).days)
        deadline = lo + dt.timedelta(days=rng.randint(span // 3, span))
        if idx in LATE:
            deadline = min(deadline, today - dt.timedelta(days=rng.randint(8, 40)))
        start = issued if ph == 0 else lo - dt.timedelta(days=20)
        status = _status(idx, ph, deadline, today)
        t = Task(
            plan_id=id_of(world.plan),
            code=f"{format_int(ph + 1)}({format_int(counters[ph])})",
            title=title,
            phase=PHASES[ph],
            start_date=start,
            deadline=deadline,
            original_deadline=deadline,
            status=status,
            description=f"{title}。各责任单位对照职责抓好落实，{_rhythm(idx)}。",
            sort_key=f"{ph:02d}.{counters[ph]:03d}",
            assigned_at=world.at(start),
            created_at=world.at(issued),
            updated_at=world.at(start),
        )
        if status == TaskStatus.suspended:
            t.status_reason = "上级政策调整，暂缓推进"
        if idx in OWN_CYCLES:
            t.report_cycle = OWN_CYCLES[idx][0]
        world.tasks.append(t)
    world.session.add_all(world.tasks)
    world.session.flush()


def _status(idx: int, phase: int, deadline: dt.date, today: dt.date) -> TaskStatus:
    """Done when well past its deadline (unless late); a few assigned, submitted, suspended."""
    status = TaskStatus.in_progress
    if deadline < today - dt.timedelta(days=5) and idx not in LATE:
        status = TaskStatus.completed
    if phase == 2 and idx % 4 == 0:
        status = TaskStatus.assigned
    if idx == 9:
        status = TaskStatus.submitted
    if idx == 27:
        status = TaskStatus.suspended
    return status


def add_subtasks(world: World) -> None:
    """Two subtasks under 二(三), to show the hierarchy through codes."""
    parent = world.tasks[12]
    for j, title in enumerate(SUBTASKS, start=1):
        sub = Task(
            plan_id=id_of(world.plan),
            parent_id=parent.id,
            code=f"{parent.code}{j}",
            title=title,
            phase=parent.phase,
            start_date=parent.start_date,
            deadline=parent.deadline,
            original_deadline=parent.deadline,
            status=TaskStatus.in_progress,
            sort_key=f"{parent.sort_key}.{j:02d}",
            assigned_at=parent.assigned_at,
            created_at=parent.created_at,
            updated_at=parent.updated_at,
        )
        world.session.add(sub)
        world.tasks.append(sub)
    world.session.flush()


def classify(world: World) -> None:
    """Each task's 督办事项来源 (CATEGORY_OF, else 年度重点工作); a subtask takes its parent's.
    The common sources must exist (categories.ensure_defaults)."""
    ids = {c.name: c.id for c in world.session.exec(select(TaskCategory)).all()}
    by_id: dict[int | None, int | None] = {}
    for idx, t in enumerate(world.tasks):
        if t.parent_id is not None:
            t.category_id = by_id[t.parent_id]
        else:
            t.category_id = ids[CATEGORY_OF.get(idx, DEFAULT_CATEGORY)]
        by_id[t.id] = t.category_id
        world.session.add(t)
    world.session.flush()


def assign_units(world: World) -> None:
    """A lead and one to three responsible units per task; most have acknowledged."""
    rng, depts = world.rng, world.departments
    for idx, t in enumerate(world.tasks):
        assigned_at = t.assigned_at
        assert assigned_at is not None
        lead = depts[idx % len(depts)] if idx < 30 else depts[3]
        others = rng.sample([d for d in depts if d.id != lead.id], rng.randint(1, 3))
        units = [(lead, AssignmentRole.lead)] + [(o, AssignmentRole.responsible) for o in others]
        for d, role in units:
            ack = None
            if t.status != TaskStatus.assigned or rng.random() < 0.3:
                ack = min(assigned_at + dt.timedelta(hours=rng.randint(2, 60)), world.now)
            world.assignments.append(
                Assignment(
                    task_id=id_of(t),
                    department_id=id_of(d),
                    role=role,
                    assigned_at=assigned_at,
                    acknowledged_at=ack,
                    acknowledged_by=world.head_of[id_of(d)] if ack else None,
                )
            )
    world.session.add_all(world.assignments)
    world.session.flush()
    for a in world.assignments:
        world.by_task.setdefault(a.task_id, []).append(a)


def report_progress(world: World) -> None:
    """Reports roughly every two weeks per unit, until today or until the story stops them;
    on the tasks with a cycle of their own, on its due dates (some units stopped)."""
    today, rng = world.today, world.rng
    cal = holidays.load_calendar(world.session)
    for idx, t in enumerate(world.tasks):
        if t.status in (TaskStatus.assigned,):
            continue
        _start, deadline = dates_of(t)
        stop = today
        if idx in STAGNANT:
            stop = workdays_back(today, rng.randint(14, 25))
        if t.status == TaskStatus.completed:
            stop = deadline - dt.timedelta(days=rng.randint(1, 6))
        for pos, a in enumerate(world.by_task[id_of(t)]):
            # drawn for every task, so that the rest of the story stays as it was
            reports = _periodic_reports(world, idx, t, a, stop)
            own = OWN_CYCLES.get(idx)
            if own is not None and own[0] != "none":
                skip = own[1][pos] if pos < len(own[1]) else 0
                reports = _cycle_reports(world, idx, t, a, own[0], skip, min(stop, today), cal)
            world.reports += reports
            if t.status in (TaskStatus.completed, TaskStatus.submitted):
                world.reports.append(_final_report(world, t, a, min(stop, today)))
        if t.status == TaskStatus.completed:
            t.completed_at = world.at(min(stop + dt.timedelta(days=2), today), 11)
            t.submitted_at = world.at(stop, 16)
        if t.status == TaskStatus.submitted:
            t.submitted_at = world.at(today, 16)
    world.session.add_all(world.reports)
    world.session.flush()


def _periodic_reports(
    world: World, idx: int, t: Task, a: Assignment, stop: dt.date
) -> list[ProgressReport]:
    """One unit's reports on one task, their percent following 序时进度 (or lagging behind)."""
    rng = world.rng
    start, deadline = dates_of(t)
    total = max(1, (deadline - start).days)
    day = start + dt.timedelta(days=rng.randint(5, 12))
    pct = 0.0
    reports = []
    while day <= stop:
        expected = min(100.0, 100.0 * (day - start).days / total)
        factor = 0.35 if (idx in BEHIND or idx in LATE) else rng.uniform(0.8, 1.1)
        pct = max(pct, min(95.0, round(expected * factor / 5) * 5))
        reports.append(
            ProgressReport(
                task_id=id_of(t),
                assignment_id=id_of(a),
                department_id=a.department_id,
                reporter_id=world.head_of[a.department_id],
                percent=pct,
                done_text=f"本阶段完成{t.title}相关工作，进度{pct:.0f}%。",
                problems=rng.choice(["", "", "部门间数据共享接口尚未打通。", "人员力量不足。"]),
                next_steps="按计划推进下一步工作。",
                reported_at=world.at(day, rng.randint(9, 17)),
            )
        )
        day += dt.timedelta(days=rng.randint(10, 18))
    return reports


def _cycle_reports(
    world: World,
    idx: int,
    t: Task,
    a: Assignment,
    code: str,
    skip: int,
    stop: dt.date,
    cal: WorkCalendar,
) -> list[ProgressReport]:
    """One unit's reports on the due dates of the task's own cycle before `stop` (the day
    itself or the working day before), but the last `skip` of them: those it missed."""
    rng = random.Random(f"{idx}:{a.department_id}")  # apart from the story's draws
    start, deadline = dates_of(t)
    assigned = a.assigned_at.date() if a.assigned_at else start
    dues = cycles.due_dates(cycles.parse(code), assigned, stop - dt.timedelta(days=1), cal)
    dues = dues[: len(dues) - skip] if skip else dues
    total = max(1, (deadline - start).days)
    factor = 0.35 if (idx in BEHIND or idx in LATE) else 0.95
    reports = []
    pct = 0.0
    for due in dues:
        day = due
        if rng.random() < 0.4:  # some a working day early
            before = cal.add_working_days(due, -1)
            day = before if before > assigned else due
        expected = min(100.0, 100.0 * (day - start).days / total)
        pct = max(pct, min(95.0, round(expected * factor / 5) * 5))
        reports.append(
            ProgressReport(
                task_id=id_of(t),
                assignment_id=id_of(a),
                department_id=a.department_id,
                reporter_id=world.head_of[a.department_id],
                percent=pct,
                done_text=f"按期报送：{t.title}推进情况，进度{pct:.0f}%。",
                problems=rng.choice(["", "", "部门间数据共享接口尚未打通。"]),
                next_steps="按计划推进下一步工作。",
                reported_at=world.at(day, rng.randint(9, 17)),
            )
        )
    return reports


def _final_report(world: World, t: Task, a: Assignment, day: dt.date) -> ProgressReport:
    """100 %: the lead unit's report asks to close the task, the others' say they are done."""
    return ProgressReport(
        task_id=id_of(t),
        assignment_id=id_of(a),
        department_id=a.department_id,
        reporter_id=world.head_of[a.department_id],
        percent=100,
        kind=ReportKind.completion if a.role == AssignmentRole.lead else ReportKind.progress,
        done_text="任务已全部完成，申请销号。",
        reported_at=world.at(day, 16),
    )


def add_targets(world: World) -> None:
    """A numeric target per task that states one, read off each of its lead unit's reports."""
    session = world.session
    for idx, (_, _, target_text) in enumerate(DEMO_TASKS):
        if not target_text:
            continue
        task_id = id_of(world.tasks[idx])
        m = re.search(r"(\d+(?:\.\d+)?)\s*(%|个工作日)", target_text)
        value = float(m.group(1)) if m else None
        unit = m.group(2) if m else None
        lower = any(w in target_text for w in ("以内", "不高于", "压缩"))
        direction = Direction.le if lower else Direction.ge
        baseline = (value * 3 if lower else value * 0.5) if value else None
        tg = Target(
            task_id=task_id,
            text=target_text,
            baseline=baseline,
            target_value=value,
            direction=direction,
            unit=unit,
        )
        session.add(tg)
        session.flush()
        if value is None or baseline is None:
            continue
        lead = world.lead_of(world.tasks[idx])
        for r in world.reports:
            if r.task_id == task_id and r.department_id == lead:
                cur = baseline + (value - baseline) * r.percent / 100
                session.add(
                    TargetReading(
                        target_id=id_of(tg),
                        report_id=id_of(r),
                        value=round(cur, 1),
                        recorded_at=r.reported_at,
                    )
                )


def add_milestones(world: World) -> None:
    """A mid-way milestone on six phase-two tasks, met by some of those already past it."""
    for t in world.tasks[10:16]:
        start, deadline = dates_of(t)
        mid = start + (deadline - start) / 2
        world.session.add(
            Milestone(
                task_id=id_of(t),
                title="完成方案制定和系统对接",
                due_date=mid,
                done_on=mid if mid < world.today and id_of(t) % 2 else None,
            )
        )


def extend_deadlines(world: World) -> None:
    """Approved extensions move the deadline (the original stays); one request still pending."""
    session, office_id = world.session, world.users["office"]
    for idx in sorted(EXTENDED):
        t = world.tasks[idx]
        _start, deadline = dates_of(t)
        new = deadline + dt.timedelta(days=30)
        lead = world.lead_of(t)
        # asked shortly before the deadline, or (a deadline still ahead) a week ago
        asked = min(deadline - dt.timedelta(days=5), world.today - dt.timedelta(days=7))
        session.add(
            ExtensionRequest(
                task_id=id_of(t),
                department_id=lead,
                requested_by=world.head_of[lead],
                requested_at=world.at(asked),
                previous_deadline=deadline,
                requested_date=new,
                reason="涉及省级系统对接，需等待省平台接口开放。",
                status=RequestStatus.approved,
                decided_by=office_id,
                decided_at=world.at(asked + dt.timedelta(days=2)),
                approved_date=new,
                decision_note="同意延期，请加快推进。",
            )
        )
        t.deadline = new
    pend = world.tasks[PENDING_EXTENSION]
    _start, deadline = dates_of(pend)
    lead = world.lead_of(pend)
    session.add(
        ExtensionRequest(
            task_id=id_of(pend),
            department_id=lead,
            requested_by=world.head_of[lead],
            requested_at=world.at(world.today - dt.timedelta(days=1)),
            previous_deadline=deadline,
            requested_date=deadline + dt.timedelta(days=45),
            reason="第三方平台改造周期较长。",
        )
    )
