"""AppTest of what each role must see (issue 14): evidence previews for the inspector, the
unit's desk (整改 items, 退回重办), the 整改事项 tab count, the holiday warning per role."""

import datetime as dt
import hashlib
import io

import docx
import pytest
from PIL import Image
from sqlmodel import Session, select

from duban.core import clock, uploads
from duban.core.db import make_engine
from duban.core.permissions import Actor
from duban.inspections import records
from duban.inspections.records import FindingInput
from duban.tasks import manage, workflow
from duban.tasks import reading as task_reading
from models import AppUser, Assignment, Attachment, Finding, Task
from tests.apptest import errors, page_as, shown

# ---------------------------------------------------------------- real files


def _png(colour: str = "red", size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def _pdf(pages: int = 2) -> bytes:
    """A real PDF of `pages` pages (Pillow writes it; poppler renders it)."""
    images = [Image.new("RGB", (300, 400), c) for c in ("white", "yellow", "blue")[:pages]]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:])
    return out.getvalue()


def _docx() -> bytes:
    d = docx.Document()
    d.add_paragraph("整改情况报告")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _files(stem: str) -> list[tuple[str, bytes]]:
    return [(f"{stem}照片.png", _png()), (f"{stem}报告.pdf", _pdf()), (f"{stem}台账.docx", _docx())]


def _db(url):
    return Session(make_engine(url), expire_on_commit=False)


def _actor(s, username) -> Actor:
    return Actor.of(s.exec(select(AppUser).where(AppUser.username == username)).one())


def _record(url, *, due_days: int = 10, files=(), narrative="查看窗口和台账。") -> Finding:
    """An inspection of dept01's unit today with one finding (and evidence files)."""
    with _db(url) as s:
        inspector, head = _actor(s, "inspector"), _actor(s, "dept01")
        insp = records.record_inspection(
            s,
            actor=inspector,
            inspected_on=clock.today() - dt.timedelta(days=20 if due_days < 0 else 0),
            method="on_site",
            result="average",
            inspectors="赵督查",
            narrative=narrative,
            department_ids=[head.department_id],
            findings=[
                FindingInput(
                    head.department_id,
                    "窗口导办人员不足。",
                    clock.today() + dt.timedelta(days=due_days),
                )
            ],
            files=list(files),
        )
        return s.exec(select(Finding).where(Finding.inspection_id == insp.id)).one()


def _images(at) -> int:
    """How many pictures the page shows (an image element may hold several)."""

    def count(node) -> int:
        own = len(node.value) if getattr(node, "type", None) == "image" else 0
        return own + sum(count(c) for c in getattr(node, "children", {}).values())

    return count(at.main)


def _toggle(at, key):
    at.toggle(key=key).set_value(True).run()
    assert not at.exception and not errors(at), (at.exception, errors(at))
    return at


# ---------------------------------------------------------------- evidence previews


def test_inspector_previews_an_inspection_records_evidence(demo_db):
    f = _record(demo_db, files=_files("督查"))
    with _db(demo_db) as s:
        atts = {
            a.filename: a
            for a in uploads.list_attachments(s, records.INSPECTION_OWNER, f.inspection_id)
        }
    key = f"insp_{f.inspection_id}"
    at = page_as("inspections", "inspector", "inspector")
    assert not at.exception and not errors(at), errors(at)
    at.selectbox(key="insp_pick").set_value(f.inspection_id).run()  # nothing opens unpicked
    labels = [b.proto.label for b in at.get("download_button")]
    assert sum("督查" in label for label in labels) == 3  # every file downloads
    assert all(b.proto.deferred_file_id for b in at.get("download_button"))  # read on click
    # images and PDFs get a 预览 toggle, the Word file only its download button
    toggles = {tg.key for tg in at.toggle}
    assert f"{key}_pv_{atts['督查照片.png'].id}" in toggles
    assert f"{key}_pv_{atts['督查报告.pdf'].id}" in toggles
    assert f"{key}_pv_{atts['督查台账.docx'].id}" not in toggles
    assert _images(at) == 0  # nothing read or shown before it is asked for
    _toggle(at, f"{key}_pv_{atts['督查照片.png'].id}")
    assert _images(at) == 1
    _toggle(at, f"{key}_pv_{atts['督查报告.pdf'].id}")
    assert _images(at) == 1 + 2  # the PDF's two pages, rendered


def test_inspector_previews_the_answer_being_rechecked(demo_db):
    f = _record(demo_db)
    with _db(demo_db) as s:
        records.answer_finding(
            s,
            actor=_actor(s, "dept01"),
            finding_id=f.id,
            expected_version=f.version,
            text_="已增配两名导办人员。",
            files=_files("整改"),
        )
        atts = {a.filename: a for a in uploads.list_attachments(s, records.FINDING_OWNER, f.id)}
    at = page_as("inspections", "inspector", "inspector")
    assert not at.exception and not errors(at), errors(at)
    at.selectbox(key="fx_re_pick").set_value(f.id).run()  # nothing opens unpicked
    key = f"fx_{f.id}"
    assert any("已增配两名导办人员" in shown(m.value) for m in at.markdown)
    assert f"{key}_pv_{atts['整改台账.docx'].id}" not in {tg.key for tg in at.toggle}
    assert any("整改台账.docx" in shown(b.proto.label) for b in at.get("download_button"))
    _toggle(at, f"{key}_pv_{atts['整改报告.pdf'].id}")
    assert _images(at) == 2
    _toggle(at, f"{key}_pv_{atts['整改照片.png'].id}")
    assert _images(at) == 3


def test_a_file_that_is_not_its_recorded_type_is_not_previewed(demo_db, tmp_path):
    """A .png row whose stored content is a PDF (hash intact): no image, a note instead."""
    f = _record(demo_db)
    data = _pdf(1)
    with _db(demo_db) as s:
        att = Attachment(
            owner_type=records.INSPECTION_OWNER,
            owner_id=f.inspection_id,
            filename="改名.png",
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            mime="image/png",
        )
        s.add(att)
        s.commit()
        path = uploads.stored_path(att.sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    at = page_as("inspections", "inspector", "inspector")
    at.selectbox(key="insp_pick").set_value(f.inspection_id).run()
    _toggle(at, f"insp_{f.inspection_id}_pv_{att.id}")
    assert _images(at) == 0
    assert any("与登记的类型不符" in c.value for c in at.caption)


# ---------------------------------------------------------------- the unit's desk


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_desk_lists_the_units_open_rectifications_and_the_tab_counts_them(demo_db):
    with _db(demo_db) as s:
        dept = _actor(s, "dept01").department_id
        before = len(
            s.exec(
                select(Finding).where(Finding.department_id == dept, Finding.status == "open")
            ).all()
        )
    _record(demo_db, due_days=-5)  # overdue
    _record(demo_db, due_days=10)
    at = page_as("my_tasks", "dept01", "dept_head")
    assert not at.exception and not errors(at), errors(at)
    assert _metrics(at)["待整改"] == str(before + 2)
    box = next(e for e in at.expander if e.label.startswith("待整改"))
    assert box.label.startswith(f"待整改（{before + 2}）") and "逾期" in box.label
    lines = [shown(m.value) for m in box.markdown]
    assert any("窗口导办人员不足" in x and "已逾期 5 天" in x for x in lines)
    assert any(
        "窗口导办人员不足" in x and (clock.today() + dt.timedelta(days=10)).isoformat() in x
        for x in lines
    )
    assert [p.proto.page for p in at.get("page_link") if "整改事项" in p.proto.label]
    at = page_as("notices", "dept01", "dept_head")
    assert not at.exception and not errors(at), errors(at)
    assert [t.label for t in at.tabs] == ["本单位通知", f"整改事项（{before + 2}）"]


def _signable_lead_task(url) -> tuple[str, Task]:
    """(username, task): a task a unit leads and could ask to 销号 now (no open subtask, no
    pending extension)."""
    with _db(url) as s:
        for username in (f"dept{i:02d}" for i in range(1, 13)):
            dept = _actor(s, username).department_id
            tasks = s.exec(
                select(Task)
                .join(Assignment, Assignment.task_id == Task.id)
                .where(
                    Assignment.department_id == dept,
                    Assignment.role == "lead",
                    Task.status == "in_progress",
                )
                .order_by(Task.id)
            ).all()
            for task in tasks:
                if not task_reading.sign_off_blockers(s, task):
                    return username, task
    raise AssertionError("the demo has no task a unit could ask to 销号")


def test_a_task_sent_back_is_flagged_on_the_desk_with_its_reason(demo_db):
    user, task = _signable_lead_task(demo_db)
    with _db(demo_db) as s:
        t = workflow.submit_for_sign_off(
            s,
            actor=_actor(s, user),
            task_id=task.id,
            summary="全部完成。",
            expected_version=task.version,
        )
        manage.send_back(
            s,
            actor=_actor(s, "office"),
            task_id=task.id,
            expected_version=t.version,
            reason="缺少验收报告",
        )
    today = clock.today().isoformat()
    at = page_as("my_tasks", user, "dept_head")
    assert not at.exception and not errors(at), errors(at)
    assert _metrics(at)["退回重办"] == "1"
    box = next(e for e in at.expander if e.label.startswith("退回重办"))
    line = shown(box.markdown[0].value)
    assert task.title in line and f"已退回重办（{today}）：缺少验收报告" in line
    table = at.dataframe[0].value
    flags = dict(zip(table["任务"], table["提示"], strict=True))
    assert flags[task.title] == f"已退回重办（{today}）：缺少验收报告"
    assert sum(bool(v) for v in flags.values()) == 1
    at.selectbox(key="my_open").set_value(task.id).run()
    assert not at.exception
    banner = [shown(w.value) for w in at.warning]
    assert any(f"已退回重办（{today}，王主任）：缺少验收报告" in w for w in banner)


# ---------------------------------------------------------------- the holiday warning


@pytest.mark.parametrize("username", ["office", "leader", "inspector"])
def test_holiday_warning_sends_each_role_where_it_can_go(demo_db, username):
    """The demo's deadlines reach a year the calendar does not know (2027 here)."""
    with _db(demo_db) as s:
        last = max(t.deadline for t in s.exec(select(Task)).all() if t.deadline)
    if last.year <= 2026:
        pytest.skip("the demo's deadlines stay within the years chinese-calendar knows")
    at = page_as("dashboard", username, username)
    assert not at.exception and not errors(at), errors(at)
    warning = next(w.value for w in at.warning if "节假日" in w.value)
    links = [p.proto for p in at.get("page_link")]
    to_admin = [p for p in links if "admin" in p.page]
    if username == "office":
        assert len(to_admin) == 1 and "节假日与调休" in to_admin[0].label
        assert "联系" not in warning
    else:  # the leader and the inspector cannot open 系统管理: told whom to ask, no link
        assert to_admin == []
        assert "请联系领导小组办公室" in warning


# ---------------------------------------------------------------- 考核排名 from the demo


@pytest.mark.parametrize("username", ["office", "leader"])
def test_assessment_opens_on_the_demos_last_month_with_its_story(demo_db, username):
    at = page_as("assessment", username, username)
    assert not at.exception and not errors(at), errors(at)
    periods = at.selectbox(key="asm_period")
    newer, older = periods.options[:2]
    assert "考核中" in newer and "已冻结发布" in older  # last month open, the one before published
    captions = " ".join(c.value for c in at.caption)
    assert "对比上期" in captions
    ranking = at.dataframe[0].value
    assert len(ranking) == 12
    moves = set(ranking["名次变化"])
    assert "—" not in moves and moves - {"持平"}  # compared with the month before, some move
    pending = [b for b in at.button if b.label == "处理"]
    assert len(pending) == (1 if username == "office" else 0)  # one appeal waits for the office
    at.selectbox(key="asm_period").select_index(1).run()  # the published month
    assert not at.exception and not errors(at), errors(at)
    assert any("冻结发布" in i.value for i in at.info)
    assert len(at.dataframe[0].value) == 12
