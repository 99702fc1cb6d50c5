"""The chart builder's remaining groupings and every chart type, each against plain Python:
phase, deadline month, a date field by month and a single-line text field as typed; bar,
stacked, line, heatmap and table drawn with the computed figures; the builder's PNG export
rendered for real (with Chromium)."""

import datetime as dt
from collections import Counter

import polars as pl
import pytest
from sqlmodel import Session

from duban.charts import compute, datasets, figure
from duban.charts import spec as spec_mod
from duban.core import clock
from duban.fields import definitions
from duban.monitoring import charts as mcharts
from duban.monitoring import frames, holidays, status
from duban.monitoring import rules as rules_mod
from duban.tasks import register
from models import Role
from tests.factories import make_department, make_plan, make_task, make_user

# (phase, deadline offset in days or None, 开工日期 offset in days or None, 项目业主 or None)
ROWS = [
    ("试点先行", 10, -40, "市城投集团"),
    ("全面推开", 45, -40, "市城投集团"),
    ("试点先行", 75, 20, "市交投公司"),
    ("巩固提升", None, None, None),
    ("全面推开", 10, 50, "区城建公司"),
    ("全面推开", 160, -70, "市交投公司"),
]
EMPTY = "（未填）"


@pytest.fixture
def src(session: Session, engine):
    _, office = make_user(session, Role.office)
    begun = definitions.create_field(session, actor=office, label="开工日期", kind="date")
    owner = definitions.create_field(session, actor=office, label="项目业主", kind="text")
    note = definitions.create_field(session, actor=office, label="情况说明", kind="long_text")
    units = [make_department(session, sort_order=i) for i in range(2)]
    plan = make_plan(session)
    today = clock.today()
    for i, (phase, due, start, who) in enumerate(ROWS):
        custom = {}
        if start is not None:
            custom[str(begun.id)] = (today + dt.timedelta(days=start)).isoformat()
        if who is not None:
            custom[str(owner.id)] = who
        make_task(
            session,
            lead=units[i % 2],
            plan=plan,
            phase=phase,
            deadline=None if due is None else today + dt.timedelta(days=due),
            custom=custom,
        )
    raw = frames.read_frames(engine)
    rules, cal = rules_mod.load_warning_rules(session), holidays.load_calendar(session)
    sf = status.build_status(raw, today=today, rules=rules, cal=cal)
    reg = register.base_frame(engine, today=today, raw=raw)
    sources = datasets.build_sources(engine, register=reg, status=sf, raw=raw)
    return {"src": sources, "begun": begun, "owner": owner, "note": note, "today": today}


def _run(src, **spec):
    parsed = spec_mod.parse(spec)
    ds = datasets.dataset(src, parsed.dataset)
    spec_mod.check(parsed, ds, src.all_fields)
    return parsed, compute.compute(parsed, ds, ds.frame)


def _values(result) -> dict:
    return {r["group"]: r["value"] for r in result.data.iter_rows(named=True)}


def _month(today: dt.date, offset: int | None) -> str:
    return EMPTY if offset is None else (today + dt.timedelta(days=offset)).strftime("%Y-%m")


def test_phase_keeps_the_plans_order(src):
    _, res = _run(src["src"], group_by="phase")
    assert _values(res) == dict(Counter(r[0] for r in ROWS))
    # the order the phases first appear in the plan, not the alphabet's
    assert res.data["group"].to_list() == ["试点先行", "全面推开", "巩固提升"]


def test_deadline_and_date_field_by_month_in_time_order(src):
    today = src["today"]
    _, due = _run(src["src"], group_by="deadline_month")
    expected = Counter(_month(today, r[1]) for r in ROWS)
    assert _values(due) == dict(expected)
    months = [g for g in due.data["group"].to_list() if g != EMPTY]
    assert months == sorted(months) and due.data["group"].to_list()[-1] == EMPTY

    begun = src["begun"]
    _, res = _run(src["src"], group_by=f"cf_{begun.id}")
    assert _values(res) == dict(Counter(_month(today, r[2]) for r in ROWS))
    assert res.group_label == "开工日期"


def test_a_text_field_groups_by_what_was_typed(src):
    owner = src["owner"]
    _, res = _run(src["src"], group_by=f"cf_{owner.id}")
    assert _values(res) == dict(Counter(r[3] or EMPTY for r in ROWS))
    assert res.data["group"].to_list() == ["区城建公司", "市交投公司", "市城投集团", EMPTY]
    _, top = _run(src["src"], group_by=f"cf_{owner.id}", top_n=2)
    assert _values(top) == {"市城投集团": 2, "市交投公司": 2}


def test_long_text_is_refused_for_grouping_in_chinese(src):
    note = src["note"]
    with pytest.raises(spec_mod.ChartError, match="字段“情况说明”（多行文本）不能用于分组"):
        _run(src["src"], group_by=f"cf_{note.id}")


def _cross(res) -> dict:
    return {(r["group"], r["split"]): r["value"] for r in res.data.iter_rows(named=True)}


@pytest.mark.parametrize("chart", ["bar", "line", "stacked", "heatmap", "table"])
def test_every_chart_type_draws_the_computed_figures(src, chart):
    owner = src["owner"]
    split = {"split_by": "phase"} if chart in ("stacked", "heatmap", "table") else {}
    spec, res = _run(src["src"], group_by=f"cf_{owner.id}", chart=chart, **split)
    groups = res.data["group"].unique(maintain_order=True).to_list()
    expected: Counter = Counter()
    for phase, _d, _s, who in ROWS:
        expected[(who or EMPTY, phase) if split else who or EMPTY] += 1
    if chart == "table":
        tbl = figure.table(res)
        assert tbl.columns[0] == "项目业主"
        got = {
            (row["项目业主"], ph): row[ph]
            for row in tbl.iter_rows(named=True)
            for ph in res.split_order
        }
        # every cell of the cross table: a count with no rows is 0, not empty
        assert got == {(g, ph): expected.get((g, ph), 0) for g in groups for ph in res.split_order}
        # an average with no rows stays empty: there is nothing to average
        _, avg = _run(src["src"], group_by=f"cf_{owner.id}", measure="avg_progress", **split)
        empty = figure.table(avg).filter(pl.col("项目业主") == "区城建公司")["巩固提升"]
        assert empty.to_list() == [None]
        return
    fig = figure.figure(res, spec)
    if chart == "heatmap":
        (trace,) = fig.data
        assert trace.type == "heatmap" and list(trace.x) == groups
        assert list(trace.y) == res.split_order
        cells = {
            (g, s): v
            for s, row in zip(trace.y, trace.z, strict=True)
            for g, v in zip(trace.x, row, strict=True)
        }
        assert cells == {(g, ph): expected.get((g, ph), 0) for g in groups for ph in trace.y}
    elif chart == "stacked":
        assert fig.layout.barmode == "stack"
        cells = {
            (g, tr.name): v
            for tr in fig.data
            for g, v in zip(tr.x, tr.y, strict=True)
            if v is not None
        }
        assert {tr.type for tr in fig.data} == {"bar"} and cells == dict(expected)
    else:
        (trace,) = fig.data
        assert trace.type == ("scatter" if chart == "line" else "bar")
        assert dict(zip(trace.x, trace.y, strict=True)) == dict(expected)
        assert list(trace.x) == groups


@pytest.mark.skipif(not mcharts.png_available(), reason="needs a local Chromium for kaleido")
def test_the_builders_png_export_is_the_chart_with_its_title():
    """What 导出 PNG hands over: the builder's figure, stamped, rendered by Chromium."""
    import io

    from PIL import Image

    res = compute.Result(
        data=pl.DataFrame(
            {"group": ["市级", "区级"], "group_key": ["市级", "区级"], "value": [3, 5]}
        ),
        group_label="层级",
        split_label=None,
        value_label="任务数",
        rows=8,
    )
    spec = spec_mod.parse({"group_by": "colour", "chart": "bar"})
    fig = figure.figure(res, spec)
    made = dt.datetime(2026, 12, 1, 9, 30)
    png = mcharts.figure_png(mcharts.stamped(fig, "层级分布", as_of=made.date(), made_at=made))
    assert png is not None and png.startswith(b"\x89PNG")
    img = Image.open(io.BytesIO(png))
    assert img.size == (1200, fig.layout.height + mcharts.STAMP_TOP)
    # not a blank page: the bars are drawn in the dashboard's blue
    blue = tuple(int(mcharts.COLOURS["blue"].lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    counts = {colour: n for n, colour in img.convert("RGB").getcolors(maxcolors=1 << 24)}
    assert counts.get(blue, 0) > 1000
