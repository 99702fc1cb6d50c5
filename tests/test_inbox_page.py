"""待办 page under AppTest: every role, the sidebar count, the links that open the place where
each item is done, and the desk's 待办通知 counting an overdue 整改 item."""

import datetime as dt

import pytest
from sqlmodel import Session, select

from duban.core import clock, db
from duban.core.permissions import Actor
from duban.inbox import items
from duban.tasks import workflow
from models import (
    AppUser,
    Assignment,
    Finding,
    Inspection,
    Notice,
    NoticeRecipient,
    ScoreAppeal,
    Task,
)
from tests.apptest import DEMO_USERS, app_as, errors, page_as, shown


def _db(url: str) -> Session:
    return Session(db.make_engine(url), expire_on_commit=False)


def _user(s: Session, username: str) -> AppUser:
    return s.exec(select(AppUser).where(AppUser.username == username)).one()


def _items(url: str, username: str) -> list[items.Item]:
    with _db(url) as s:
        return items.items(s, Actor.of(_user(s, username)), clock.today())


def _nav_title(at) -> str:
    """The sidebar title app.py gave the inbox page on its last run through st.navigation."""
    # by its file: the first page of a role is its default one, registered at the address ""
    pages = at._registered_pages.values()
    return next(p["page_name"] for p in pages if p["script_path"].endswith("pages/inbox.py"))


def _links(at) -> list[str]:
    return [f"{p.proto.page}?{p.proto.query_string}" for p in at.get("page_link")]


@pytest.mark.parametrize(("username", "role"), list(DEMO_USERS.items()))
def test_every_role_sees_its_items_with_links(demo_db, username, role):
    want = _items(demo_db, username)
    at = page_as("inbox", username, role)
    assert not at.exception and not errors(at), errors(at)
    assert at.title[0].value == "待办"
    if not want:  # a calm empty state (the demo leader, the demo inspector)
        assert at.info and "没有待办事项" in at.info[0].value
        assert not _links(at)
        return
    lines = [shown(m.value) for m in at.markdown if m.value.startswith("**")]
    assert len(lines) == len(want)
    for line, item in zip(lines, want, strict=True):
        assert line.startswith(f"**{item.title}**") and item.name in line
    assert _links(at) == [
        f"{item.page}?" + "&".join(f"{k}={v}" for k, v in item.params.items()) for item in want
    ]


def test_groups_in_urgency_order_in_english_too(demo_db):
    at = app_as("office", "office")
    at.session_state["lang"] = "en"
    at.run()
    assert _nav_title(at) == "To-do (3)"
    at.switch_page("pages/inbox.py")
    at.run()
    assert not at.exception
    heads = [h.value for h in at.subheader]
    assert heads == ["🔴 Overdue (1)", "⚪ Other (2)"]
    text = " ".join(shown(m.value) for m in at.markdown)
    assert "Decide the sign-off request" in text and "days overdue" in text


@pytest.mark.parametrize(("username", "role"), list(DEMO_USERS.items()))
def test_the_sidebar_counts_what_waits(demo_db, username, role):
    n = len(_items(demo_db, username))
    at = app_as(username, role)
    at.run()
    assert not at.exception
    assert _nav_title(at) == (f"待办（{n}）" if n else "待办")


def test_the_count_falls_when_the_item_is_done(demo_db):
    (item,) = _items(demo_db, "dept01")
    at = app_as("dept01", "dept_head")
    at.run()
    assert _nav_title(at) == "待办（1）"
    with _db(demo_db) as s:
        a = s.exec(select(Assignment).where(Assignment.task_id == item.object_id)).all()
        mine = next(x for x in a if x.department_id == _user(s, "dept01").department_id)
        workflow.acknowledge(s, actor=Actor.of(_user(s, "dept01")), assignment_id=mine.id)
    at = app_as("dept01", "dept_head")
    at.run()
    assert _nav_title(at) == "待办"
    at.switch_page("pages/inbox.py")
    at.run()
    assert "没有待办事项" in at.info[0].value


# ---------------------------------------------------------------- links open the place


def _follow(username: str, role: str, page: str, **params: str):
    """Open `page?params` as the user: what a click on the inbox's link does."""
    at = app_as(username, role)
    at.run()
    at.switch_page(f"pages/{page}.py")
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception and not errors(at), errors(at)
    return at


def test_a_units_notice_link_opens_that_notice(demo_db):
    with _db(demo_db) as s:
        dept = _user(s, "dept01").department_id
        n = Notice(
            kind="urging",
            status="issued",
            title="关于限期报送的督办通知",
            doc_number="督办〔2026〕98号",
            reply_due=clock.today() + dt.timedelta(days=3),
            issued_at=clock.now() - dt.timedelta(days=1),
        )
        s.add(n)
        s.flush()
        s.add(NoticeRecipient(notice_id=n.id, department_id=dept))
        s.commit()
    assert ("notices", {"notice": str(n.id)}) in [i.link for i in _items(demo_db, "dept01")]
    at = _follow("dept01", "dept_head", "notices", notice=str(n.id))
    opened = [e for e in at.expander if e.proto.expanded]
    assert [e.label for e in opened] == ["📨 督办〔2026〕98号 · 关于限期报送的督办通知"]
    assert opened[0].button(key=f"nt_ack_{n.id}")  # 签收 right there
    assert "notice" not in at.query_params  # taken: the user moves freely from here


def _finding(url: str, username: str, *, status: str = "open", days: int = -2) -> int:
    with _db(url) as s:
        insp = s.exec(select(Inspection)).first()
        f = Finding(
            inspection_id=insp.id,
            department_id=_user(s, username).department_id,
            description="窗口未公示办事指南。",
            due_date=clock.today() + dt.timedelta(days=days),
            status=status,
            answer_text="已公示。" if status == "answered" else None,
            answered_at=clock.now() if status == "answered" else None,
        )
        s.add(f)
        s.commit()
        return f.id


def test_a_units_rectification_link_opens_the_answer_form(demo_db):
    fid = _finding(demo_db, "dept01")
    assert ("notices", {"finding": str(fid)}) in [i.link for i in _items(demo_db, "dept01")]
    at = _follow("dept01", "dept_head", "notices", finding=str(fid))
    assert at.selectbox(key="my_f_pick").value == fid
    assert [b.label for b in at.button if b.key == f"my_f_{fid}_1_send"] == ["提交整改情况"]


def test_the_inspectors_recheck_link_picks_the_answered_item(demo_db):
    fid = _finding(demo_db, "dept02", status="answered")
    assert [i.link for i in _items(demo_db, "inspector")] == [
        ("inspections", {"finding": str(fid)})
    ]
    at = _follow("inspector", "inspector", "inspections", finding=str(fid))
    assert at.selectbox(key="fx_re_pick").value == fid
    assert at.button(key=f"fx_True_{fid}") and at.button(key=f"fx_False_{fid}")


def test_the_offices_appeal_link_opens_the_period_on_its_appeals(demo_db):
    (appeal_item,) = [i for i in _items(demo_db, "office") if i.kind == "appeal"]
    page, params = appeal_item.link
    at = _follow("office", "office", page, **params)
    assert at.selectbox(key="asm_period").value == int(params["period"])
    with _db(demo_db) as s:
        appeal = s.get(ScoreAppeal, appeal_item.object_id)
    assert appeal.status == "pending"
    assert any(f.key == f"asm_decide_{appeal.id}" for f in at.get("form"))


def test_the_offices_draft_link_opens_the_draft(demo_db):
    with _db(demo_db) as s:
        office = _user(s, "office")
        n = Notice(
            kind="reminder",
            status="draft",
            title="关于按期报送进展的提醒",
            created_by=office.id,
            created_at=clock.now() - dt.timedelta(days=2),
        )
        s.add(n)
        s.commit()
    assert ("notices", {"notice": str(n.id)}) in [i.link for i in _items(demo_db, "office")]
    at = _follow("office", "office", "notices", notice=str(n.id))
    assert at.selectbox(key="nt_drafts_pick").value == n.id


def test_the_desk_counts_an_overdue_rectification_among_its_notices(demo_db):
    at = page_as("my_tasks", "dept01", "dept_head")
    assert {m.label: m.value for m in at.metric}["待办通知"] == "0"
    _finding(demo_db, "dept01", days=-3)
    _finding(demo_db, "dept01", days=10)  # open, not yet due: counted under 待整改 only
    at = page_as("my_tasks", "dept01", "dept_head")
    metrics = {m.label: m for m in at.metric}
    assert metrics["待办通知"].value == "1" and metrics["待整改"].value == "2"
    assert "逾期未答复的整改事项 1 项" in metrics["待办通知"].proto.help
    box = next(e for e in at.expander if e.label.startswith("待办通知"))
    assert "逾期整改" in box.markdown[0].value and "窗口未公示办事指南" in box.markdown[0].value


def test_typed_text_in_the_inbox_is_shown_as_written_never_as_markup(demo_db):
    from markdown_it import MarkdownIt

    from tests.user_text_payloads import CODE, LINE, LONG

    (item,) = _items(demo_db, "dept01")
    with _db(demo_db) as s:
        task = s.get(Task, item.object_id)
        task.title, task.code = LINE, CODE
        s.add(task)
        s.commit()
    fid = _finding(demo_db, "dept01")
    with _db(demo_db) as s:
        f = s.get(Finding, fid)
        f.description = LONG
        s.add(f)
        s.commit()
    at = page_as("inbox", "dept01", "dept_head")
    assert not at.exception
    lines = [m.value for m in at.markdown if m.value.startswith("**")]
    assert len(lines) == 2
    html = MarkdownIt("commonmark").render("\n\n".join(lines))
    for tell in ("<a ", "<img", "<form", "<iframe", "<style", "<input", "<div"):
        assert tell not in html, tell
    text = " ".join(shown(x) for x in lines)
    assert f"{CODE} {LINE}" in text  # every character kept
    assert " ".join(LONG.split()) in text
