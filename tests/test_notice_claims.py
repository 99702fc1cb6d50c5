"""Every sentence a generated notice states is checked against the database.

Hypothesis builds random worlds (units, tasks late or on time, completed on time or late,
applications for 销号 or extension pending, urging notices answered in time, late or not at
all); every kind is generated for every unit, and each claim the text makes — counts, task
lists, the urgings it cites, "多次", "经领导小组同意", escalation, the bulletin's period —
is recomputed here from the rows with plain queries, not with the code that wrote it.
The demo database gets the same checks."""

import datetime as dt
import re
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, select

from duban.core import clock
from duban.core import db as dbmod
from duban.core.errors import ValidationFailed
from duban.notices import drafting
from duban.notices import rules as notice_rules
from duban.notices.labels import LEVEL_LABELS
from models import (
    Assignment,
    Department,
    ExtensionRequest,
    Finding,
    Notice,
    NoticeRecipient,
    ProgressReport,
    ReportKind,
    Task,
    TaskStatus,
)
from models.common import OPEN_STATUSES
from tests.conftest import _insert_version_row
from tests.factories import make_department, make_plan, make_task

TODAY = dt.date(2026, 11, 23)  # a Monday
NOW = dt.datetime(2026, 11, 23, 10, 0)
LIVE = ("draft", "cancelled")


# ---------------------------------------------------------------- the world, from the rows


@dataclass
class Unit:
    """A unit's record, computed here from the rows (not by duban.notices.facts)."""

    id: int
    name: str
    tasks: list[Task] = field(default_factory=list)
    urgings: list[tuple[Notice, NoticeRecipient]] = field(default_factory=list)

    @property
    def open_tasks(self) -> list[Task]:
        return [t for t in self.tasks if t.status in OPEN_STATUSES]

    @property
    def overdue(self) -> list[Task]:
        return [t for t in self.open_tasks if t.deadline is not None and t.deadline < TODAY]

    @property
    def completed(self) -> list[Task]:
        return [t for t in self.tasks if t.status == TaskStatus.completed]

    @property
    def on_time(self) -> list[Task]:
        return [
            t
            for t in self.completed
            if t.completed_at is not None
            and t.completed_at.date() <= (t.original_deadline or t.deadline)
        ]

    @property
    def ignored(self) -> list[Notice]:
        return [
            n
            for n, r in self.urgings
            if n.reply_due is not None
            and n.reply_due < TODAY
            and (r.replied_at is None or r.replied_at.date() > n.reply_due)
        ]

    late_rectifications: int = 0

    @property
    def red_urgings(self) -> int:
        return sum(1 for n, _ in self.urgings if n.level == "red")


def world(session: Session) -> dict[int, Unit]:
    units = {d.id: Unit(d.id, d.name) for d in session.exec(select(Department)).all()}
    tasks = {t.id: t for t in session.exec(select(Task)).all()}
    for a in session.exec(select(Assignment)).all():
        t = tasks[a.task_id]
        if t.status not in LIVE:
            units[a.department_id].tasks.append(t)
    for n, r in session.exec(
        select(Notice, NoticeRecipient).where(
            NoticeRecipient.notice_id == Notice.id,
            Notice.kind == "urging",
            Notice.status == "issued",
        )
    ).all():
        units[r.department_id].urgings.append((n, r))
    for u in units.values():
        u.urgings.sort(key=lambda nr: nr[0].issued_at)
    for f in session.exec(select(Finding).where(Finding.status == "open")).all():
        if f.due_date < TODAY:
            units[f.department_id].late_rectifications += 1
    return units


def cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def pct(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}".removesuffix(".0") + "%"


# ---------------------------------------------------------------- what every text must not say


SOFTWARE_PHRASES = ("按照“", "的规则", "上期无数据", "=", "忙的单位", "谁造成逾期扣谁")
SPACED_NUMBER = re.compile(r"[\u4e00-\u9fff] +\d|\d +[\u4e00-\u9fff]")


def check_wording(text: str) -> None:
    for phrase in SOFTWARE_PHRASES:
        assert phrase not in text, f"{phrase!r} in {text!r}"
    assert not SPACED_NUMBER.search(text), text
    assert "多次" not in text or "经多次督办" in text


# ---------------------------------------------------------------- claims of each kind


def check_urging(session: Session, unit: Unit, body: str, draft: drafting.Draft) -> None:
    rules = notice_rules.load_notice_rules(session)
    by_code = {t.code: t for t in unit.tasks}
    listed = [by_code[c] for c in re.findall(r"任务编号([^，]+)，", body)]
    assert listed, body
    for t in listed:  # an open task of the unit, not waiting for its 销号 decision
        assert t.status in OPEN_STATUSES and t.status != TaskStatus.submitted
    m = re.search(r"有(\d+)项存在逾期或进度滞后问题(?:，其中(\d+)项已超过完成时限仍未办结)?", body)
    assert m and int(m[1]) == len(listed)
    late = [t for t in listed if t.deadline < TODAY]
    assert int(m[2] or 0) == len(late)
    for t in listed:
        line = next(x for x in body.splitlines() if f"任务编号{t.code}，" in x)
        said = re.search(r"已逾期(\d+)个工作日", line)
        assert bool(said) == (t.deadline < TODAY), line
        pending = session.exec(
            select(ExtensionRequest).where(
                ExtensionRequest.task_id == t.id, ExtensionRequest.status == "pending"
            )
        ).first()
        assert ("申请延期至" in line) == (pending is not None), line
        if pending:
            assert f"申请延期至{cn(pending.requested_date)}" in line
    closing = re.search(r"另有(\d+)项任务你单位已申请销号", body)
    submitted = [t for t in unit.tasks if t.status == TaskStatus.submitted]
    if closing:
        assert 1 <= int(closing[1]) <= len(submitted)
    # the ignored urgings it cites are exactly the unit's ignored ones
    cited = re.search(r"此前向你单位发出的(.+?)，你单位未按期反馈", body)
    ignored = [n.doc_number for n in unit.ignored]
    assert (cited[1].split("、") if cited else []) == ignored
    # escalation only on the rule's count of ignored notices at or above the level below
    if "本次提级为" in body:
        k = rules["escalate_after_ignored"]
        assert len(unit.ignored) >= k
        assert f"本次提级为{LEVEL_LABELS[draft.level]}" in body
    assert draft.title.endswith(f"（{LEVEL_LABELS[draft.level]}）")


def check_reminder(session: Session, unit: Unit, body: str) -> None:
    by_code = {t.code: t for t in unit.tasks}
    for code, due, left in re.findall(
        r"任务编号([^，]+)，[^）]*）：完成时限(\d+年\d+月\d+日)，距完成时限还有(\d+)个工作日", body
    ):
        t = by_code[code]
        assert t.status in OPEN_STATUSES and cn(t.deadline) == due
        assert t.deadline >= TODAY and int(left) <= 5


def check_record_clauses(unit: Unit, text: str) -> None:
    """The shortcoming clauses of criticism, interview and accountability."""
    m = re.search(r"逾期未办结任务(\d+)项", text)
    assert int(m[1] if m else 0) == len(unit.overdue), text
    m = re.search(r"(\d+)份督办通知未按期反馈（([^）]+)）", text)
    assert (m[2].split("、") if m else []) == [n.doc_number for n in unit.ignored]
    m = re.search(r"督查发现问题整改逾期(\d+)项", text)
    assert int(m[1] if m else 0) == unit.late_rectifications
    assert "按期办结率" not in text and "承担任务" not in text


def check_merits(unit: Unit, text: str) -> None:
    m = re.search(r"承担任务(\d+)项，已办结(\d+)项", text)
    assert m and int(m[1]) == len(unit.tasks) and int(m[2]) == len(unit.completed)
    m = re.search(r"其中按期办结(\d+)项，按期办结率([\d.]+%)", text)
    assert m and int(m[1]) == len(unit.on_time) > 0  # praise needs a task done on time
    assert m[2] == pct(len(unit.on_time), len(unit.completed))
    assert "无逾期未办结任务" in text and not unit.overdue
    assert not unit.ignored and not unit.late_rectifications


def check_rated(session: Session, units: dict[int, Unit], draft: drafting.Draft) -> None:
    by_name = {u.name: u for u in units.values()}
    lines = dict(
        re.findall(r"^(\S+?)：(.+)。$", draft.body, re.M)  # 单位：facts。
    )
    named = [by_name[n] for n in lines if n in by_name]
    assert named and [u.id for u in named] == draft.extra["units"]
    for u in named:
        if draft.kind == "commendation":
            check_merits(u, lines[u.name])
        else:
            # something true to criticise
            assert u.overdue or u.ignored or u.late_rectifications, u.name
            check_record_clauses(u, lines[u.name])
    if draft.kind == "criticism" and draft.attachments:
        table = draft.attachments[0]
        assert table.columns[1] == "单位"
        for row in table.rows:  # every (unit, task) row: the task is that unit's
            u = by_name[row[1]]
            assert row[2] in {t.code for t in u.open_tasks}
        assert len({(r[1], r[2]) for r in table.rows}) == len(table.rows)


def check_interview(session: Session, unit: Unit, draft: drafting.Draft, agreed: bool) -> None:
    rules = notice_rules.load_notice_rules(session)
    meets = unit.red_urgings >= rules["interview_red_notices"]
    assert ("经领导小组同意" in draft.body) == (agreed or meets)
    m = re.search(r"已收到红色督办(\d+)次", draft.body)
    assert int(m[1] if m else 0) == unit.red_urgings
    interview_day = dt.date(2026, 11, 27)
    assert TODAY <= draft.reply_due < interview_day
    assert f"请你单位于{cn(draft.reply_due)}前将参加人员名单" in draft.body
    assert "联系人：" in draft.body and "联系电话：" in draft.body
    if "存在以下问题" in draft.body:
        check_record_clauses(unit, draft.body)


def check_accountability(unit: Unit, draft: drafting.Draft) -> None:
    body = draft.body
    check_record_clauses(unit, body.split("。")[0])
    issued = [n for n, _ in unit.urgings]
    many = re.search(r"先后于(.+?)向该单位发出(.+?)共(\d+)份督办通知", body)
    one = re.search(r"已于(\d+年\d+月\d+日)向该单位发出(\S+?号)（(\S+?)）", body)
    if len(issued) >= 2:
        assert many and int(many[3]) == len(issued)
        assert many[2].split("、") == [n.doc_number for n in issued]
        assert many[1].split("、") == [cn(n.issued_at.date()) for n in issued]
        m = re.search(r"其中(\d+)份未按期反馈", body)
        assert int(m[1] if m else 0) == len(unit.ignored)
        assert ("经多次督办，相关任务仍未办结" in body) == bool(unit.overdue)
    elif len(issued) == 1:
        assert one and one[2] == issued[0].doc_number
        assert one[1] == cn(issued[0].issued_at.date())
        assert one[3] == LEVEL_LABELS[issued[0].level]
        assert ("该单位未按期反馈" in body) == bool(unit.ignored)
        passed = issued[0].reply_due < TODAY
        assert ("相关任务至今仍未办结" in body) == (bool(unit.overdue) and passed)
    else:
        assert not many and not one and "督办通知" not in body.split("。", 1)[1]
    assert "多次" not in body or len(issued) >= 2
    assert unit.name not in draft.addressees and unit.name in draft.copy_to
    assert "【待填写：问责所依据的规定及条款】" in body  # no basis in the rules yet


def check_bulletin(session: Session, units: dict[int, Unit], draft: drafting.Draft) -> None:
    body = draft.body
    start, end = dt.date(2026, 10, 1), dt.date(2026, 10, 31)  # the last complete month
    assert draft.period_label == "2026年10月" and "2026年10月" in draft.title
    tasks = [t for t in session.exec(select(Task)).all() if t.status not in LIVE]
    done = [t for t in tasks if t.status == TaskStatus.completed]
    on_time = [t for t in done if t.completed_at.date() <= (t.original_deadline or t.deadline)]
    open_ = [t for t in tasks if t.status in OPEN_STATUSES]
    m = re.search(
        r"共有任务(\d+)项，已办结(\d+)项，其中按期办结(\d+)项，按期办结率([^；]+)；"
        r"正在推进(\d+)项，其中逾期未办结(\d+)项",
        body,
    )
    assert m, body
    assert (int(m[1]), int(m[2]), int(m[3]), int(m[5])) == (
        len(tasks),
        len(done),
        len(on_time),
        len(open_),
    )
    assert m[4] == (pct(len(on_time), len(done)) if done else "—")
    in_period = [t for t in done if start <= t.completed_at.date() <= end]
    m = re.search(r"2026年10月办结任务(\d+)项", body)
    assert m and int(m[1]) == len(in_period)
    assert "上期" not in body  # no earlier bulletin of this rhythm
    praised = body.split("二、表扬单位", 1)[1].split("三、存在问题", 1)[0]
    by_name = {u.name: u for u in units.values()}
    for name, text in re.findall(r"^(\S+?)：(.+)。$", praised, re.M):
        check_merits(by_name[name], text)


# ---------------------------------------------------------------- generating every kind


def generate_all(session: Session) -> int:
    """Generate every kind for every unit; check each; return how many drafts were checked."""
    units = world(session)
    checked = 0

    def attempt(kind: str, **params):
        try:
            return drafting.generate(session, kind=kind, today=TODAY, **params)
        except ValidationFailed:
            return None

    for u in units.values():
        d = attempt("urging", department_id=u.id)
        if d is None:  # refused: nothing overdue outside a pending 销号 application
            assert not [t for t in u.overdue if t.status != TaskStatus.submitted], u.name
        else:
            check_urging(session, u, d.body, d)
            checked += 1
        d = attempt("reminder", department_id=u.id)
        if d is not None:
            check_reminder(session, u, d.body)
            checked += 1
        for agreed in (False, True):
            d = attempt(
                "interview",
                department_id=u.id,
                interview_at=dt.datetime(2026, 11, 27, 15, 0),
                place="会议室",
                attendees="主要负责同志",
                contact="张三",
                phone="87051234",
                agreed=agreed,
            )
            assert d is not None
            check_interview(session, u, d, agreed)
            checked += 1
        d = attempt("accountability", department_id=u.id)
        if d is None:
            assert not u.overdue and not u.ignored and not u.late_rectifications
        else:
            check_accountability(u, d)
            checked += 1
    for kind in ("commendation", "criticism"):
        d = attempt(kind)
        if d is not None:
            check_rated(session, units, d)
            checked += 1
        for u in units.values():  # chosen by hand: refused unless the facts support it
            d = attempt(kind, department_ids=[u.id])
            if d is None:
                continue
            assert "经研究" in d.body and "统计" not in d.body.split("。")[0]
            check_rated(session, units, d)
            checked += 1
    d = attempt("bulletin", period="month")
    assert d is not None
    check_bulletin(session, units, d)
    return checked + 1


# ---------------------------------------------------------------- random worlds

STATES = ["assigned", "in_progress", "submitted", "done_on_time", "done_late"]

task_spec = st.tuples(
    st.integers(0, 3),  # lead unit
    st.lists(st.integers(0, 3), max_size=2, unique=True),  # responsible units
    st.integers(-45, 25),  # deadline, days from today
    st.sampled_from(STATES),
    st.one_of(st.none(), st.integers(0, 100)),  # last reported percent
    st.booleans(),  # an extension application pending
)
urging_spec = st.tuples(
    st.integers(0, 3),  # unit
    st.sampled_from(["blue", "yellow", "red"]),
    st.integers(-25, 6),  # reply due, days from today
    st.sampled_from(["none", "in_time", "late"]),
)


def build(session: Session, n_units: int, tasks, urgings) -> None:
    deps = [make_department(session) for _ in range(n_units)]
    plan = make_plan(session)
    for lead_i, resp_i, off, state, percent, extension in tasks:
        lead = deps[lead_i % n_units]
        resp = [deps[i % n_units] for i in resp_i if deps[i % n_units].id != lead.id]
        resp = list({d.id: d for d in resp}.values())
        deadline = TODAY + dt.timedelta(days=off)
        kw: dict = {"status": TaskStatus.in_progress}
        if state == "assigned":
            kw["status"] = TaskStatus.assigned
        elif state == "submitted":
            kw["status"] = TaskStatus.submitted
        elif state.startswith("done"):
            deadline = TODAY - dt.timedelta(days=abs(off) + 5)
            late = state == "done_late"
            kw["status"] = TaskStatus.completed
            kw["completed_at"] = dt.datetime.combine(
                deadline + dt.timedelta(days=2 if late else -1), dt.time(10)
            )
        t = make_task(
            session,
            lead=lead,
            responsible=resp,
            plan=plan,
            deadline=deadline,
            start_date=deadline - dt.timedelta(days=120),
            **kw,
        )
        for d in [lead, *resp]:
            a = session.exec(
                select(Assignment).where(
                    Assignment.task_id == t.id, Assignment.department_id == d.id
                )
            ).one()
            if percent is not None or state == "submitted":
                session.add(
                    ProgressReport(
                        task_id=t.id,
                        assignment_id=a.id,
                        department_id=d.id,
                        percent=100 if state == "submitted" else percent,
                        kind=ReportKind.completion if state == "submitted" else ReportKind.progress,
                        reported_at=dt.datetime(2026, 11, 20, 9),
                    )
                )
        if extension and kw["status"] in OPEN_STATUSES:
            session.add(
                ExtensionRequest(
                    task_id=t.id,
                    department_id=lead.id,
                    previous_deadline=deadline,
                    requested_date=deadline + dt.timedelta(days=30),
                    reason="需要协调",
                    requested_at=dt.datetime(2026, 11, 19, 9),
                )
            )
    for seq, (unit_i, level, off, answer) in enumerate(urgings, start=1):
        unit = deps[unit_i % n_units]
        due = TODAY + dt.timedelta(days=off)
        issued = dt.datetime.combine(due - dt.timedelta(days=7), dt.time(9))
        replied = None
        if answer == "in_time":
            replied = dt.datetime.combine(min(due, TODAY), dt.time(8))
        elif answer == "late" and due + dt.timedelta(days=1) <= TODAY:
            replied = dt.datetime.combine(due + dt.timedelta(days=1), dt.time(9))
        n = Notice(
            kind="urging",
            level=level,
            status="issued",
            title="督办",
            body="正文",
            doc_number=f"督办〔2026〕{seq}号",
            doc_year=2026,
            doc_seq=seq,
            issued_at=issued,
            reply_due=due,
        )
        session.add(n)
        session.flush()
        session.add(
            NoticeRecipient(
                notice_id=n.id,
                department_id=unit.id,
                delivered_at=issued,
                replied_at=replied,
                reply_text="已整改" if replied else None,
            )
        )
    session.commit()


def _fresh_session() -> tuple[Session, object]:
    eng = dbmod.make_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    SQLModel.metadata.create_all(eng)
    _insert_version_row(eng)
    return Session(eng, expire_on_commit=False), eng


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    n_units=st.integers(2, 4),
    tasks=st.lists(task_spec, min_size=1, max_size=8),
    urgings=st.lists(urging_spec, max_size=5),
)
def test_every_claim_of_every_kind_holds_on_random_data(n_units, tasks, urgings):
    session, eng = _fresh_session()
    try:
        with clock.frozen(NOW):
            build(session, n_units, tasks, urgings)
            assert generate_all(session) >= n_units * 2 + 1
    finally:
        session.close()
        eng.dispose()


def test_the_wording_of_every_kind_on_a_late_world(session):
    """One world where every kind has something to say: the texts carry no software phrasing,
    no ASCII spaces around numbers, no "多次" without two urgings."""
    with clock.frozen(NOW):
        build(
            session,
            3,
            [
                (0, [1], -20, "in_progress", 30, True),
                (0, [], -5, "submitted", None, False),
                (1, [], 3, "in_progress", 50, False),
                (2, [], -30, "done_on_time", 100, False),
                (2, [], -40, "done_on_time", 100, False),
            ],
            [(0, "yellow", -5, "none"), (0, "red", -2, "none"), (1, "blue", 2, "none")],
        )
        units = world(session)
        texts = []
        for u in units.values():
            for kind, extra in (
                ("urging", {}),
                ("reminder", {}),
                ("accountability", {}),
                (
                    "interview",
                    dict(
                        interview_at=dt.datetime(2026, 11, 27, 9),
                        place="会议室",
                        attendees="主要负责同志",
                        contact="张三",
                        phone="87051234",
                    ),
                ),
            ):
                try:
                    d = drafting.generate(session, kind=kind, department_id=u.id, **extra)
                except ValidationFailed:
                    continue
                texts.append(d.title + d.body + d.requirements)
        for kind in ("commendation", "criticism", "bulletin"):
            d = drafting.generate(session, kind=kind)
            texts.append(d.title + d.body + d.requirements)
        assert len(texts) >= 8
        for text in texts:
            check_wording(text)
        assert generate_all(session) > 8


def test_a_pending_closure_is_not_urged_but_named(session):
    with clock.frozen(NOW):
        build(
            session,
            2,
            [(0, [], -10, "submitted", None, False), (0, [], -12, "in_progress", 40, False)],
            [],
        )
        unit = next(u for u in world(session).values() if u.tasks)
        d = drafting.generate(session, kind="urging", department_id=unit.id)
        assert "另有1项任务你单位已申请销号，领导小组办公室正在审核，不列入本次督办" in d.body
        assert len(d.task_ids) == 1
        session.exec(
            select(Task).where(Task.status == "in_progress")
        ).one().status = TaskStatus.submitted
        session.commit()
        with pytest.raises(ValidationFailed, match="另有2项已申请销号"):
            drafting.generate(session, kind="urging", department_id=unit.id)


def test_changing_the_level_regenerates_title_reply_date_and_text(session):
    from duban.notices import reading
    from models import Role
    from tests.factories import make_user

    with clock.frozen(NOW):
        build(session, 2, [(0, [], -30, "in_progress", 20, False)], [])
        _, actor = make_user(session, Role.inspector)
        unit = next(u for u in world(session).values() if u.tasks)
        n = drafting.draft_notice(session, actor=actor, kind="urging", department_id=unit.id)
        assert n.level == "red" and n.title.endswith("（红色督办）")
        red_due = n.reply_due
        n = drafting.update_draft(
            session,
            actor=actor,
            notice_id=n.id,
            expected_version=n.version,
            level="yellow",
            title=n.title,
            body=n.body,
            reply_due=n.reply_due,
            requirements=n.requirements,
        )
        assert n.title.endswith("（黄色督办）") and "红色" not in n.title
        assert n.reply_due > red_due  # yellow: five working days, red: three
        assert cn(n.reply_due) in n.requirements
        assert "按规则为红色督办，办公室改定为黄色督办" in n.extra["level_reason"]
        doc = reading.official_document(n)
        assert doc.level_label == "黄色督办"
        # a body edited by hand keeps its words, with the level's name replaced
        edited = n.body + "\n黄色督办期间请每周报送一次进展。"
        n = drafting.update_draft(
            session, actor=actor, notice_id=n.id, expected_version=n.version, body=edited
        )
        n = drafting.update_draft(
            session, actor=actor, notice_id=n.id, expected_version=n.version, level="red"
        )
        assert "红色督办期间请每周报送一次进展。" in n.body and n.title.endswith("（红色督办）")


def test_claims_hold_on_the_demo(demo_db):
    with Session(dbmod.make_engine(demo_db)) as session:
        today = clock.today()
        global TODAY
        saved = TODAY
        TODAY = today
        try:
            units = world(session)
            checked = 0
            for u in units.values():
                try:
                    d = drafting.generate(session, kind="urging", department_id=u.id)
                except ValidationFailed:
                    continue
                check_urging(session, u, d.body, d)
                check_wording(d.title + d.body + d.requirements)
                checked += 1
                if u.overdue or u.ignored or u.late_rectifications:
                    a = drafting.generate(session, kind="accountability", department_id=u.id)
                    check_accountability(u, a)
                    check_wording(a.body)
            assert checked >= 2
            b = drafting.generate(session, kind="bulletin", period="month")
            check_wording(b.title + b.body + b.requirements)
            # the seeded bulletin has no figures: the new one compares with nothing
            assert "上期" not in b.body
            crit = drafting.generate(session, kind="criticism")
            check_rated(session, units, crit)
            check_wording(crit.body)
        finally:
            TODAY = saved
