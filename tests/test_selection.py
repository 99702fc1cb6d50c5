"""AppTest: actions land on what the user chose (issue 14).

A table's row selection is read against the rows the user saw, and dropped when the rows
change; a task opens on its own at `?task=ID`, at the top, with the way back; a picker over
a filtered list opens nothing until the user picks, and forgets a pick the filter removed;
a form that fails in a later tab stays on that tab with its error and what was typed.
"""

import datetime as dt

from sqlmodel import Session, select

from duban.core.db import make_engine
from models import (
    AppUser,
    Assignment,
    Department,
    Inspection,
    InspectionDepartment,
    Notice,
    Task,
)
from tests.apptest import errors, page_as, shown


def _db(url):
    return Session(make_engine(url))


def _table(at, prefix: str):
    """The selectable table whose key starts with `prefix` (its key names the rows shown)."""
    hits = [d for d in at.dataframe if (d.key or "").startswith(prefix)]
    assert len(hits) == 1, [d.key for d in at.dataframe]
    return hits[0]


def _click_row(at, table, row: int) -> None:
    """What the browser sends when the user clicks a row of a selectable table."""
    at.session_state[table.key] = {"selection": {"rows": [row], "columns": [], "cells": []}}


def _opened(at) -> str | None:
    value = at.query_params.get("task")
    return value[0] if isinstance(value, list) else value


def _headings(at) -> list[str]:
    return [shown(h.value) for h in at.subheader]


# ---------------------------------------------------------------- 任务台账


def test_a_row_click_opens_that_task_on_its_own_page_at_the_top(demo_db):
    at = page_as("tasks", "office", "office")
    table = _table(at, "reg_table")
    rows = table.value
    _click_row(at, table, 3)
    at.run()
    assert not at.exception and not errors(at), errors(at)
    task_id, code, title = rows["task_id"][3], rows["code"][3], rows["title"][3].strip("　")
    assert _opened(at) == str(task_id)  # the stable link
    assert _headings(at)[0] == f"{code} {title}"  # the task, first on the page
    assert not [d for d in at.dataframe if (d.key or "").startswith("reg_table")]
    assert not at.tabs  # no register tabs, no filters drawn above it
    assert "rf_text" not in [w.key for w in at.text_input]
    assert at.button(key="task_back").label == "← 返回台账"


def test_a_selection_never_moves_to_another_task_when_the_filter_changes(demo_db):
    """Row 4 of the whole register is 一(四); typed "二(", row 4 is another task: nothing
    of that other task may open."""
    at = page_as("tasks", "office", "office")
    before = _table(at, "reg_table")
    _click_row(at, before, 3)  # the selection the browser still holds for the old rows
    at.text_input(key="rf_text").input("二(")
    at.run()
    assert not at.exception and not errors(at), errors(at)
    after = _table(at, "reg_table")
    assert after.key != before.key  # other rows: a new table, with nothing selected
    assert after.value["code"].str.startswith("二(").all() and len(after.value) > 3
    assert _opened(at) is None
    assert _headings(at) == []  # no task detail below the table either


def test_back_returns_to_the_register_with_its_filter(demo_db):
    at = page_as("tasks", "office", "office")
    at.text_input(key="rf_text").input("二(").run()
    table = _table(at, "reg_table")
    _click_row(at, table, 0)
    at.run()
    assert _opened(at) == str(table.value["task_id"][0])
    at.button(key="task_back").click().run()
    assert not at.exception and _opened(at) is None
    assert at.text_input(key="rf_text").value == "二("  # the filter waited for the way back
    back = _table(at, "reg_table")
    assert back.value["task_id"].to_list() == table.value["task_id"].to_list()
    assert _headings(at) == []  # and the task is closed, not reopened from the old click


def test_a_task_link_that_cannot_be_read_says_why(demo_db):
    at = page_as("tasks", "leader", "leader")
    at.query_params["task"] = "99999"
    at.run()
    assert not at.exception
    assert any("任务不存在" in e for e in errors(at)), errors(at)
    at.query_params["task"] = "abc"
    at.run()
    assert not at.exception
    assert any("链接中的任务编号" in e for e in errors(at)), errors(at)
    assert at.button(key="task_back")


# ---------------------------------------------------------------- 领导驾驶舱


def test_a_red_row_opens_the_task_on_its_own(demo_db):
    at = page_as("dashboard", "leader", "leader")
    red = _table(at, "dash_red_list")
    rows = red.value
    _click_row(at, red, 1)
    at.run()
    assert not at.exception and not errors(at), errors(at)
    assert at.title[0].value == "任务台账"
    assert _headings(at)[0] == f"{rows['code'][1]} {rows['title'][1]}"
    assert not [d for d in at.dataframe if (d.key or "").startswith("reg_table")]


# ---------------------------------------------------------------- 我的任务


def _dept(url, username) -> int:
    with _db(url) as s:
        return s.exec(select(AppUser).where(AppUser.username == username)).one().department_id


def _lead_task(url, username) -> tuple[Task, Assignment]:
    with _db(url) as s:
        return s.exec(
            select(Task, Assignment)
            .join(Assignment, Assignment.task_id == Task.id)
            .where(Assignment.department_id == _dept(url, username), Assignment.role == "lead")
            .where(Task.status == "in_progress")
            .order_by(Task.id)
        ).first()


def test_the_desk_opens_the_clicked_task_and_another_unit_starts_with_nothing(demo_db):
    dept01, dept02 = _dept(demo_db, "dept01"), _dept(demo_db, "dept02")
    at = page_as("my_tasks", "office", "office")  # the office looks at any unit's desk
    at.selectbox(key="my_unit").set_value(dept01).run()
    table = _table(at, "my_table")
    _click_row(at, table, 1)
    at.run()
    assert not at.exception and not errors(at), errors(at)
    code, title = table.value.iloc[1]["编号"], table.value.iloc[1]["任务"]
    assert _headings(at)[0] == f"{code} {title}"
    assert at.button(key="task_back").label == "← 返回我的任务"
    assert any(x.label == "填报进展" for x in at.tabs)  # the unit's workbench, on top
    opened = _opened(at)
    # another unit: the task of the last one closes, and no row of the new list opens
    at.selectbox(key="my_unit").set_value(dept02).run()
    assert not at.exception and _opened(at) is None, opened
    other = _table(at, "my_table")
    assert other.key != table.key
    assert _headings(at) == []


def test_a_department_head_cannot_open_another_units_task_by_link(demo_db):
    with _db(demo_db) as s:
        dept01 = _dept(demo_db, "dept01")
        mine = {
            a.task_id for a in s.exec(select(Assignment).where(Assignment.department_id == dept01))
        }
        other = s.exec(select(Task).where(Task.id.not_in(mine))).first()  # ty: ignore
    at = page_as("my_tasks", "dept01", "dept_head")
    at.query_params["task"] = str(other.id)
    at.run()
    assert not at.exception
    assert any("无权查看" in e for e in errors(at)), errors(at)
    assert other.title not in " ".join(_headings(at))
    assert not at.tabs  # no workbench


def _tab(at, label):
    return next(x for x in at.tabs if x.label == label)


def test_a_refused_extension_stays_on_its_tab_with_what_was_typed(demo_db):
    task, a = _lead_task(demo_db, "dept01")
    at = page_as("my_tasks", "dept01", "dept_head")
    at.query_params["task"] = str(task.id)
    at.run()
    tab_key = f"wb_tab_{a.id}"
    assert at.session_state[tab_key] == "填报进展"
    at.session_state[tab_key] = "申请延期"  # the user clicks the tab
    at.run()
    fk = f"ext_{a.id}"
    at.date_input(key=f"{fk}_date").set_value(task.deadline - dt.timedelta(days=3))
    at.text_area(key=f"{fk}_reason").input("系统改造需要更多时间。")
    at.button(key=f"FormSubmitter:{fk}-提交延期申请").click().run()
    assert not at.exception
    assert at.session_state[tab_key] == "申请延期"  # still on the tab the user used
    ext = _tab(at, "申请延期")
    assert any("必须晚于当前完成时限" in shown(e.value) for e in ext.error)
    assert not _tab(at, "填报进展").error
    assert at.text_area(key=f"{fk}_reason").value == "系统改造需要更多时间。"
    assert at.date_input(key=f"{fk}_date").value == task.deadline - dt.timedelta(days=3)


def test_a_sign_off_request_without_summary_stays_on_its_tab(demo_db):
    task, a = _lead_task(demo_db, "dept01")
    at = page_as("my_tasks", "dept01", "dept_head")
    at.query_params["task"] = str(task.id)
    at.run()
    tab_key = f"wb_tab_{a.id}"
    at.session_state[tab_key] = "申请销号"
    at.run()
    at.button(key=f"FormSubmitter:sub_{a.id}-申请销号").click().run()
    assert not at.exception
    assert at.session_state[tab_key] == "申请销号"
    assert _tab(at, "申请销号").error, errors(at)
    with _db(demo_db) as s:
        assert s.get(Task, task.id).status == "in_progress"


# ---------------------------------------------------------------- pickers over filtered lists


def test_a_notice_opens_only_when_picked_and_closes_when_filtered_out(demo_db):
    with _db(demo_db) as s:
        urging = s.exec(
            select(Notice).where(Notice.status == "issued", Notice.kind == "urging")
        ).first()
    at = page_as("notices", "leader", "leader")
    pick = at.selectbox(key="nt_issued_pick")
    assert pick.value is None  # nothing open that nobody chose
    assert not [b for b in at.get("download_button") if b.label == "下载 Word"]
    pick.set_value(urging.id).run()
    assert any(b.label == "下载 Word" for b in at.get("download_button"))
    at.selectbox(key="nt_issued_kind").set_value("bulletin").run()  # the urging is gone
    assert not at.exception
    assert at.selectbox(key="nt_issued_pick").value is None
    assert not [b for b in at.get("download_button") if b.label == "下载 Word"]


def test_an_inspection_record_opens_only_when_picked_and_closes_when_filtered_out(demo_db):
    with _db(demo_db) as s:
        picked = s.exec(select(Inspection).where(Inspection.narrative != "")).first()
        seen = {
            x.department_id
            for x in s.exec(
                select(InspectionDepartment).where(InspectionDepartment.inspection_id == picked.id)
            )
        }
        elsewhere = next(d.id for d in s.exec(select(Department)) if d.id not in seen)
    at = page_as("inspections", "inspector", "inspector")
    assert at.selectbox(key="insp_pick").value is None  # nothing open that nobody chose
    narrative = shown(f"{picked.narrative}")
    assert not [m for m in at.markdown if shown(m.value) == narrative]
    at.selectbox(key="insp_pick").set_value(picked.id).run()
    assert [m for m in at.markdown if shown(m.value) == narrative]
    at.selectbox(key="insp_fu").set_value(elsewhere).run()  # a unit it did not inspect
    assert not at.exception and not errors(at), errors(at)
    assert at.selectbox(key="insp_pick").value is None
    assert not [m for m in at.markdown if shown(m.value) == narrative]


def test_back_after_a_pick_in_the_picker_does_not_reopen_the_task(demo_db):
    at = page_as("tasks", "office", "office")
    task_id = _table(at, "reg_table").value["task_id"][2]
    at.selectbox(key="open_task").set_value(int(task_id)).run()
    assert _opened(at) == str(task_id)
    at.button(key="task_back").click().run()
    assert not at.exception and _opened(at) is None
    assert at.selectbox(key="open_task").value is None
    assert _headings(at) == []
    at.run()  # and it stays closed
    assert _opened(at) is None and _headings(at) == []
