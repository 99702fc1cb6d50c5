"""AppTest of 督查检查: inspectors record an inspection with a finding; the unit answers; re-check."""

import datetime as dt

import pytest
from sqlmodel import Session, select

from duban.core import clock
from duban.core.db import make_engine
from models import AppUser, Department, Finding, Inspection
from tests.apptest import errors, page_as


def _dept01_unit(url) -> tuple[int, str]:
    with Session(make_engine(url)) as s:
        u = s.exec(select(AppUser).where(AppUser.username == "dept01")).one()
        return u.department_id, s.get(Department, u.department_id).name


def test_inspector_records_an_inspection_with_a_finding(demo_db):
    dept_id, name = _dept01_unit(demo_db)
    at = page_as("inspections", "inspector", "inspector")
    assert not at.exception and not errors(at), errors(at)
    assert [t.label for t in at.tabs] == ["督查记录", "整改跟踪", "记录督查"]
    assert len(at.dataframe[0].value) > 0  # the demo's inspections
    at.selectbox(key="insp_0_r").set_value("fairly_good")
    at.multiselect(key="insp_0_u").set_value([dept_id])
    at.text_area(key="insp_0_n").input("实地查看政务服务中心窗口。")
    due = (clock.today() + dt.timedelta(days=10)).isoformat()
    at.session_state["insp_0_f"] = {
        "edited_rows": {},
        "added_rows": [
            {"整改单位": name, "问题描述": "窗口导办人员不足。", "整改期限": due},
        ],
        "deleted_rows": [],
    }
    at.button(key="insp_0_save").click().run()
    assert not at.exception and not errors(at), errors(at)
    assert any("整改事项 1 项" in s.value for s in at.success)
    with Session(make_engine(demo_db)) as s:
        insp = s.exec(
            select(Inspection).where(Inspection.narrative == "实地查看政务服务中心窗口。")
        ).one()
        f = s.exec(select(Finding).where(Finding.inspection_id == insp.id)).one()
        assert f.department_id == dept_id and f.description == "窗口导办人员不足。"
        assert f.due_date.isoformat() == due
        assert insp.result == "fairly_good"


def test_missing_units_are_refused_and_nothing_saved(demo_db):
    at = page_as("inspections", "inspector", "inspector")
    with Session(make_engine(demo_db)) as s:
        before = len(s.exec(select(Inspection)).all())
    assert at.selectbox(key="insp_0_r").value is None  # no silent default result
    at.button(key="insp_0_save").click().run()
    assert any("请选择督查结果" in e for e in errors(at))
    at.selectbox(key="insp_0_r").set_value("good")
    at.button(key="insp_0_save").click().run()
    assert any("至少选择一个被督查单位" in e for e in errors(at))
    with Session(make_engine(demo_db)) as s:
        assert len(s.exec(select(Inspection)).all()) == before


def test_unit_answers_and_inspector_accepts(demo_db):
    dept_id, _ = _dept01_unit(demo_db)
    with Session(make_engine(demo_db)) as s:
        insp = Inspection(
            inspected_on=clock.today(), method="on_site", result="average", inspectors="赵督查"
        )
        s.add(insp)
        s.flush()
        f = Finding(
            inspection_id=insp.id,
            department_id=dept_id,
            description="台账不全。",
            due_date=clock.today() + dt.timedelta(days=5),
        )
        s.add(f)
        s.commit()
        fid = f.id
    at = page_as("notices", "dept01", "dept_head")
    at.selectbox(key="my_f_pick").set_value(fid).run()
    at.text_area(key=f"my_f_{fid}_1_text").input("已补齐台账并归档。")
    at.button(key=f"my_f_{fid}_1_send").click().run()
    assert not errors(at), errors(at)
    at = page_as("inspections", "inspector", "inspector")
    at.selectbox(key="fx_re_pick").set_value(fid).run()
    at.button(key=f"fx_True_{fid}").click().run()
    assert not errors(at), errors(at)
    with Session(make_engine(demo_db)) as s:
        f = s.get(Finding, fid)
        assert f.status == "accepted" and f.answer_text == "已补齐台账并归档。"


@pytest.mark.parametrize("user,role", [("leader", "leader"), ("dept01", "dept_head")])
def test_roles_without_the_page_cannot_open_it(demo_db, user, role):
    with pytest.raises(Exception):  # noqa: B017 - AppTest refuses to switch to an unregistered page
        page_as("inspections", user, role)


def test_record_picker_is_capped_with_a_note(demo_db, monkeypatch):
    from ui.inspections import views as iv

    monkeypatch.setattr(iv, "PICK_MAX", 1)
    at = page_as("inspections", "inspector", "inspector")
    assert not at.exception and not errors(at), errors(at)
    total = len(at.dataframe[0].value)
    assert total > 1
    assert len(at.selectbox(key="insp_pick").options) == 1 + 1  # nothing chosen, one record
    assert any(f"前 1 项（共 {total} 项" in c.value for c in at.caption)
