"""Notices: rule selection (praise, criticism, escalation), templates, issue numbering, replies."""

import datetime as dt
import threading

import pytest
from sqlmodel import Session, SQLModel, select

from duban.core import clock
from duban.core import db as dbmod
from duban.core.errors import PermissionDenied, ValidationFailed
from duban.notices import drafting, facts, issuing, reading, replies, templates
from duban.notices import rules as notice_rules
from models import (
    AuditLog,
    Finding,
    Inspection,
    Notice,
    NoticeRecipient,
    NoticeTask,
    NoticeTemplate,
    Role,
    TaskStatus,
)
from tests.factories import make_department, make_report, make_task, make_user

TODAY = dt.date(2026, 11, 23)  # a Monday


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(dt.datetime(2026, 11, 23, 10, 0)):
        yield


def _done(session, task, days_early=2):
    task.status = TaskStatus.completed
    task.completed_at = dt.datetime.combine(
        task.deadline - dt.timedelta(days=days_early), dt.time(9)
    )
    session.add(task)
    session.commit()


def _issued_urging(session, dept, task, *, level, reply_due, replied_on=None, seq):
    n = Notice(
        kind="urging",
        level=level,
        status="issued",
        title="督办",
        body="正文",
        doc_number=f"督办〔2026〕{seq}号",
        doc_year=2026,
        doc_seq=seq,
        issued_at=dt.datetime.combine(reply_due - dt.timedelta(days=7), dt.time(9)),
        reply_due=reply_due,
    )
    session.add(n)
    session.flush()
    session.add(
        NoticeRecipient(
            notice_id=n.id,
            department_id=dept.id,
            delivered_at=n.issued_at,
            replied_at=dt.datetime.combine(replied_on, dt.time(9)) if replied_on else None,
            reply_text="已整改" if replied_on else None,
        )
    )
    session.add(NoticeTask(notice_id=n.id, task_id=task.id))
    session.commit()
    return n


def _late_unit(session, overdue_days=10):
    dept = make_department(session)
    task = make_task(
        session,
        lead=dept,
        deadline=TODAY - dt.timedelta(days=overdue_days),
        status=TaskStatus.in_progress,
        start_date=TODAY - dt.timedelta(days=90),
    )
    make_report(session, task, dept, percent=40, reported_at=dt.datetime(2026, 11, 20, 9))
    return dept, task


# ---------------------------------------------------------------- escalation


def test_first_urging_for_an_overdue_task_is_yellow_and_lists_the_task(session):
    _, actor = make_user(session, Role.inspector)
    dept, task = _late_unit(session)
    n = drafting.draft_notice(session, actor=actor, kind="urging", department_id=dept.id)
    assert n.level == "yellow" and n.status == "draft" and n.doc_number is None
    assert task.title in n.body and "逾期" in n.body
    assert n.addressees == dept.name
    table = n.attachments[0]
    assert table["rows"][0][1:3] == [task.code, task.title]
    late = table["columns"].index("逾期工作日")  # (原定时限 left out: never extended)
    assert "原定时限" not in table["columns"] and table["rows"][0][late] >= 5
    assert n.reply_due == dt.date(2026, 11, 30)  # 5 working days
    assert "2026年11月30日" in n.requirements
    recips = session.exec(select(NoticeRecipient).where(NoticeRecipient.notice_id == n.id)).all()
    assert [r.department_id for r in recips] == [dept.id]
    assert (
        session.exec(select(NoticeTask).where(NoticeTask.notice_id == n.id)).one().task_id
        == task.id
    )


def test_two_ignored_yellows_make_a_red(session):
    _, actor = make_user(session, Role.inspector)
    dept, task = _late_unit(session)
    _issued_urging(
        session, dept, task, level="yellow", reply_due=TODAY - dt.timedelta(days=20), seq=1
    )
    n1 = drafting.draft_notice(session, actor=actor, kind="urging", department_id=dept.id)
    assert n1.level == "yellow"  # one ignored is not enough
    _issued_urging(
        session, dept, task, level="yellow", reply_due=TODAY - dt.timedelta(days=3), seq=2
    )
    n2 = drafting.draft_notice(session, actor=actor, kind="urging", department_id=dept.id)
    assert n2.level == "red"
    assert "督办〔2026〕1号" in n2.body and "督办〔2026〕2号" in n2.body
    assert "未按期反馈" in n2.extra["level_reason"]
    assert n2.reply_due == dt.date(2026, 11, 26)  # red: 3 working days


def test_answered_in_time_is_not_ignored_but_a_late_answer_is(session):
    _, actor = make_user(session, Role.inspector)
    dept, task = _late_unit(session)
    due = TODAY - dt.timedelta(days=10)
    _issued_urging(session, dept, task, level="yellow", reply_due=due, replied_on=due, seq=1)
    _issued_urging(session, dept, task, level="yellow", reply_due=due, replied_on=due, seq=2)
    assert (
        drafting.draft_notice(session, actor=actor, kind="urging", department_id=dept.id).level
        == "yellow"
    )
    _issued_urging(session, dept, task, level="blue", reply_due=due, replied_on=TODAY, seq=3)
    _issued_urging(session, dept, task, level="yellow", reply_due=due, seq=4)
    # only one ignored at yellow or above (the blue one answered late is below yellow)
    assert (
        drafting.draft_notice(session, actor=actor, kind="urging", department_id=dept.id).level
        == "yellow"
    )


def test_lagging_only_is_blue_and_long_overdue_is_red(session):
    _, actor = make_user(session, Role.inspector)
    lag = make_department(session)
    t = make_task(
        session,
        lead=lag,
        deadline=TODAY + dt.timedelta(days=20),
        start_date=TODAY - dt.timedelta(days=100),
        status=TaskStatus.in_progress,
    )
    make_report(session, t, lag, percent=10, reported_at=dt.datetime(2026, 11, 20, 9))
    assert (
        drafting.draft_notice(session, actor=actor, kind="urging", department_id=lag.id).level
        == "blue"
    )
    old, _ = _late_unit(session, overdue_days=60)
    assert (
        drafting.draft_notice(session, actor=actor, kind="urging", department_id=old.id).level
        == "red"
    )


def test_no_urging_for_a_unit_on_track(session):
    _, actor = make_user(session, Role.inspector)
    ok = make_department(session)
    t = make_task(
        session,
        lead=ok,
        deadline=TODAY + dt.timedelta(days=200),
        status=TaskStatus.in_progress,
        start_date=TODAY - dt.timedelta(days=10),
    )
    make_report(session, t, ok, percent=20, reported_at=dt.datetime(2026, 11, 20, 9))
    with pytest.raises(ValidationFailed, match="无需督办"):
        drafting.draft_notice(session, actor=actor, kind="urging", department_id=ok.id)
    assert session.exec(select(Notice)).first() is None


# ---------------------------------------------------------------- praise and criticism


def _scenario(session):
    good = make_department(session, name="好单位")
    for _ in range(2):
        _done(session, make_task(session, lead=good, deadline=TODAY - dt.timedelta(days=10)))
    bad = make_department(session, name="差单位")
    for _ in range(2):
        make_task(
            session, lead=bad, deadline=TODAY - dt.timedelta(days=15), status=TaskStatus.in_progress
        )
    one_late = make_department(session, name="一项逾期单位")
    _done(session, make_task(session, lead=one_late, deadline=TODAY - dt.timedelta(days=10)))
    make_task(
        session,
        lead=one_late,
        deadline=TODAY - dt.timedelta(days=15),
        status=TaskStatus.in_progress,
    )
    rect = make_department(session, name="整改逾期单位")
    t = make_task(session, lead=rect, deadline=TODAY - dt.timedelta(days=10))
    _done(session, t)
    _done(session, make_task(session, lead=rect, deadline=TODAY - dt.timedelta(days=10)))
    insp = Inspection(inspected_on=TODAY - dt.timedelta(days=30), method="on_site", result="poor")
    session.add(insp)
    session.flush()
    session.add(
        Finding(
            inspection_id=insp.id,
            department_id=rect.id,
            task_id=t.id,
            description="台账不全",
            due_date=TODAY - dt.timedelta(days=5),
        )
    )
    session.commit()
    return good, bad, one_late, rect


def test_praise_and_criticism_follow_the_rules(session):
    good, bad, one_late, rect = _scenario(session)
    rules = notice_rules.load_notice_rules(session)
    records = facts.unit_records(session, TODAY)
    praised = {r.name for r in facts.praised_units(records, rules)}
    criticised = {r.name for r in facts.criticised_units(records, rules)}
    assert praised == {"好单位"}
    assert criticised == {"差单位", "整改逾期单位"}
    # the office loosens the criticism threshold: one overdue task is enough
    rules["criticise_overdue_tasks"] = 1
    criticised = {r.name for r in facts.criticised_units(records, rules)}
    assert criticised == {"差单位", "一项逾期单位", "整改逾期单位"}


def test_bulletin_names_units_with_the_facts_and_attaches_tables(session):
    _, actor = make_user(session, Role.office)
    _scenario(session)
    n = drafting.draft_notice(session, actor=actor, kind="bulletin", period="month")
    # on 23 November the last complete month is October
    assert n.period_label == "2026年10月"
    assert n.title == "关于2026年10月测试推进情况的通报"  # plan “测试实施方案”
    assert "好单位：承担任务2项，已办结2项，其中按期办结2项，按期办结率100%" in n.body
    assert "差单位：逾期未办结任务2项" in n.body
    assert "差单位：承担任务" not in n.body  # criticism states shortcomings only
    assert "督查发现问题整改逾期1项" in n.body
    assert "按期办结率" in n.body and "共有任务8项，已办结5项" in n.body
    assert "上期" not in n.body  # nothing to compare with
    assert [a["title"].split("（")[0] for a in n.attachments] == [
        "各单位任务推进情况表",
        "逾期未办结任务清单",
        "延期任务原定时限与调整后时限对照表",
    ]
    assert len(n.attachments[1]["rows"]) == 3
    assert n.extra["figures"]["overdue"] == 3
    # next bulletin reports the change since this one once it is issued
    issuing.issue_notice(session, actor=actor, notice_id=n.id, expected_version=n.version)
    # a 通报 without figures issued since (e.g. a published scorecard) is not the comparison
    with clock.frozen(dt.datetime(2026, 11, 25, 9)):
        other = drafting.create_draft(
            session,
            actor=actor,
            kind="bulletin",
            title="关于考核结果的通报",
            body="正文",
            recipients=_unit_ids(session),
        )
        issuing.issue_notice(
            session, actor=actor, notice_id=other.id, expected_version=other.version
        )
    with clock.frozen(dt.datetime(2026, 12, 1, 9)):
        n2 = drafting.draft_notice(session, actor=actor, kind="bulletin", period="month")
        weekly = drafting.draft_notice(session, actor=actor, kind="bulletin", period="week")
    assert n2.period_label == "2026年11月"
    assert "与上期持平" in n2.body or "比上期" in n2.body
    assert n.doc_number in n2.body and n2.extra["previous"] == n.doc_number
    # a weekly bulletin is not compared with a monthly one
    assert weekly.period_label == "2026年11月23日至11月29日"
    assert "上期" not in weekly.body and weekly.extra["previous"] is None


def _unit_ids(session) -> list[int]:
    from models import Department

    return [d.id for d in session.exec(select(Department)).all()][:1]


def test_commendation_without_qualifying_units_is_refused(session):
    _, actor = make_user(session, Role.office)
    dept, _ = _late_unit(session)
    with pytest.raises(ValidationFailed, match="没有符合条件的单位"):
        drafting.draft_notice(session, actor=actor, kind="commendation")


def test_interview_needs_time_place_attendees_and_forbids_substitutes(session):
    _, actor = make_user(session, Role.inspector)
    dept, _ = _late_unit(session)
    with pytest.raises(ValidationFailed, match="时间、地点和参加人员"):
        drafting.draft_notice(session, actor=actor, kind="interview", department_id=dept.id)
    n = drafting.draft_notice(
        session,
        actor=actor,
        kind="interview",
        department_id=dept.id,
        interview_at=dt.datetime(2026, 11, 26, 9, 0),
        place="三楼会议室",
        attendees="主要负责同志",
        contact="张三",
        phone="0571-87051234",
    )
    assert "不得委托他人代为参加" in n.body and "三楼会议室" in n.body
    assert "2026年11月26日（星期四）上午9:00" in n.body
    assert "联系人：张三；联系电话：0571-87051234" in n.body
    # the attendee list is due the working day before the interview
    assert n.reply_due == dt.date(2026, 11, 25)
    assert "请你单位于2026年11月25日前将参加人员名单" in n.body
    assert n.extra["place"] == "三楼会议室"


# ---------------------------------------------------------------- templates


def test_broken_template_is_refused_with_its_line(session):
    _, office = make_user(session, Role.office)
    bad = "第一行{{ unit }}\n第二行\n第三行{% for t in tasks %}\n"
    with pytest.raises(ValidationFailed, match="第 4 行|第 3 行"):
        templates.save_template(
            session, actor=office, kind="urging", source=bad, expected_version=None
        )
    undefined = "第一行\n{{ unit }}有{{ no_such_thing }}\n"
    with pytest.raises(ValidationFailed, match="第 2 行.*no_such_thing"):
        templates.save_template(
            session, actor=office, kind="urging", source=undefined, expected_version=None
        )
    assert session.exec(select(NoticeTemplate)).first() is None


def test_template_override_is_used_and_reset_restores_the_default(session):
    _, office = make_user(session, Role.office)
    dept, _ = _late_unit(session)
    templates.save_template(
        session,
        actor=office,
        kind="urging",
        source="{{ unit }}：你单位有{{ tasks|length }}项任务滞后，特此督办。",
        expected_version=None,
    )
    n = drafting.draft_notice(session, actor=office, kind="urging", department_id=dept.id)
    assert n.body == f"{dept.name}：你单位有1项任务滞后，特此督办。"
    templates.reset_template(session, actor=office, kind="urging")
    n = drafting.draft_notice(session, actor=office, kind="urging", department_id=dept.id)
    assert n.body.startswith("经梳理")


def test_only_the_office_edits_templates_and_rules(session):
    _, insp = make_user(session, Role.inspector)
    with pytest.raises(PermissionDenied):
        templates.save_template(
            session, actor=insp, kind="urging", source="x", expected_version=None
        )
    with pytest.raises(PermissionDenied):
        notice_rules.save_rules(session, actor=insp, rules={}, expected_version=0)


def test_rules_are_validated_and_saved(session):
    _, office = make_user(session, Role.office)
    with pytest.raises(ValidationFailed, match="文号代字必须互不相同"):
        notice_rules.save_rules(
            session, actor=office, rules={"prefixes": {"urging": "通报"}}, expected_version=0
        )
    with pytest.raises(ValidationFailed, match="升级"):
        notice_rules.save_rules(
            session, actor=office, rules={"escalate_after_ignored": 0}, expected_version=0
        )
    notice_rules.save_rules(
        session, actor=office, rules={"escalate_after_ignored": 1}, expected_version=0
    )
    assert notice_rules.load_notice_rules(session)["escalate_after_ignored"] == 1
    assert notice_rules.rules_version(session) == 1


def test_copies_go_to_bodies_not_to_leaders_as_persons(session):
    from duban.core.stored import save_setting

    _, office = make_user(session, Role.office)
    for persons in ("领导小组组长、副组长", "市委办公室，张三同志", "市长"):
        with pytest.raises(ValidationFailed, match="不能写领导个人"):
            notice_rules.save_rules(
                session, actor=office, rules={"copy_to": persons}, expected_version=0
            )
    with pytest.raises(ValidationFailed, match="联系电话"):
        notice_rules.save_rules(
            session, actor=office, rules={"contact_phone": "call me"}, expected_version=0
        )
    ok = "市委办公室，市政府办公室，市纪委监委，市委编委"
    notice_rules.save_rules(session, actor=office, rules={"copy_to": ok}, expected_version=0)
    assert notice_rules.load_notice_rules(session)["copy_to"] == ok
    # rules saved with the former default (leaders as persons) read as the new default
    save_setting(
        session,
        actor=office,
        key=notice_rules.RULES_KEY,
        value={"copy_to": notice_rules.FORMER_COPY_TO},
        expected_version=1,
        action="notice_rules.update",
    )
    session.commit()
    assert notice_rules.load_notice_rules(session)["copy_to"] == "市委办公室，市政府办公室"
    # a draft's 抄送 is held to the same rule
    _, insp = make_user(session, Role.inspector)
    dept, _ = _late_unit(session)
    n = drafting.draft_notice(session, actor=insp, kind="urging", department_id=dept.id)
    assert n.copy_to == "市委办公室，市政府办公室"
    with pytest.raises(ValidationFailed, match="不能写领导个人"):
        drafting.update_draft(
            session, actor=insp, notice_id=n.id, expected_version=n.version, copy_to="市长"
        )


# ---------------------------------------------------------------- issuing


def test_issue_numbers_per_kind_and_makes_read_only(session):
    _, actor = make_user(session, Role.inspector)
    d1, _ = _late_unit(session)
    d2, _ = _late_unit(session)
    a = drafting.draft_notice(session, actor=actor, kind="urging", department_id=d1.id)
    b = drafting.draft_notice(session, actor=actor, kind="urging", department_id=d2.id)
    r = drafting.draft_notice(session, actor=actor, kind="accountability", department_id=d2.id)
    with pytest.raises(ValidationFailed, match="问责所依据的规定及条款"):
        issuing.issue_notice(session, actor=actor, notice_id=r.id, expected_version=r.version)
    r = drafting.update_draft(
        session,
        actor=actor,
        notice_id=r.id,
        expected_version=r.version,
        body=r.body.replace("【待填写：问责所依据的规定及条款】", "《某市督查问责办法》第十二条"),
    )
    a = issuing.issue_notice(session, actor=actor, notice_id=a.id, expected_version=a.version)
    b = issuing.issue_notice(session, actor=actor, notice_id=b.id, expected_version=b.version)
    r = issuing.issue_notice(session, actor=actor, notice_id=r.id, expected_version=r.version)
    assert (a.doc_number, b.doc_number, r.doc_number) == (
        "督办〔2026〕1号",
        "督办〔2026〕2号",
        "问责〔2026〕1号",
    )
    rec = session.exec(select(NoticeRecipient).where(NoticeRecipient.notice_id == a.id)).one()
    assert rec.delivered_at == dt.datetime(2026, 11, 23, 10, 0)
    with pytest.raises(ValidationFailed, match="已签发"):
        drafting.update_draft(
            session, actor=actor, notice_id=a.id, expected_version=a.version, title="改"
        )
    with pytest.raises(ValidationFailed, match="不能重复签发"):
        issuing.issue_notice(session, actor=actor, notice_id=a.id, expected_version=a.version)
    assert session.exec(select(AuditLog).where(AuditLog.action == "notice.issue")).all()


def test_edit_then_issue_and_stale_edit_is_refused(session):
    _, actor = make_user(session, Role.inspector)
    d, _ = _late_unit(session)
    n = drafting.draft_notice(session, actor=actor, kind="urging", department_id=d.id)
    v = n.version
    n = drafting.update_draft(
        session,
        actor=actor,
        notice_id=n.id,
        expected_version=v,
        title="关于加快推进的督办通知",
        body="改写后的正文。",
    )
    from duban.core.errors import StaleEdit

    with pytest.raises(StaleEdit):
        drafting.update_draft(session, actor=actor, notice_id=n.id, expected_version=v, title="旧")
    with pytest.raises(ValidationFailed, match="标题不能为空"):
        drafting.update_draft(
            session, actor=actor, notice_id=n.id, expected_version=n.version, title=" "
        )
    n = issuing.issue_notice(session, actor=actor, notice_id=n.id, expected_version=n.version)
    assert n.title == "关于加快推进的督办通知" and n.body == "改写后的正文。"


def test_a_dept_head_cannot_draft_or_issue(session):
    _, head = make_user(session, Role.dept_head)
    with pytest.raises(PermissionDenied):
        drafting.draft_notice(session, actor=head, kind="bulletin")
    with pytest.raises(PermissionDenied):
        issuing.issue_notice(session, actor=head, notice_id=1, expected_version=1)


def _concurrent_engine(engine, tmp_path):
    """Threads need their own connections: a file database on SQLite, the pool on PostgreSQL."""
    if engine.dialect.name == "sqlite":
        eng = dbmod.make_engine(f"sqlite:///{tmp_path / 'race.db'}")
        SQLModel.metadata.create_all(eng)
        from tests.conftest import _insert_version_row

        _insert_version_row(eng)
        return eng
    return engine


def test_numbers_are_unique_and_gapless_under_concurrency(engine, tmp_path):
    eng = _concurrent_engine(engine, tmp_path)
    n_threads = 8
    with Session(eng, expire_on_commit=False) as s:
        _, actor = make_user(s, Role.office)
        dept = make_department(s)
        ids = []
        for i in range(n_threads):
            n = Notice(
                kind="urging", level="yellow", title=f"督办{i}", body="正文", addressees=dept.name
            )
            s.add(n)
            s.flush()
            s.add(NoticeRecipient(notice_id=n.id, department_id=dept.id))
            ids.append(n.id)
        s.commit()
    barrier = threading.Barrier(n_threads)
    errors: list[Exception] = []

    def issue(nid):
        with Session(eng, expire_on_commit=False) as s:
            barrier.wait()
            try:
                issuing.issue_notice(s, actor=actor, notice_id=nid, expected_version=1)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

    threads = [threading.Thread(target=issue, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    with Session(eng) as s:
        seqs = sorted(n.doc_seq for n in s.exec(select(Notice)).all())
        assert seqs == list(range(1, n_threads + 1))
        numbers = {n.doc_number for n in s.exec(select(Notice)).all()}
        assert len(numbers) == n_threads
        from models import DocCounter

        assert s.get(DocCounter, ("urging", 2026)).last_seq == n_threads
    if eng is not engine:
        eng.dispose()


def test_same_draft_issued_twice_at_once_gets_one_number(engine, tmp_path):
    eng = _concurrent_engine(engine, tmp_path)
    with Session(eng, expire_on_commit=False) as s:
        _, actor = make_user(s, Role.office)
        dept = make_department(s)
        n = Notice(kind="urging", level="blue", title="督办", body="正文")
        s.add(n)
        s.flush()
        s.add(NoticeRecipient(notice_id=n.id, department_id=dept.id))
        s.commit()
        nid = n.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def issue():
        with Session(eng, expire_on_commit=False) as s:
            barrier.wait()
            try:
                issuing.issue_notice(s, actor=actor, notice_id=nid, expected_version=1)
                outcomes.append("ok")
            except Exception as exc:  # noqa: BLE001
                outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes.count("ok") == 1 and set(outcomes) <= {"ok", "StaleEdit", "ValidationFailed"}
    with Session(eng) as s:
        from models import DocCounter

        assert s.get(DocCounter, ("urging", 2026)).last_seq == 1
    if eng is not engine:
        eng.dispose()


# ---------------------------------------------------------------- the units' side


def test_units_acknowledge_and_reply_only_their_own(session):
    _, insp = make_user(session, Role.inspector)
    d1, _ = _late_unit(session)
    d2, _ = _late_unit(session)
    _, head1 = make_user(session, Role.dept_head, department_id=d1.id)
    _, head2 = make_user(session, Role.dept_head, department_id=d2.id)
    n = drafting.draft_notice(session, actor=insp, kind="urging", department_id=d1.id)
    # a draft is invisible to units
    assert reading.list_notices(session, actor=head1) == []
    n = issuing.issue_notice(session, actor=insp, notice_id=n.id, expected_version=n.version)
    rows = reading.list_notices(session, actor=insp)
    assert rows[0].pending_ack == [d1.name] and rows[0].pending_reply == [d1.name]
    assert [r.notice.id for r in reading.list_notices(session, actor=head1)] == [n.id]
    assert reading.list_notices(session, actor=head2) == []
    with pytest.raises(PermissionDenied):
        reading.get_notice(session, actor=head2, notice_id=n.id)
    with pytest.raises(PermissionDenied):
        replies.acknowledge_notice(session, actor=head2, notice_id=n.id, department_id=d1.id)
    with pytest.raises(Exception, match="不在该通知的接收单位"):
        replies.acknowledge_notice(session, actor=head2, notice_id=n.id)
    replies.acknowledge_notice(session, actor=head1, notice_id=n.id)
    with pytest.raises(ValidationFailed, match="不能少于"):
        replies.reply_notice(session, actor=head1, notice_id=n.id, text_="好")
    replies.reply_notice(
        session, actor=head1, notice_id=n.id, text_="已召开专题会议，倒排工期推进。"
    )
    row = reading.list_notices(session, actor=insp)[0]
    assert row.acknowledged == 1 and row.replied == 1 and row.pending_reply == []
    with pytest.raises(ValidationFailed, match="已反馈"):
        replies.reply_notice(session, actor=head1, notice_id=n.id, text_="再次反馈内容。")


def test_docx_of_an_issued_notice(session):
    import io

    from docx import Document

    _, insp = make_user(session, Role.inspector)
    d, task = _late_unit(session)
    n = drafting.draft_notice(session, actor=insp, kind="urging", department_id=d.id)
    n = issuing.issue_notice(session, actor=insp, notice_id=n.id, expected_version=n.version)
    name, data = reading.notice_docx(session, actor=insp, notice_id=n.id)
    assert name == f"督办〔2026〕1号-{n.title}.docx"  # the whole title, number first
    doc = Document(io.BytesIO(data))
    texts = [p.text.replace("\n", "") for p in doc.paragraphs]  # a title of several lines has w:br
    assert texts[0] == notice_rules.DEFAULT_RULES["issuer"]
    assert "督办〔2026〕1号" in texts and n.title in texts and f"{d.name}：" in texts
    assert "黄色督办" in texts
    assert any("2026年11月30日前" in t for t in texts)  # the requirement with its deadline
    assert doc.tables[0].rows[1].cells[2].text == task.title


def test_interview_and_accountability_rules_are_reported_on_the_draft(session):
    _, actor = make_user(session, Role.inspector)
    dept, task = _late_unit(session)
    args = dict(
        interview_at=dt.datetime(2026, 11, 30, 15, 30),
        place="三楼会议室",
        attendees="主要负责同志",
        contact="张三",
        phone="87051234",
    )
    n = drafting.draft_notice(session, actor=actor, kind="interview", department_id=dept.id, **args)
    assert n.extra["meets_rule"] is False and "红色督办达到2次" in n.extra["rule"]
    assert "经领导小组同意" not in n.body and "经研究，决定对你单位进行约谈" in n.body
    agreed = drafting.draft_notice(
        session, actor=actor, kind="interview", department_id=dept.id, agreed=True, **args
    )
    assert "经领导小组同意，决定对你单位进行约谈" in agreed.body
    _issued_urging(session, dept, task, level="red", reply_due=TODAY - dt.timedelta(days=9), seq=1)
    _issued_urging(session, dept, task, level="red", reply_due=TODAY + dt.timedelta(days=3), seq=2)
    n = drafting.draft_notice(session, actor=actor, kind="interview", department_id=dept.id, **args)
    assert n.extra["meets_rule"] is True
    assert "经领导小组同意" in n.body and "已收到红色督办2次" in n.body
    a = drafting.draft_notice(session, actor=actor, kind="accountability", department_id=dept.id)
    assert a.extra["meets_rule"] is True  # one red ignored
    assert "督办〔2026〕1号、督办〔2026〕2号共2份督办通知，其中1份未按期反馈" in a.body
    assert "经多次督办，相关任务仍未办结" in a.body
    assert a.addressees == "市行政审批制度改革领导小组" and dept.name in a.copy_to
    late = {u["department_id"]: u for u in facts.late_units(session, TODAY)}
    assert set(late[dept.id]["suggest"]) == {"criticism", "interview", "accountability"}


def test_reminder_lists_tasks_due_soon(session):
    _, actor = make_user(session, Role.inspector)
    dept = make_department(session)
    soon = make_task(
        session, lead=dept, deadline=TODAY + dt.timedelta(days=3), status=TaskStatus.in_progress
    )
    make_task(
        session, lead=dept, deadline=TODAY + dt.timedelta(days=60), status=TaskStatus.in_progress
    )
    n = drafting.draft_notice(session, actor=actor, kind="reminder", department_id=dept.id)
    assert soon.title in n.body and n.body.count("测试任务") == 1
