"""`python -m bench.lowcode --db PATH`: the register and a built chart at large scale with the
ten custom fields of the large seed (issue 16).

Prints: the register's base frame (read + colour + units + the ten ``cf_<id>`` columns) with
the fields active and with them retired (the same database without custom columns), the JSON
decoding alone, the 任务台账 page render (AppTest, office) cold and warm, and a built chart —
the tasks grouped by a custom single-choice field with a count and the sum of a custom number
field through the chart builder itself (duban.charts: datasets, compute, the plotly figure), and
the 图表 page render (AppTest, leader). The database is seeded at
large scale if the file does not exist; it is only read (the retired run restores the fields).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("DUBAN_MODE", "demo")
os.environ.setdefault("BCRYPT_ROUNDS", "4")
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")

ROOT = Path(__file__).resolve().parent.parent
GOALS = {
    "register_ratio": 1.25,  # the base frame with ten fields ≤ 1.25× the one without
    "chart": 0.5,  # a built chart (group-by + figure) at large scale < 0.5 s
    "warm_page": 1.0,  # the register page's warm rerun < 1 s
}
CHART_GROUP = "项目进度"  # the custom single-choice field the chart groups by
CHART_SUM = "投资额"  # the custom number field it sums (万元)


def _median(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def built_chart(src: Any, group_col: str, sum_col: str, measure: str) -> tuple[Any, Any]:
    """The chart builder's own path (duban.charts), as the 图表 page runs it: the tasks
    dataset grouped by a custom field with `measure` ("count", or "sum" of a number field),
    computed in polars and drawn with plotly. Returns (result, figure)."""
    from duban.charts import compute, datasets, figure, spec

    chart = spec.parse(
        {
            "dataset": "tasks",
            "group_by": group_col,
            "measure": measure,
            "field": int(sum_col.removeprefix("cf_")) if measure == "sum" else None,
            "chart": "bar",
        }
    )
    ds = datasets.dataset(src, "tasks")
    spec.check(chart, ds, src.all_fields)
    result = compute.compute(chart, ds, ds.frame)
    return result, figure.figure(result, chart)


def _set_retired(url: str, retired: bool) -> None:
    from sqlalchemy import text

    from duban.core import db

    eng = db.make_engine(url)
    with eng.begin() as c:
        c.execute(
            text("UPDATE custom_field SET retired_at = :at"),
            {"at": dt.datetime(2026, 1, 1) if retired else None},
        )
    eng.dispose()


def measure(url: str, repeat: int) -> tuple[list[tuple[str, str, str]], dict[str, bool]]:
    from sqlmodel import Session

    from bench.pages import render
    from duban.core import clock, db
    from duban.fields import definitions
    from duban.fields import frame as field_frame
    from duban.monitoring import frames
    from duban.tasks import register

    eng = db.make_engine(url)
    today = clock.today()
    with Session(eng) as s:
        fields = definitions.list_fields(s)
    if len(fields) < 10:
        raise SystemExit(
            f"{url}: {len(fields)} custom fields — seeded before issue 16; delete the file and rerun"
        )
    by_label = {f.label: f for f in fields}
    group_col = field_frame.column(by_label[CHART_GROUP])
    sum_col = field_frame.column(by_label[CHART_SUM])

    t0 = time.perf_counter()
    base = register.base_frame(eng, today=today)
    cold = time.perf_counter() - t0
    warm, base = _median(lambda: register.base_frame(eng, today=today), repeat)
    raw = frames.read_frames(eng)
    decode, _ = _median(lambda: field_frame.decode(raw.tasks.get_column("custom"), fields), repeat)
    _set_retired(url, True)
    try:
        without, plain = _median(lambda: register.base_frame(eng, today=today), repeat)
    finally:
        _set_retired(url, False)
    assert not [c for c in plain.columns if c.startswith(field_frame.PREFIX)]
    eng.dispose()

    sources_t, src = _median(lambda: _sources(url, base, today), 1)
    count_t, (result, _fig) = _median(
        lambda: built_chart(src, group_col, sum_col, "count"), max(repeat, 5)
    )
    sum_t, _ = _median(lambda: built_chart(src, group_col, sum_col, "sum"), max(repeat, 5))
    charts_cold, charts_warm, problem = render(url, "charts", "leader", "leader", repeat)
    if problem:
        raise SystemExit(f"charts page failed: {problem}")
    page_cold, page_warm, problem = render(url, "tasks", "office", "office", repeat)
    if problem:
        raise SystemExit(f"tasks page failed: {problem}")

    ratio = warm / without
    chart = max(count_t, sum_t)
    return [
        ("台账底表 冷 / register frame cold (10 fields)", f"{cold:.2f} s", "读取+着色+自定义列"),
        ("台账底表 热 / register frame warm (10 fields)", f"{warm:.2f} s", ""),
        (
            "台账底表 无自定义列 / without custom columns",
            f"{without:.2f} s",
            f"= {ratio:.2f}×，目标 ≤ {GOALS['register_ratio']:.2f}×",
        ),
        ("其中 JSON 解码 / of which decoding 10 fields", f"{decode * 1000:.0f} ms", ""),
        ("任务台账 渲染 冷 / tasks page cold (office)", f"{page_cold:.2f} s", ""),
        (
            "任务台账 渲染 热 / tasks page warm (office)",
            f"{page_warm:.2f} s",
            f"目标 < {GOALS['warm_page']:.0f} s",
        ),
        (
            "图表数据集 / chart datasets (once per data version)",
            f"{sources_t:.2f} s",
            "五个数据集，随台账底表缓存",
        ),
        (
            f"图表 计数 / built chart: count by {CHART_GROUP}",
            f"{count_t * 1000:.0f} ms",
            f"{result.data.height} 组 groups，{base.height:,} 任务，含 plotly 图",
        ),
        (
            f"图表 合计 / built chart: sum of {CHART_SUM} by {CHART_GROUP}",
            f"{sum_t * 1000:.0f} ms",
            f"目标 < {GOALS['chart']:.1f} s",
        ),
        ("图表页 冷 / charts page cold (leader)", f"{charts_cold:.2f} s", ""),
        (
            "图表页 热 / charts page warm (leader)",
            f"{charts_warm:.2f} s",
            f"目标 < {GOALS['warm_page']:.0f} s",
        ),
    ], {
        "register_ratio": ratio <= GOALS["register_ratio"],
        "chart": chart < GOALS["chart"],
        "warm_page": max(page_warm, charts_warm) < GOALS["warm_page"],
    }


def _sources(url: str, base: Any, today: dt.date) -> Any:
    """The chart builder's five datasets over the register frame (the page caches them)."""
    from sqlmodel import Session

    from duban.charts import datasets
    from duban.core import db
    from duban.monitoring import frames, holidays, status
    from duban.monitoring import rules as rules_mod

    eng = db.make_engine(url)
    raw = frames.read_frames(eng)
    with Session(eng) as s:
        rules, cal = rules_mod.load_warning_rules(s), holidays.load_calendar(s)
    sf = status.build_status(raw, today=today, rules=rules, cal=cal)
    src = datasets.build_sources(eng, register=base, status=sf, raw=raw)
    eng.dispose()
    return src


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True, help="large SQLite file (seeded if missing)")
    ap.add_argument("--repeat", type=int, default=3, help="warm repetitions (median)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    from bench.run import machine, seed

    print(f"机器 / machine: {machine()}")
    if not args.db.exists():
        print(f"生成压测数据 → {args.db} …", flush=True)
        print(f"  seed --scale large: {seed(args.db, 'large'):.1f} s")
    rows, ok = measure(f"sqlite:///{args.db.resolve()}", args.repeat)
    width = max(len(r[0]) for r in rows) + 2
    print()
    for name, value, note in rows:
        print(f"{name:<{width}}{value:>9}   {note}")
    print()
    print("目标 / goals: " + "  ".join(f"{k} {'✓' if v else '✗'}" for k, v in ok.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
