"""The chart builder below the UI: each measure and custom-field dimension against a plain
Python computation written here, a unit head's scope in every dataset, the spec's Chinese
refusals, and the saved-chart and pin services (permissions, stale edits, audit)."""

import datetime as dt
from collections import Counter, defaultdict

import pytest
from sqlmodel import Session, select

from duban.charts import compute, datasets, saved
from duban.charts import spec as spec_mod
from duban.core import clock
from duban.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from duban.fields import categories, definitions
from duban.monitoring import frames, holidays, status
from duban.monitoring import rules as rules_mod
from duban.tasks import register
from models import (
    AuditLog,
    ChartPin,
    Finding,
    Inspection,
    InspectionMethod,
    InspectionResult,
    Notice,
    NoticeKind,
    NoticeRecipient,
    NoticeStatus,
    Role,
    SavedChart,
    TaskStatus,
)
from tests.factories import make_department, make_plan, make_report, make_task, make_user

LEVELS = ["市级", "区级"]
AREAS = ["审批", "监管", "服务"]
# (level, areas, investment, key project, progress reported by the lead, status)
ROWS = [
    ("市级", ["审批", "监管"], 100.0, True, 40, TaskStatus.in_progress),
    ("市级", ["审批"], 250.0, False, 80, TaskStatus.in_progress),
    ("区级", ["服务", "审批", "监管"], None, True, 10, TaskStatus.acknowledged),
    ("区级", [], 30.0, None, 100, TaskStatus.completed),
    (None, ["监管"], 75.5, False, None, TaskStatus.assigned),
    ("市级", None, 12.0, True, 60, TaskStatus.in_progress),
]


@pytest.fixture
def world(session: Session, engine):
    """Three units, six tasks with custom values and categories, reports, a finding and a
    notice per unit; returns what the tests need."""
    _, office = make_user(session, Role.office)
    categories.ensure_defaults(session)
    cats = categories.list_categories(session)
    level = definitions.create_field(
        session, actor=office, label="层级", kind="choice", options=LEVELS
    )
    areas = definitions.create_field(
        session, actor=office, label="领域", kind="multi_choice", options=AREAS
    )
    money = definitions.create_field(
        session, actor=office, label="投资额", kind="number", unit="万元"
    )
    key = definitions.create_field(session, actor=office, label="重点项目", kind="boolean")
    units = [make_department(session, sort_order=i) for i in range(3)]
    plan = make_plan(session)
    today = clock.today()
    tasks = []
    for i, (lv, ar, inv, kp, pct, st) in enumerate(ROWS):
        custom = {}
        if lv is not None:
            custom[str(level.id)] = lv
        if ar:
            custom[str(areas.id)] = [a for a in AREAS if a in ar]
        if inv is not None:
            custom[str(money.id)] = inv
        if kp is not None:
            custom[str(key.id)] = kp
        lead = units[i % 3]
        resp = [units[(i + 1) % 3]]
        task = make_task(
            session,
            lead=lead,
            responsible=resp,
            plan=plan,
            status=st,
            custom=custom,
            category_id=cats[i % 2].id,
            # two tasks past their deadline: overdue working days to sum
            deadline=today - dt.timedelta(days=20 + i) if i in (0, 2) else None,
        )
        if pct is not None:
            make_report(session, task, lead, percent=pct)
            make_report(session, task, resp[0], percent=max(0, pct - 5))
        tasks.append(task)
    insp = Inspection(
        plan_id=plan.id,
        inspected_on=today - dt.timedelta(days=3),
        method=InspectionMethod.on_site,
        result=InspectionResult.average,
    )
    session.add(insp)
    session.flush()
    for i, u in enumerate(units):
        session.add(
            Finding(
                inspection_id=insp.id,
                department_id=u.id,
                task_id=tasks[i].id,
                description="问题",
                due_date=today,
            )
        )
        n = Notice(
            kind=NoticeKind.urging,
            level="yellow",
            status=NoticeStatus.issued,
            title="催办",
            issued_at=clock.now(),
            doc_number=f"X督办〔2026〕{i + 1}号",
        )
        session.add(n)
        session.flush()
        session.add(NoticeRecipient(notice_id=n.id, department_id=u.id))
    session.commit()
    raw = frames.read_frames(engine)
    rules, cal = rules_mod.load_warning_rules(session), holidays.load_calendar(session)
    sf = status.build_status(raw, today=today, rules=rules, cal=cal)
    reg = register.base_frame(engine, today=today, raw=raw)
    src = datasets.build_sources(engine, register=reg, status=sf, raw=raw)
    return {
        "src": src,
        "reg": reg,
        "sf": sf,
        "units": units,
        "tasks": tasks,
        "fields": {"level": level, "areas": areas, "money": money, "key": key},
        "office": office,
        "cats": cats,
    }


def _run(src, **spec):
    parsed = spec_mod.parse(spec)
    ds = datasets.dataset(src, parsed.dataset)
    spec_mod.check(parsed, ds, src.all_fields)
    return compute.compute(parsed, ds, ds.frame)


def _values(result) -> dict:
    return {r["group"]: r["value"] for r in result.data.iter_rows(named=True)}


def _mean(xs):
    xs = [x for x in xs if x is not None]
    return round(sum(xs) / len(xs), 2) if xs else None


def test_multi_choice_counts_a_task_once_per_option(world):
    f = world["fields"]["areas"]
    res = _run(world["src"], group_by=f"cf_{f.id}", measure="count")
    expected = Counter(a for _lv, ar, *_ in ROWS for a in (ar or ["（未填）"]))
    assert _values(res) == dict(expected)
    # options in the field's order, the empty group last
    assert res.data["group"].to_list() == [*AREAS, "（未填）"]
    assert res.exploded == ["领域"] and res.rows == len(ROWS)


@pytest.mark.parametrize(
    "measure", ["count", "share", "avg_progress", "sum", "avg", "overdue_sum", "overdue_avg"]
)
def test_each_measure_by_a_choice_field_equals_plain_python(world, measure):
    level, money = world["fields"]["level"], world["fields"]["money"]
    extra = {"field": money.id} if measure in ("sum", "avg") else {}
    res = _run(world["src"], group_by=f"cf_{level.id}", measure=measure, **extra)
    rows = world["reg"].to_dicts()  # the register as plain dicts: grouped by hand below
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups[r[f"cf_{level.id}"] or "（未填）"].append(r)
    total = len(rows)

    def figure(rs: list[dict]):
        if measure == "count":
            return len(rs)
        if measure == "share":
            return round(len(rs) * 100 / total, 2)
        if measure == "avg_progress":
            return _mean([r["progress"] for r in rs])
        if measure == "sum":
            return sum(r[f"cf_{money.id}"] or 0 for r in rs)
        if measure == "avg":
            return _mean([r[f"cf_{money.id}"] for r in rs])
        if measure == "overdue_sum":
            return sum(r["overdue_wd"] or 0 for r in rs)
        return _mean([r["overdue_wd"] for r in rs])

    assert _values(res) == {g: figure(rs) for g, rs in groups.items()}
    assert res.data["group"].to_list() == ["市级", "区级", "（未填）"]
    if measure == "overdue_sum":
        assert sum(_values(res).values()) > 0  # the two late tasks are in it


def test_split_by_light_and_a_boolean_field_with_top_n(world):
    key = world["fields"]["key"]
    res = _run(
        world["src"],
        dataset="assignments",
        group_by="unit",
        split_by=f"cf_{key.id}",
        measure="avg_progress",
        chart="stacked",
        top_n=2,
    )
    a = world["sf"].assignments.to_dicts()
    task_key = {r["task_id"]: r[f"cf_{key.id}"] for r in world["reg"].to_dicts()}
    names = {u.id: u.short_name for u in world["units"]}
    cells: dict[tuple, list] = defaultdict(list)
    for r in a:
        k = task_key[r["task_id"]]
        word = "（未填）" if k is None else ("是" if k else "否")
        cells[(names[r["department_id"]], word)].append(r["progress"])
    expected = {c: _mean(v) for c, v in cells.items()}
    totals: Counter = Counter()
    for (unit, _w), v in expected.items():
        totals[unit] += v or 0
    top = [u for u, _ in totals.most_common(2)]
    got = {(r["group"], r["split"]): r["value"] for r in res.data.iter_rows(named=True)}
    assert got == {c: v for c, v in expected.items() if c[0] in top}
    assert res.data["group"].unique(maintain_order=True).to_list() == top
    assert res.split_order == [s for s in ["是", "否", "（未填）"] if s in {c[1] for c in got}]


def test_filters_by_category_and_number_bins(world):
    money, cats = world["fields"]["money"], world["cats"]
    res = _run(
        world["src"],
        group_by=f"cf_{money.id}",
        filters={"category": [str(cats[0].id)]},
    )
    kept = [r for i, r in enumerate(ROWS) if i % 2 == 0]
    assert res.rows == len(kept)
    assert sum(_values(res).values()) == len(kept)
    assert "（未填）" in _values(res)  # the task without an investment


def test_reports_by_month_average_the_reported_percent(world):
    res = _run(world["src"], dataset="reports", group_by="month", measure="avg_progress")
    pcts = [p for *_x, p, _s in ROWS if p is not None]
    reported = pcts + [max(0, p - 5) for p in pcts]
    month = clock.today().strftime("%Y-%m")
    assert _values(res) == {month: round(sum(reported) / len(reported), 2)}


def test_a_unit_head_sees_only_its_rows_in_every_dataset(world, session):
    src, unit = world["src"], world["units"][1]
    _, head = make_user(session, Role.dept_head, department_id=unit.id)
    _, leader = make_user(session, Role.leader)
    seen = {}
    for name in datasets.DATASETS:
        ds = datasets.dataset(src, name)
        mine = datasets.scoped(ds, head)
        assert datasets.scoped(ds, leader).height == ds.frame.height
        assert 0 < mine.height < ds.frame.height, name
        if name == "tasks":
            assert all(unit.id in ids for ids in mine["unit_ids"].to_list())
        else:
            assert set(mine["department_id"].to_list()) == {unit.id}, name
        seen[name] = mine.height
    # every task has two units: unit 1 leads two tasks and is responsible on two
    assert seen["tasks"] == 4 and seen["assignments"] == 4
    assert seen["findings"] == 1 and seen["notices"] == 1
    _, lost = make_user(session, Role.dept_head)
    lost = lost.__class__(**{**lost.__dict__, "department_id": None})
    assert datasets.scoped(datasets.dataset(src, "tasks"), lost).height == 0


def test_spec_refusals_are_in_chinese(world, session):
    src = world["src"]
    level, money = world["fields"]["level"], world["fields"]["money"]
    tasks = datasets.dataset(src, "tasks")
    with pytest.raises(spec_mod.ChartError, match="没有维度"):
        spec_mod.check(spec_mod.parse({"group_by": "kind"}), tasks, src.all_fields)
    with pytest.raises(spec_mod.ChartError, match="不是数字字段"):
        spec = spec_mod.parse(
            {"dataset": "assignments", "group_by": "unit", "measure": "sum", "field": level.id}
        )
        spec_mod.check(spec, datasets.dataset(src, "assignments"), src.all_fields)
    with pytest.raises(spec_mod.ChartError, match="需要选择拆分维度"):
        spec_mod.parse({"group_by": "colour", "chart": "heatmap"})
    with pytest.raises(spec_mod.ChartError, match="不支持所选的度量"):
        spec = spec_mod.parse(
            {"dataset": "notices", "group_by": "kind", "measure": "sum", "field": money.id}
        )
        spec_mod.check(spec, datasets.dataset(src, "notices"), src.all_fields)
    # a saved chart over a field the office has since retired says so
    definitions.set_retired(
        session,
        actor=world["office"],
        field_id=level.id,
        expected_version=level.version,
        retired=True,
    )
    engine = session.get_bind()
    raw = frames.read_frames(engine)
    src2 = datasets.build_sources(
        engine, register=register.base_frame(engine, raw=raw), status=world["sf"], raw=raw
    )
    with pytest.raises(spec_mod.ChartError, match="字段“层级”已停用"):
        spec = spec_mod.parse({"group_by": f"cf_{level.id}"})
        spec_mod.check(spec, datasets.dataset(src2, "tasks"), src2.all_fields)


# ----------------------------------------------------------------------------- saved charts
SPEC = {"dataset": "tasks", "group_by": "colour"}


def test_save_share_update_and_delete_are_checked_and_audited(session):
    _, office = make_user(session, Role.office)
    _, leader = make_user(session, Role.leader)
    _, other = make_user(session, Role.leader)
    with pytest.raises(PermissionDenied):
        saved.save_chart(session, actor=leader, name="红灯分布", spec=SPEC, shared_role="leader")
    mine = saved.save_chart(session, actor=leader, name=" 红灯分布 ", spec=SPEC)
    assert mine.name == "红灯分布" and mine.shared_role is None
    with pytest.raises(ValidationFailed):
        saved.save_chart(session, actor=leader, name="坏", spec={"group_by": ""})
    shared = saved.save_chart(
        session, actor=office, name="给领导", spec=SPEC, shared_role=Role.leader
    )
    assert saved.list_charts(session, actor=other) == ([], [shared])
    assert saved.list_charts(session, actor=leader) == ([mine], [shared])
    # only the owner edits, and a stale edit is refused
    with pytest.raises(PermissionDenied):
        saved.update_chart(
            session, actor=other, chart_id=mine.id, expected_version=mine.version, name="改"
        )
    v = mine.version
    saved.update_chart(session, actor=leader, chart_id=mine.id, expected_version=v, name="新名")
    with pytest.raises(StaleEdit):
        saved.update_chart(session, actor=leader, chart_id=mine.id, expected_version=v, name="旧")
    assert session.get(SavedChart, mine.id).name == "新名"
    saved.delete_chart(session, actor=leader, chart_id=mine.id, expected_version=mine.version)
    assert session.get(SavedChart, mine.id) is None
    actions = session.exec(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == [
        "saved_chart.create",
        "saved_chart.create",
        "saved_chart.update",
        "saved_chart.delete",
    ]


def test_pins_own_and_role_dashboards(session):
    _, office = make_user(session, Role.office)
    _, leader = make_user(session, Role.leader)
    _, leader2 = make_user(session, Role.leader)
    _, inspector = make_user(session, Role.inspector)
    private = saved.save_chart(session, actor=leader, name="我的", spec=SPEC)
    for_leaders = saved.save_chart(
        session, actor=office, name="领导看", spec=SPEC, shared_role="leader"
    )
    # another user's private chart: neither opened nor pinned
    with pytest.raises(PermissionDenied):
        saved.get_chart(session, actor=leader2, chart_id=private.id)
    with pytest.raises(PermissionDenied):
        saved.pin_chart(session, actor=leader2, chart_id=private.id)
    own = saved.pin_chart(session, actor=leader, chart_id=private.id)
    with pytest.raises(ValidationFailed, match="已经固定"):
        saved.pin_chart(session, actor=leader, chart_id=private.id)
    # a role's dashboard: the office only, and only a chart shared with that role
    with pytest.raises(PermissionDenied):
        saved.pin_chart(session, actor=leader, chart_id=for_leaders.id, role="leader")
    with pytest.raises(ValidationFailed, match="请先把图表"):
        saved.pin_chart(session, actor=office, chart_id=for_leaders.id, role="inspector")
    role_pin = saved.pin_chart(session, actor=office, chart_id=for_leaders.id, role="leader")
    saved.pin_chart(session, actor=leader, chart_id=for_leaders.id)  # also on its own
    names = [p.chart.name for p in saved.pinned_for(session, actor=leader)]
    assert names == ["我的", "领导看"]  # own pins first; a chart pinned twice shows once
    assert [p.chart.name for p in saved.pinned_for(session, actor=leader2)] == ["领导看"]
    assert saved.pinned_for(session, actor=inspector) == []
    # unpinning: one's own pin; a role's pin is the office's
    with pytest.raises(PermissionDenied):
        saved.unpin_chart(session, actor=leader2, pin_id=own.id)
    with pytest.raises(PermissionDenied):
        saved.unpin_chart(session, actor=leader2, pin_id=role_pin.id)
    saved.unpin_chart(session, actor=office, pin_id=role_pin.id)
    assert [p.chart.name for p in saved.pinned_for(session, actor=leader2)] == []
    # no longer shared: the leaders' own pins of it go too
    saved.update_chart(
        session,
        actor=office,
        chart_id=for_leaders.id,
        expected_version=for_leaders.version,
        shared_role=None,
    )
    assert [p.chart.name for p in saved.pinned_for(session, actor=leader)] == ["我的"]
    saved.delete_chart(session, actor=leader, chart_id=private.id, expected_version=private.version)
    assert session.exec(select(ChartPin)).all() == []
    pins = session.exec(
        select(AuditLog).where(AuditLog.action.in_(["saved_chart.pin", "saved_chart.unpin"]))
    ).all()
    assert len(pins) == 4 and any("领导驾驶舱" in (a.note or "") for a in pins)


def test_findings_and_notices_by_month_and_kind(world):
    src = world["src"]
    found = (clock.today() - dt.timedelta(days=3)).strftime("%Y-%m")
    assert _values(_run(src, dataset="findings", group_by="month")) == {found: 3}
    res = _run(src, dataset="notices", group_by="kind", split_by="answer", chart="stacked")
    assert {(r["group"], r["split"]): r["value"] for r in res.data.iter_rows(named=True)} == {
        ("催办通知", "待签收"): 3
    }
    by_level = _run(src, dataset="notices", group_by="level", measure="share")
    assert _values(by_level) == {"黄色督办": 100.0}


def test_an_export_says_what_the_chart_shows(world):
    from duban.core import exports

    src, cats = world["src"], world["cats"]
    parsed = spec_mod.parse({"group_by": "colour", "filters": {"category": [str(cats[0].id)]}})
    words = compute.describe(parsed, datasets.dataset(src, "tasks"), unit="市公安局")
    assert words == (
        f"数据集：任务；分组：预警灯；度量：任务数；筛选：事项来源为{cats[0].name}；范围：市公安局的数据"
    )
    assert exports.NO_FILTER not in words


def test_the_excel_export_holds_the_table_under_the_chart(world):
    import io

    import polars as pl

    from duban.charts import figure

    areas = world["fields"]["areas"]
    res = _run(
        world["src"],
        dataset="assignments",
        group_by=f"cf_{areas.id}",
        split_by="role",
        chart="stacked",
    )
    data = figure.export_excel(res, title="领域分工", words="数据集：分工", who="测试")
    book = pl.read_excel(io.BytesIO(data), sheet_id=0)
    assert list(book) == ["说明", "领域分工"]
    sheet = book["领域分工"]
    assert sheet.columns == ["领域", "牵头", "责任"]
    # independent: each assignment counts once per option of its task
    options = {r["task_id"]: r[f"cf_{areas.id}"] or ["（未填）"] for r in world["reg"].to_dicts()}
    expected: Counter = Counter()
    for a in world["sf"].assignments.to_dicts():
        for o in options[a["task_id"]]:
            expected[(o, {"lead": "牵头", "responsible": "责任"}[a["role"]])] += 1
    got = {
        (r["领域"], role): r[role] for r in sheet.iter_rows(named=True) for role in ("牵头", "责任")
    }
    assert got == {cell: expected.get(cell, 0) for cell in got}  # an empty cell is 0
    assert set(expected) <= set(got)
    about = " ".join(str(v) for v in book["说明"].to_numpy().ravel() if v is not None)
    assert "数据集：分工" in about and "为多选" in about
