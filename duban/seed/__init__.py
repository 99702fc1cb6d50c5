"""Demo data relative to today (`--scale demo`) and a large data set for benchmarks."""

import datetime as dt
import random

from sqlalchemy import delete, insert, text
from sqlmodel import Session, SQLModel, func, select

from duban.core import audit, clock
from duban.core.permissions import Actor
from duban.org.auth import DEMO_PASSWORD, hash_password
from models import (
    AppUser,
    Assignment,
    AssignmentRole,
    AuditLog,
    DataVersion,
    Department,
    DepartmentKind,
    DocCounter,
    ExtensionRequest,
    Finding,
    Inspection,
    InspectionDepartment,
    InspectionMethod,
    InspectionResult,
    InspectionTask,
    Instruction,
    InstructionAnswer,
    Milestone,
    Notice,
    NoticeKind,
    NoticeRecipient,
    NoticeStatus,
    NoticeTask,
    Plan,
    ProgressReport,
    RectificationStatus,
    ReportKind,
    RequestStatus,
    Role,
    Target,
    TargetReading,
    Task,
    TaskStatus,
)

DEMO_DEPARTMENTS = [
    ("市政务服务和大数据管理局", "政务服务局", DepartmentKind.city_department),
    ("市发展和改革委员会", "发改委", DepartmentKind.city_department),
    ("市公安局", "公安局", DepartmentKind.city_department),
    ("市人力资源和社会保障局", "人社局", DepartmentKind.city_department),
    ("市市场监督管理局", "市场监管局", DepartmentKind.city_department),
    ("市自然资源和规划局", "自然资源局", DepartmentKind.city_department),
    ("市住房和城乡建设局", "住建局", DepartmentKind.city_department),
    ("市税务局", "税务局", DepartmentKind.city_department),
    ("市卫生健康委员会", "卫健委", DepartmentKind.city_department),
    ("市医疗保障局", "医保局", DepartmentKind.city_department),
    ("新华区人民政府", "新华区", DepartmentKind.district),
    ("卫东区人民政府", "卫东区", DepartmentKind.district),
]
# Sections under the first department (the office's own bureau), for the tree.
DEMO_SECTIONS = [("电子政务科", "电子政务科"), ("审批改革协调科", "审改科")]

PHASES = ["梳理公布", "试点先行", "全面推进"]

DEMO_TASKS: list[tuple[int, str, str | None]] = [
    # (phase index, title, target text or None)
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


def _wd_back(day: dt.date, n: int) -> dt.date:
    """n Monday–Friday days before `day` (close enough for demo data)."""
    while n > 0:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0))


def database_is_empty(session: Session) -> bool:
    return session.exec(select(func.count()).select_from(AppUser)).one() == 0


def reset(session: Session) -> None:
    """Delete all rows (children first), keeping the schema and the data_version row."""
    for table in reversed(SQLModel.metadata.sorted_tables):
        if table.name in ("data_version", "alembic_version"):
            continue
        session.execute(delete(table))
    session.commit()


def _users(session: Session, depts: list[Department], office_dept: Department) -> dict[str, int]:
    pw = hash_password(DEMO_PASSWORD)
    users = [
        AppUser(
            username="office",
            display_name="王主任",
            role=Role.office,
            department_id=office_dept.id,
            password_hash=pw,
        ),
        AppUser(username="leader", display_name="李组长", role=Role.leader, password_hash=pw),
        AppUser(username="inspector", display_name="赵督查", role=Role.inspector, password_hash=pw),
    ]
    surnames = "张刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢"
    for i, d in enumerate(depts, start=1):
        users.append(
            AppUser(
                username=f"dept{i:02d}",
                display_name=f"{surnames[i % 20]}联络员",
                role=Role.dept_head,
                department_id=d.id,
                password_hash=pw,
            )
        )
    session.add_all(users)
    session.flush()
    return {u.username: u.id for u in users}


def seed_demo(session: Session, *, today: dt.date | None = None, rng_seed: int = 42) -> dict:
    """A believable six-month-old plan: some tasks done, some late, some stagnant."""
    today = today or clock.today()
    rng = random.Random(rng_seed)
    issued = today - dt.timedelta(days=182)

    depts = [
        Department(name=n, short_name=s, kind=k, sort_order=i)
        for i, (n, s, k) in enumerate(DEMO_DEPARTMENTS)
    ]
    session.add_all(depts)
    session.flush()
    sections = [
        Department(
            name=n, short_name=s, kind=DepartmentKind.section, parent_id=depts[0].id, sort_order=i
        )
        for i, (n, s) in enumerate(DEMO_SECTIONS)
    ]
    session.add_all(sections)
    session.flush()
    uid = _users(session, depts, depts[0])
    head_of = {d.id: uid[f"dept{i:02d}"] for i, d in enumerate(depts, start=1)}

    plan = Plan(
        title="关于进一步推行政务服务“零跑腿”工作的实施方案",
        issuer="市行政审批制度改革领导小组",
        doc_number=f"审改组〔{issued.year}〕3号",
        issued_on=issued,
        phases=PHASES,
    )
    session.add(plan)
    session.flush()

    cn = "一二三四五六七八九十"
    phase_ends = [
        issued + dt.timedelta(days=75),
        today + dt.timedelta(days=10),
        today + dt.timedelta(days=120),
    ]
    counters = [0, 0, 0]
    tasks: list[Task] = []
    # The scenario per task index: what kind of story it tells.
    late = {3, 6, 13, 16, 19}  # past deadline, not completed
    stagnant = {11, 17, 24}  # no report for a long while
    behind = {14, 22}  # far behind 序时进度
    extended = {12, 15, 18}  # deadline extended once
    for idx, (ph, title, _target) in enumerate(DEMO_TASKS):
        counters[ph] += 1
        code = f"{cn[ph]}({cn[counters[ph] - 1]})"
        lo = issued + dt.timedelta(days=30) if ph == 0 else phase_ends[ph - 1]
        span = max(10, (phase_ends[ph] - lo).days)
        deadline = lo + dt.timedelta(days=rng.randint(span // 3, span))
        if idx in late:
            deadline = min(deadline, today - dt.timedelta(days=rng.randint(8, 40)))
        start = issued if ph == 0 else lo - dt.timedelta(days=20)
        status = TaskStatus.in_progress
        if deadline < today - dt.timedelta(days=5) and idx not in late:
            status = TaskStatus.completed
        if ph == 2 and idx % 4 == 0:
            status = TaskStatus.assigned
        if idx == 9:
            status = TaskStatus.submitted
        if idx == 27:
            status = TaskStatus.suspended
        t = Task(
            plan_id=plan.id,
            code=code,
            title=title,
            phase=PHASES[ph],
            start_date=start,
            deadline=deadline,
            original_deadline=deadline,
            status=status,
            description=f"{title}。各责任单位对照职责抓好落实，按月报送进展。",
            sort_key=f"{ph:02d}.{counters[ph]:03d}",
            assigned_at=_at(start),
            created_at=_at(issued),
            updated_at=_at(start),
        )
        if status == TaskStatus.suspended:
            t.status_reason = "上级政策调整，暂缓推进"
        tasks.append(t)
    session.add_all(tasks)
    session.flush()

    # Two subtasks under 二(三), to show the hierarchy through codes.
    parent = tasks[12]
    for j, sub in enumerate(["推进社保卡业务全程网办", "推进养老保险关系转移网上办"], start=1):
        st = Task(
            plan_id=plan.id,
            parent_id=parent.id,
            code=f"{parent.code}{j}",
            title=sub,
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
        session.add(st)
        tasks.append(st)
    session.flush()

    # Assignments: a lead and one to three responsible units.
    assignments: list[Assignment] = []
    for idx, t in enumerate(tasks):
        lead = depts[idx % len(depts)] if idx < 30 else depts[3]
        others = rng.sample([d for d in depts if d.id != lead.id], rng.randint(1, 3))
        for d, role in [(lead, AssignmentRole.lead)] + [
            (o, AssignmentRole.responsible) for o in others
        ]:
            ack = None
            if t.status != TaskStatus.assigned or rng.random() < 0.3:
                ack = t.assigned_at + dt.timedelta(hours=rng.randint(2, 60))
            assignments.append(
                Assignment(
                    task_id=t.id,
                    department_id=d.id,
                    role=role,
                    assigned_at=t.assigned_at,
                    acknowledged_at=ack,
                    acknowledged_by=head_of[d.id] if ack else None,
                )
            )
    session.add_all(assignments)
    session.flush()

    # Progress reports, roughly every two weeks per unit.
    by_task: dict[int, list[Assignment]] = {}
    for a in assignments:
        by_task.setdefault(a.task_id, []).append(a)
    reports: list[ProgressReport] = []
    for idx, t in enumerate(tasks):
        if t.status in (TaskStatus.assigned,):
            continue
        stop = today
        if idx in stagnant:
            stop = _wd_back(today, rng.randint(14, 25))
        if t.status == TaskStatus.completed:
            stop = t.deadline - dt.timedelta(days=rng.randint(1, 6))
        total = max(1, (t.deadline - t.start_date).days)
        for a in by_task[t.id]:
            day = t.start_date + dt.timedelta(days=rng.randint(5, 12))
            pct = 0.0
            while day <= stop:
                expected = min(100.0, 100.0 * (day - t.start_date).days / total)
                factor = 0.35 if (idx in behind or idx in late) else rng.uniform(0.8, 1.1)
                pct = max(pct, min(95.0, round(expected * factor / 5) * 5))
                reports.append(
                    ProgressReport(
                        task_id=t.id,
                        assignment_id=a.id,
                        department_id=a.department_id,
                        reporter_id=head_of[a.department_id],
                        percent=pct,
                        done_text=f"本阶段完成{t.title}相关工作，进度{pct:.0f}%。",
                        problems=rng.choice(
                            ["", "", "部门间数据共享接口尚未打通。", "人员力量不足。"]
                        ),
                        next_steps="按计划推进下一步工作。",
                        reported_at=_at(day, rng.randint(9, 17)),
                    )
                )
                day += dt.timedelta(days=rng.randint(10, 18))
            if t.status in (TaskStatus.completed, TaskStatus.submitted):
                done_day = min(stop, today)
                reports.append(
                    ProgressReport(
                        task_id=t.id,
                        assignment_id=a.id,
                        department_id=a.department_id,
                        reporter_id=head_of[a.department_id],
                        percent=100,
                        kind=ReportKind.completion
                        if a.role == AssignmentRole.lead
                        else ReportKind.progress,
                        done_text="任务已全部完成，申请销号。",
                        reported_at=_at(done_day, 16),
                    )
                )
        if t.status == TaskStatus.completed:
            t.completed_at = _at(min(stop + dt.timedelta(days=2), today), 11)
            t.submitted_at = _at(stop, 16)
        if t.status == TaskStatus.submitted:
            t.submitted_at = _at(today, 16)
    session.add_all(reports)
    session.flush()

    # Targets with readings.
    for idx, (_, _, target_text) in enumerate(DEMO_TASKS):
        if not target_text:
            continue
        import re

        m = re.search(r"(\d+(?:\.\d+)?)\s*(%|个工作日)", target_text)
        value = float(m.group(1)) if m else None
        unit = m.group(2) if m else None
        direction = "<=" if any(w in target_text for w in ("以内", "不高于", "压缩")) else ">="
        baseline = (value * 3 if direction == "<=" else value * 0.5) if value else None
        tg = Target(
            task_id=tasks[idx].id,
            text=target_text,
            baseline=baseline,
            target_value=value,
            direction=direction,
            unit=unit,
        )
        session.add(tg)
        session.flush()
        lead_reports = [
            r
            for r in reports
            if r.task_id == tasks[idx].id
            and r.department_id == by_task[tasks[idx].id][0].department_id
        ]
        for r in lead_reports:
            if value is None or baseline is None:
                break
            cur = baseline + (value - baseline) * r.percent / 100
            session.add(
                TargetReading(
                    target_id=tg.id, report_id=r.id, value=round(cur, 1), recorded_at=r.reported_at
                )
            )

    # Milestones on a few phase-2 tasks.
    for t in tasks[10:16]:
        mid = t.start_date + (t.deadline - t.start_date) / 2
        session.add(
            Milestone(
                task_id=t.id,
                title="完成方案制定和系统对接",
                due_date=mid,
                done_on=mid if mid < today and t.id % 2 else None,
            )
        )

    # Extensions: approved ones move the deadline, the original stays.
    office_id, leader_id, insp_id = uid["office"], uid["leader"], uid["inspector"]
    for idx in sorted(extended):
        t = tasks[idx]
        new = t.deadline + dt.timedelta(days=30)
        lead = by_task[t.id][0]
        session.add(
            ExtensionRequest(
                task_id=t.id,
                department_id=lead.department_id,
                requested_by=head_of[lead.department_id],
                requested_at=_at(t.deadline - dt.timedelta(days=5)),
                previous_deadline=t.deadline,
                requested_date=new,
                reason="涉及省级系统对接，需等待省平台接口开放。",
                status=RequestStatus.approved,
                decided_by=office_id,
                decided_at=_at(t.deadline - dt.timedelta(days=3)),
                approved_date=new,
                decision_note="同意延期，请加快推进。",
            )
        )
        t.deadline = new
    pend = tasks[20]
    session.add(
        ExtensionRequest(
            task_id=pend.id,
            department_id=by_task[pend.id][0].department_id,
            requested_by=head_of[by_task[pend.id][0].department_id],
            requested_at=_at(today - dt.timedelta(days=1)),
            previous_deadline=pend.deadline,
            requested_date=pend.deadline + dt.timedelta(days=45),
            reason="第三方平台改造周期较长。",
        )
    )

    # Leader instructions, one still unanswered.
    for idx, txt, answered in [
        (3, "此项任务已逾期，请牵头单位说明原因并限期完成。", True),
        (13, "工程建设项目审批改革是重点，务必按期推进。", True),
        (16, "请抓紧落实，下周报送进展。", False),
    ]:
        t = tasks[idx]
        ins = Instruction(
            task_id=t.id,
            author_id=leader_id,
            text=txt,
            created_at=_at(today - dt.timedelta(days=12)),
        )
        session.add(ins)
        session.flush()
        if answered:
            lead = by_task[t.id][0]
            session.add(
                InstructionAnswer(
                    instruction_id=ins.id,
                    department_id=lead.department_id,
                    author_id=head_of[lead.department_id],
                    text="已召开专题会议部署，正在加快推进。",
                    created_at=_at(today - dt.timedelta(days=10)),
                )
            )

    # Inspections with findings (rectification items), some overdue.
    results = [
        InspectionResult.good,
        InspectionResult.fairly_good,
        InspectionResult.average,
        InspectionResult.poor,
    ]
    methods = list(InspectionMethod)
    for k in range(6):
        day = issued + dt.timedelta(days=25 * (k + 1))
        if day > today:
            break
        insp = Inspection(
            plan_id=plan.id,
            inspected_on=day,
            method=methods[k % 4],
            result=results[(k * 3) % 4],
            inspectors="赵督查、钱督查",
            narrative="督查组对照实施方案，实地查看窗口运行情况并调阅台账。",
            recorded_by=insp_id,
            created_at=_at(day, 17),
        )
        session.add(insp)
        session.flush()
        seen = rng.sample(tasks[:30], 3)
        units = {by_task[t.id][0].department_id for t in seen}
        for d in units:
            session.add(InspectionDepartment(inspection_id=insp.id, department_id=d))
        for t in seen:
            session.add(InspectionTask(inspection_id=insp.id, task_id=t.id))
        if insp.result in (InspectionResult.average, InspectionResult.poor):
            t = seen[0]
            due = day + dt.timedelta(days=15)
            status = (
                RectificationStatus.accepted
                if due < today - dt.timedelta(days=30)
                else RectificationStatus.open
            )
            f = Finding(
                inspection_id=insp.id,
                department_id=by_task[t.id][0].department_id,
                task_id=t.id,
                description="办事指南要素不全，部分事项仍要求群众重复提交材料。",
                due_date=due,
                status=status,
                created_at=_at(day, 17),
            )
            if status == RectificationStatus.accepted:
                f.answer_text, f.answered_at = (
                    "已补全办事指南要素。",
                    _at(due - dt.timedelta(days=2)),
                )
                f.recheck_note, f.rechecked_at = "复查合格。", _at(due)
            session.add(f)

    # Notices: a yellow urging notice, a monthly bulletin, a commendation.
    year = today.year
    late_tasks = [tasks[i] for i in sorted(late)]
    late_unit = by_task[late_tasks[0].id][0].department_id
    urging = Notice(
        kind=NoticeKind.urging,
        level="yellow",
        status=NoticeStatus.issued,
        title="关于加快推进逾期任务的督办通知",
        addressees=next(d.name for d in depts if d.id == late_unit),
        body="经督查，你单位牵头的任务已超过完成时限仍未办结。",
        requirements="请于5个工作日内书面报送整改情况。",
        signature="市行政审批制度改革领导小组办公室",
        doc_number=f"督办〔{year}〕1号",
        doc_year=year,
        doc_seq=1,
        created_by=insp_id,
        issued_by=insp_id,
        issued_at=_at(today - dt.timedelta(days=9)),
        reply_due=today - dt.timedelta(days=2),
        created_at=_at(today - dt.timedelta(days=10)),
    )
    bulletin = Notice(
        kind=NoticeKind.bulletin,
        status=NoticeStatus.issued,
        title="关于“零跑腿”工作推进情况的通报（月报）",
        addressees="各成员单位",
        body="本月全市“零跑腿”工作总体有序推进。",
        signature="市行政审批制度改革领导小组办公室",
        doc_number=f"通报〔{year}〕1号",
        doc_year=year,
        doc_seq=1,
        period_label="月报",
        created_by=office_id,
        issued_by=office_id,
        issued_at=_at(today - dt.timedelta(days=20)),
        created_at=_at(today - dt.timedelta(days=21)),
    )
    session.add_all([urging, bulletin])
    session.flush()
    session.add(
        NoticeRecipient(notice_id=urging.id, department_id=late_unit, delivered_at=urging.issued_at)
    )
    for t in late_tasks[:2]:
        session.add(NoticeTask(notice_id=urging.id, task_id=t.id))
    for d in depts:
        session.add(
            NoticeRecipient(
                notice_id=bulletin.id,
                department_id=d.id,
                delivered_at=bulletin.issued_at,
                acknowledged_at=bulletin.issued_at + dt.timedelta(hours=5) if d.id % 3 else None,
                acknowledged_by=head_of[d.id] if d.id % 3 else None,
            )
        )
    session.add_all(
        [
            DocCounter(kind="urging", year=year, last_seq=1),
            DocCounter(kind="bulletin", year=year, last_seq=1),
        ]
    )
    audit.record(
        session,
        Actor.system(),
        "seed.demo",
        object_type="plan",
        object_id=plan.id,
        after={"tasks": len(tasks), "departments": len(depts) + len(sections)},
        note="生成演示数据",
    )
    session.commit()
    return {
        "departments": len(depts) + len(sections),
        "users": len(uid),
        "tasks": len(tasks),
        "assignments": len(assignments),
        "reports": len(reports),
    }


def seed_large(
    session: Session,
    *,
    today: dt.date | None = None,
    rng_seed: int = 7,
    departments: int = 100,
    tasks: int = 20_000,
    per_task: int = 3,
    reports_per_assignment: int = 5,
    inspections: int = 10_000,
) -> dict:
    """Benchmark scale: bulk inserts through SQLAlchemy Core, no ORM objects per row."""
    today = today or clock.today()
    rng = random.Random(rng_seed)
    issued = today - dt.timedelta(days=365)
    now = clock.now()
    conn = session.connection()

    dept_rows = [
        {
            "name": f"压测单位{i:03d}",
            "short_name": f"单位{i:03d}",
            "kind": "city_department",
            "sort_order": i,
            "active": True,
            "created_at": now,
            "version": 1,
        }
        for i in range(1, departments + 1)
    ]
    conn.execute(insert(Department), dept_rows)
    dept_ids = [r[0] for r in conn.execute(text("SELECT id FROM department ORDER BY id"))]
    pw = hash_password(DEMO_PASSWORD)
    conn.execute(
        insert(AppUser),
        [
            {
                "username": u,
                "display_name": n,
                "role": r,
                "department_id": None,
                "password_hash": pw,
                "active": True,
                "failed_logins": 0,
                "created_at": now,
                "version": 1,
            }
            for u, n, r in [
                ("office", "王主任", "office"),
                ("leader", "李组长", "leader"),
                ("inspector", "赵督查", "inspector"),
            ]
        ]
        + [
            {
                "username": f"dept{i:02d}",
                "display_name": f"联络员{i:02d}",
                "role": "dept_head",
                "department_id": d,
                "password_hash": pw,
                "active": True,
                "failed_logins": 0,
                "created_at": now,
                "version": 1,
            }
            for i, d in enumerate(dept_ids[:99], start=1)
        ],
    )
    plans = 5
    conn.execute(
        insert(Plan),
        [
            {
                "title": f"压测实施方案{p + 1}",
                "issuer": "领导小组",
                "doc_number": f"压测〔{today.year}〕{p + 1}号",
                "issued_on": issued,
                "phases": PHASES,
                "created_at": now,
                "version": 1,
            }
            for p in range(plans)
        ],
    )
    plan_ids = [r[0] for r in conn.execute(text("SELECT id FROM plan ORDER BY id"))]

    task_rows = []
    statuses = ["in_progress"] * 6 + ["completed"] * 3 + ["assigned", "submitted", "acknowledged"]
    for i in range(tasks):
        start = issued + dt.timedelta(days=rng.randint(0, 200))
        deadline = start + dt.timedelta(days=rng.randint(30, 400))
        status = rng.choice(statuses)
        task_rows.append(
            {
                "plan_id": plan_ids[i % plans],
                "code": f"{i // 50 + 1}.{i % 50 + 1}",
                "title": f"压测任务{i + 1}",
                "description": "",
                "phase": PHASES[i % 3],
                "start_date": start,
                "deadline": deadline,
                "original_deadline": deadline,
                "weight": 1.0,
                "status": status,
                "sort_key": f"{i:06d}",
                "created_at": now,
                "updated_at": now,
                "assigned_at": _at(start),
                "completed_at": _at(min(deadline, today)) if status == "completed" else None,
                "version": 1,
            }
        )
    for chunk in range(0, len(task_rows), 5000):
        conn.execute(insert(Task), task_rows[chunk : chunk + 5000])
    trows = conn.execute(text("SELECT id, start_date, deadline FROM task ORDER BY id")).all()

    asg_rows = []
    for tid, *_ in trows:
        ds = rng.sample(dept_ids, per_task)
        for j, d in enumerate(ds):
            asg_rows.append(
                {
                    "task_id": tid,
                    "department_id": d,
                    "role": "lead" if j == 0 else "responsible",
                    "assigned_at": now,
                    "acknowledged_at": now,
                    "version": 1,
                }
            )
    for chunk in range(0, len(asg_rows), 10000):
        conn.execute(insert(Assignment), asg_rows[chunk : chunk + 10000])
    arows = conn.execute(text("SELECT id, task_id, department_id FROM assignment")).all()
    tinfo = {tid: (s, d) for tid, s, d in trows}

    rep_rows = []
    for aid, tid, did in arows:
        s, d = tinfo[tid]
        if isinstance(s, str):
            s, d = dt.date.fromisoformat(s), dt.date.fromisoformat(d)
        pct = 0.0
        for k in range(reports_per_assignment):
            day = s + dt.timedelta(days=15 * (k + 1))
            if day > today:
                break
            pct = min(100.0, pct + rng.choice([5, 10, 15, 20]))
            rep_rows.append(
                {
                    "task_id": tid,
                    "assignment_id": aid,
                    "department_id": did,
                    "kind": "progress",
                    "percent": pct,
                    "done_text": "进展",
                    "problems": "",
                    "next_steps": "",
                    "reported_at": _at(day),
                }
            )
        if len(rep_rows) >= 20000:
            conn.execute(insert(ProgressReport), rep_rows)
            rep_rows = []
    if rep_rows:
        conn.execute(insert(ProgressReport), rep_rows)

    insp_rows = [
        {
            "plan_id": plan_ids[i % plans],
            "inspected_on": issued + dt.timedelta(days=rng.randint(0, 360)),
            "method": rng.choice(list(InspectionMethod)).value,
            "result": rng.choice(list(InspectionResult)).value,
            "inspectors": "督查组",
            "narrative": "",
            "created_at": now,
            "version": 1,
        }
        for i in range(inspections)
    ]
    for chunk in range(0, len(insp_rows), 5000):
        conn.execute(insert(Inspection), insp_rows[chunk : chunk + 5000])
    iids = [r[0] for r in conn.execute(text("SELECT id FROM inspection"))]
    conn.execute(
        insert(InspectionDepartment),
        [{"inspection_id": i, "department_id": rng.choice(dept_ids)} for i in iids],
    )
    audit.record(
        session,
        Actor.system(),
        "seed.large",
        object_type="database",
        object_id="all",
        after={"tasks": tasks},
        note="生成压测数据",
    )
    session.commit()
    counts = {}
    for model in (Department, Task, Assignment, ProgressReport, Inspection):
        counts[model.__tablename__] = session.exec(select(func.count()).select_from(model)).one()
    return counts


__all__ = ["database_is_empty", "reset", "seed_demo", "seed_large", "AuditLog", "DataVersion"]
