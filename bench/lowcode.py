"""`python -m bench.lowcode --db PATH`: the register and a built chart at large scale with the
ten custom fields of the large seed (issue 16).

Prints: the register's base frame (read + colour + units + the ten ``cf_<id>`` columns) with
the fields active and with them retired (the same database without custom columns), the JSON
decoding alone, the 任务台账 page render (AppTest, office) cold and warm, and a built chart —
the tasks grouped by a custom single-choice field with a count and the sum of a custom number
field, in polars over the register frame, then the plotly figure. The database is seeded at
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


def chart_stand_in(base: Any, group_col: str, sum_col: str) -> Any:
    """The chart builder's computation until duban.charts is merged: tasks grouped by a
    column (null: 未填写) with their count, share and the sum of a number column, largest
    first. After the merge, time ``duban.charts.compute`` on the same spec instead (the
    tasks dataset, group by the custom field, measures count and sum)."""
    import polars as pl

    return (
        base.group_by(pl.col(group_col).fill_null("未填写").alias("group"))
        .agg(pl.len().alias("count"), pl.col(sum_col).sum().alias("sum"))
        .with_columns((pl.col("count") / pl.col("count").sum() * 100.0).alias("share"))
        .sort(["count", "group"], descending=[True, False])
    )


def chart_figure(result: Any, *, title: str, unit: str) -> Any:
    """The built chart as the page draws it: bars of the count, the sum on a second axis."""
    import plotly.graph_objects as go

    fig = go.Figure()
    groups = result.get_column("group").to_list()
    fig.add_bar(x=groups, y=result.get_column("count").to_list(), name="任务数")
    fig.add_scatter(
        x=groups,
        y=result.get_column("sum").to_list(),
        name=f"{CHART_SUM}（{unit}）",
        yaxis="y2",
        mode="lines+markers",
    )
    fig.update_layout(
        title=title,
        yaxis2={"overlaying": "y", "side": "right"},
        height=360,
        margin={"l": 40, "r": 40, "t": 50, "b": 40},
    )
    return fig.to_dict()  # what st.plotly_chart serialises


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

    group_t, result = _median(lambda: chart_stand_in(base, group_col, sum_col), max(repeat, 5))
    fig_t, _ = _median(
        lambda: chart_figure(result, title=f"按{CHART_GROUP}", unit="万元"), max(repeat, 5)
    )
    page_cold, page_warm, problem = render(url, "tasks", "office", "office", repeat)
    if problem:
        raise SystemExit(f"tasks page failed: {problem}")

    ratio = warm / without
    chart = group_t + fig_t
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
            f"图表分组 / chart group-by ({CHART_GROUP}: count, sum {CHART_SUM})",
            f"{group_t * 1000:.0f} ms",
            f"{result.height} 组 groups，{base.height:,} 任务",
        ),
        ("图表绘制 / plotly figure", f"{fig_t * 1000:.0f} ms", ""),
        ("图表合计 / built chart", f"{chart * 1000:.0f} ms", f"目标 < {GOALS['chart']:.1f} s"),
    ], {
        "register_ratio": ratio <= GOALS["register_ratio"],
        "chart": chart < GOALS["chart"],
        "warm_page": page_warm < GOALS["warm_page"],
    }


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
