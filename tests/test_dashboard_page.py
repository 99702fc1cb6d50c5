"""AppTest of 领导驾驶舱: roles, the first screen, URL filters (未按期报送 too), a unit's report
showing at once; the office's 未按期报送 thresholds in 系统管理."""

import datetime as dt

import pytest
from sqlmodel import Session, select

from duban.core import audit, db
from duban.core.permissions import Actor
from duban.monitoring import rules
from models import Assignment, Department, Plan, ProgressReport, Task
from tests.apptest import app_as, errors, page_as

DEPT = "市发展和改革委员会"


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("user", ["leader", "office", "inspector"])
def test_first_screen_answers_what_who_why(demo_db, user):
    at = page_as("dashboard", user, user)
    assert not at.exception and not errors(at), (at.exception, errors(at))
    m = _metrics(at)
    assert list(m)[:4] == ["任务总数", "已办结", "按期率", "逾期"]
    assert m["任务总数"] == "32" and int(m["逾期"]) >= 1
    red = at.dataframe[0].value  # the red list comes right after the KPI cards
    assert len(red) >= 1
    assert red["open"].str.startswith("tasks?task=").all()  # one click to the task detail
    assert red["reason_text"].str.contains("逾期").any()  # why
    assert red["lead_name"].notna().all()  # who
    # 2027 deadlines without a holiday table: the Mon–Fri fallback is announced
    assert any("2027 年" in w.value for w in at.warning)


def test_dept_head_cannot_open_the_dashboard(demo_db):
    at = app_as("dept01", "dept_head")
    at.run()
    with pytest.raises(ValueError):
        at.switch_page("pages/dashboard.py")


def test_filters_come_from_and_go_to_the_url(demo_db):
    with Session(db.make_engine(demo_db)) as s:
        dept_id = s.exec(select(Department.id).where(Department.name == DEPT)).one()
    at = app_as("leader", "leader")
    at.run()
    at.switch_page("pages/dashboard.py")
    at.query_params["dept"] = str(dept_id)
    at.query_params["role"] = "lead"
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="dash_dept").value == dept_id
    narrowed = int(_metrics(at)["任务总数"])
    assert 0 < narrowed < 32
    # changing a widget rewrites the URL, so the link can be shared
    at.selectbox(key="dash_role").set_value(None).run()
    assert at.query_params.get("dept") in (str(dept_id), [str(dept_id)])
    assert "role" not in at.query_params
    assert int(_metrics(at)["任务总数"]) >= narrowed
    [b for b in at.button if b.label == "重置"][0].click().run()
    assert _metrics(at)["任务总数"] == "32" and "dept" not in at.query_params


def test_a_bad_link_is_ignored(demo_db):
    at = app_as("leader", "leader")
    at.run()
    at.switch_page("pages/dashboard.py")
    at.query_params.update({"dept": "99999", "from": "not-a-date", "role": "boss"})
    at.run()
    assert not at.exception and not errors(at)
    assert _metrics(at)["任务总数"] == "32"


def test_a_units_report_shows_at_once(demo_db):
    at = page_as("dashboard", "leader", "leader")
    before = _metrics(at)["较序时"]
    eng = db.make_engine(demo_db)
    with Session(eng) as s:  # a unit reports 100% on every open task it leads
        leads = s.exec(
            select(Assignment, Task)
            .join(Task, Task.id == Assignment.task_id)
            .where(Assignment.role == "lead", Task.status == "in_progress")
        ).all()
        for a, t in leads:
            s.add(
                ProgressReport(
                    task_id=t.id,
                    assignment_id=a.id,
                    department_id=a.department_id,
                    percent=100,
                    reported_at=dt.datetime.now().replace(microsecond=0),
                )
            )
        audit.record(s, Actor.system(), "report.create", object_type="progress_report")
        s.commit()
    at.run()  # same AppTest, caches warm: only the data version changed
    assert _metrics(at)["较序时"] != before


def test_the_missed_report_filter_comes_from_the_url(demo_db):
    # the demo's plan reports every Friday (and, if it already has cycles, they stay)
    with Session(db.make_engine(demo_db)) as s:
        for plan in s.exec(select(Plan)).all():
            plan.report_cycle = plan.report_cycle or "weekly:5"
            s.add(plan)
        audit.record(s, Actor.system(), "plan.update", object_type="plan")
        s.commit()
    at = app_as("leader", "leader")
    at.run()
    at.switch_page("pages/dashboard.py")
    at.query_params["missed"] = "1"
    at.run()
    assert not at.exception and not errors(at), (at.exception, errors(at))
    assert at.toggle(key="dash_missed").value is True
    assert any(h.value == "未按期报送的任务" for h in at.subheader)
    assert any(c.value.startswith("未按期报送：") for c in at.caption)
    listed = at.dataframe[0].value
    assert len(listed) >= 1
    assert (listed["missed_units"].str.len() > 0).all()  # every row names who is missing
    assert listed["reason_text"].str.contains("未按期报送").all()
    narrowed = int(_metrics(at)["任务总数"])
    assert 0 < narrowed <= 32
    at.toggle(key="dash_missed").set_value(False).run()
    assert "missed" not in at.query_params
    assert int(_metrics(at)["任务总数"]) == 32


def test_the_office_edits_the_missed_report_thresholds(demo_db):
    at = page_as("admin", "office", "office")
    yellow = at.number_input(key="rule_missed_report_yellow_0")
    assert yellow.label == "黄灯：连续未按期报送达到（期）" and yellow.value == 1
    assert at.number_input(key="rule_missed_report_red_0").value == 3
    yellow.set_value(2)
    at.number_input(key="rule_missed_report_red_0").set_value(4)
    [b for b in at.button if b.label == "保存规则"][0].click().run()
    assert not at.exception and not errors(at), errors(at)
    with Session(db.make_engine(demo_db)) as s:
        saved = rules.load_warning_rules(s)
    assert (saved.missed_report_yellow, saved.missed_report_red) == (2, 4)
    at.number_input(key="rule_missed_report_yellow_1").set_value(5)
    [b for b in at.button if b.label == "保存规则"][0].click().run()
    assert any("不能大于红灯期数" in e for e in errors(at))
