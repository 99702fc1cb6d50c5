"""The register frame: colours from the warning engine, filters, hierarchy order, export."""

import datetime as dt
import io

import polars as pl
import pytest

from duban.core import clock
from duban.tasks import register
from duban.tasks.register import RegisterFilter
from models import ExtensionRequest, Role, TaskStatus
from tests.factories import make_department, make_plan, make_report, make_task, make_user

TODAY = dt.date(2026, 6, 10)


@pytest.fixture
def reg(session, engine):
    with clock.frozen(TODAY):
        plan = make_plan(session)
        a = make_department(session, name="市公安局")
        b = make_department(session, name="市税务局")
        c = make_department(session, name="市人社局")
        late = make_task(
            session,
            plan=plan,
            lead=a,
            responsible=[b],
            code="一(一)",
            title="梳理事项清单",
            sort_key="00.001",
            phase="梳理公布",
            deadline=TODAY - dt.timedelta(days=10),
            status=TaskStatus.in_progress,
        )
        ok = make_task(
            session,
            plan=plan,
            lead=b,
            responsible=[c],
            code="二(一)",
            title="推进社保网上办",
            sort_key="01.001",
            phase="试点先行",
            deadline=TODAY + dt.timedelta(days=60),
            description="社保卡业务",
        )
        sub = make_task(
            session,
            plan=plan,
            lead=c,
            code="二(一)1",
            title="社保卡全程网办",
            parent_id=ok.id,
            sort_key="01.001.01",
            phase="试点先行",
            status=TaskStatus.completed,
            completed_at=clock.now(),
        )
        make_report(session, ok, b, percent=40)
        session.add(
            ExtensionRequest(
                task_id=ok.id,
                department_id=b.id,
                requested_date=TODAY,
                reason="x",
                status="approved",
                approved_date=TODAY,
                decided_at=clock.now(),
            )
        )
        session.commit()
        df = register.base_frame(engine, today=TODAY)
    _, office = make_user(session)
    return {
        "df": df,
        "a": a,
        "b": b,
        "c": c,
        "late": late,
        "ok": ok,
        "sub": sub,
        "office": office,
        "plan": plan,
    }


def _codes(df):
    return df["code"].to_list()


def test_order_hierarchy_colour_units(reg):
    df = reg["df"]
    assert _codes(df) == ["一(一)", "二(一)", "二(一)1"]
    assert df["depth"].to_list() == [0, 0, 1]
    row = df.filter(pl.col("code") == "一(一)").row(0, named=True)
    assert row["colour"] == "red" and "逾期" in row["reasons_text"]
    assert row["lead_name"] == "市公安局" and row["responsible_names"] == "市税务局"
    assert row["status_label"] == "推进中" and row["colour_label"] == "红"
    ok = df.filter(pl.col("code") == "二(一)").row(0, named=True)
    assert ok["progress"] == 40 and ok["extensions"] == 1 and ok["version"] == 1
    assert df.filter(pl.col("code") == "二(一)1")["colour"].item() == "blue"


@pytest.mark.parametrize(
    "make_filter,expected",
    [
        (lambda r: RegisterFilter(), ["一(一)", "二(一)", "二(一)1"]),
        (lambda r: RegisterFilter(phases=["试点先行"]), ["二(一)", "二(一)1"]),
        (lambda r: RegisterFilter(department_id=r["b"].id), ["一(一)", "二(一)"]),
        (lambda r: RegisterFilter(department_id=r["b"].id, unit_role="lead"), ["二(一)"]),
        (lambda r: RegisterFilter(department_id=r["b"].id, unit_role="responsible"), ["一(一)"]),
        (lambda r: RegisterFilter(statuses=["completed"]), ["二(一)1"]),
        (lambda r: RegisterFilter(colours=["red"]), ["一(一)"]),
        (lambda r: RegisterFilter(deadline_to=TODAY), ["一(一)"]),
        (
            lambda r: RegisterFilter(deadline_from=TODAY + dt.timedelta(days=1)),
            ["二(一)", "二(一)1"],
        ),
        (lambda r: RegisterFilter(text="社保"), ["二(一)", "二(一)1"]),
        (lambda r: RegisterFilter(text="社保卡"), ["二(一)", "二(一)1"]),  # description too
        (lambda r: RegisterFilter(text="税务 社保"), ["二(一)"]),
        (lambda r: RegisterFilter(plan_id=9999), []),
    ],
)
def test_filters(reg, make_filter, expected):
    out = register.register_view(reg["df"], make_filter(reg), actor=reg["office"])
    assert _codes(out) == expected


def test_department_head_sees_only_its_unit(session, reg):
    _, head = make_user(session, role=Role.dept_head, department_id=reg["c"].id)
    out = register.register_view(reg["df"], RegisterFilter(), actor=head)
    assert _codes(out) == ["二(一)", "二(一)1"]


def test_export_is_the_current_view(reg):
    view = register.register_view(
        reg["df"], RegisterFilter(phases=["试点先行"]), actor=reg["office"]
    )
    data = register.export_excel(view)
    back = pl.read_excel(io.BytesIO(data), sheet_name="任务台账")
    assert back.columns[:3] == ["编号", "任务", "阶段"]
    assert back["编号"].to_list() == ["二(一)", "二(一)1"]
    assert back["任务"].to_list()[1] == "　社保卡全程网办"  # indented subtask
    assert back["延期次数"].to_list() == [1, 0]
