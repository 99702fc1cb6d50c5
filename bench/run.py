"""`make bench`: the dashboard's data build and page render at demo and large scale.

Prints, in one run: the data build (read + colour + last week + figures) cold and warm at
large scale; the same figures through the plain ORM/pandas reference (bench/reference.py);
their ratio; the AppTest render of pages/dashboard.py at demo and large scale, cold (caches
cleared) and warm (cache hit). Use ``--db PATH`` to reuse a large database seeded before.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DUBAN_MODE", "demo")
os.environ.setdefault("BCRYPT_ROUNDS", "4")
# AppTest outside `streamlit run` warns on every cache call: keep the figures readable
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")

ROOT = Path(__file__).resolve().parent.parent
GOALS = {
    "ratio": 3.0,  # data build at least 3x faster than the reference
    "warm_vs_demo": 2.0,  # warm render at large scale <= 2x the demo-scale warm render
    "cold_large": 3.0,  # cold render at large scale < 3 s
}


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import polars
    import streamlit

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{cpu} · {os.cpu_count()} cores · {platform.system()} {platform.release()} · "
        f"Python {platform.python_version()} · polars {polars.__version__} · "
        f"streamlit {streamlit.__version__} · load average {load}"
    )


def seed(path: Path, scale: str) -> float:
    from duban.core import db
    from duban.seed import demo, large

    eng = db.make_engine(f"sqlite:///{path}")
    db.upgrade(eng)
    t0 = time.perf_counter()
    with db.session_scope(eng) as s:
        large.seed_large(s) if scale == "large" else demo.seed_demo(s)
    eng.dispose()
    return time.perf_counter() - t0


def data_build(url: str):
    """The dashboard pipeline the page runs on a cache miss."""
    from sqlmodel import Session

    from duban.core import clock, db
    from duban.monitoring import dashboard, frames, holidays, rules, status

    eng = db.make_engine(url)
    today = clock.today()
    t0 = time.perf_counter()
    raw = frames.read_frames(eng)
    t1 = time.perf_counter()
    with Session(eng) as s:
        r, cal = rules.load_warning_rules(s), holidays.load_calendar(s)
    now = status.build_status(raw, today=today, rules=r, cal=cal)
    before = status.last_week(raw, today=today, rules=r, cal=cal)
    d = dashboard.build_dashboard(now, before, dashboard.Filters(), rules=r, cal=cal)
    t2 = time.perf_counter()
    eng.dispose()
    return t2 - t0, t1 - t0, d


def reference_build(url: str):
    from sqlmodel import Session

    from bench import reference
    from duban.core import clock, db
    from duban.monitoring import holidays, rules

    eng = db.make_engine(url)
    today = clock.today()
    t0 = time.perf_counter()
    with Session(eng) as s:
        r, cal = rules.load_warning_rules(s), holidays.load_calendar(s)
        out = reference.compute(s, today=today, rules=r, cal=cal)
    dt_ = time.perf_counter() - t0
    eng.dispose()
    return dt_, out


def render_times(url: str, warm_runs: int) -> tuple[float, float]:
    """(cold, warm median) seconds of one AppTest run of pages/dashboard.py as the leader."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from bench.signin import sign_in
    from duban.core.settings import get_settings

    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    sign_in(at, url, "leader", "leader")
    at.run()
    at.switch_page("pages/dashboard.py")
    # The login run may already have rendered the default page: start cold for real.
    st.cache_resource.clear()
    st.cache_data.clear()
    t0 = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t0
    if at.exception:
        raise SystemExit(f"dashboard failed: {at.exception}")
    warm = []
    for _ in range(warm_runs):
        t0 = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t0)
    return cold, statistics.median(warm)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="reuse this large SQLite file (seeded if missing)")
    ap.add_argument("--repeat", type=int, default=3, help="warm repetitions (median)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    tmp = Path(tempfile.mkdtemp(prefix="duban-bench-"))
    print(f"机器 / machine: {machine()}")
    demo = tmp / "demo.db"
    seed(demo, "demo")
    large = args.db or tmp / "large.db"
    if not large.exists():
        print(f"生成压测数据 → {large} …", flush=True)
        print(f"  seed --scale large: {seed(large, 'large'):.1f} s")
    demo_url, large_url = f"sqlite:///{demo}", f"sqlite:///{large.resolve()}"

    # ---------------------------------------------------------------- data build
    from sqlalchemy import text

    from duban.core import db

    eng = db.make_engine(large_url)
    with eng.connect() as c:
        counts = {
            t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("task", "assignment", "progress_report")
        }
    eng.dispose()
    print("规模 / scale: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    cold, cold_read, d = data_build(large_url)
    warm = [data_build(large_url) for _ in range(args.repeat)]
    warm_t = statistics.median(w[0] for w in warm)
    warm_read = statistics.median(w[1] for w in warm)
    ref_t, ref = reference_build(large_url)
    assert ref["kpis"]["total"] == d.kpis[0].value, "reference and dashboard disagree"
    shown = d.red_list.get_column("task_id").to_list()
    assert ref["red_ids"][: len(shown)] == shown, "reference and dashboard disagree"

    # ---------------------------------------------------------------- render
    demo_cold, demo_warm = render_times(demo_url, args.repeat)
    large_cold, large_warm = render_times(large_url, args.repeat)

    ratio = ref_t / warm_t
    rows = [
        (
            "数据构建 冷 / data build cold (large)",
            f"{cold:.2f} s",
            f"其中读取 read {cold_read:.2f} s",
        ),
        (
            "数据构建 热 / data build warm (large)",
            f"{warm_t:.2f} s",
            f"其中读取 read {warm_read:.2f} s",
        ),
        ("参考实现 ORM+pandas / reference (large)", f"{ref_t:.2f} s", "逐行 assess + Python 循环"),
        ("加速比 / speed-up (reference ÷ warm)", f"{ratio:.1f}×", f"目标 ≥ {GOALS['ratio']:.0f}×"),
        ("页面渲染 冷 / render cold (demo)", f"{demo_cold:.2f} s", ""),
        ("页面渲染 热 / render warm (demo)", f"{demo_warm:.2f} s", ""),
        (
            "页面渲染 冷 / render cold (large)",
            f"{large_cold:.2f} s",
            f"目标 < {GOALS['cold_large']:.0f} s",
        ),
        (
            "页面渲染 热 / render warm (large)",
            f"{large_warm:.2f} s",
            f"= {large_warm / demo_warm:.2f}× demo，目标 ≤ {GOALS['warm_vs_demo']:.0f}×",
        ),
    ]
    width = max(len(r[0]) for r in rows) + 2
    print()
    for name, value, note in rows:
        print(f"{name:<{width}}{value:>9}   {note}")
    ok = {
        "ratio": ratio >= GOALS["ratio"],
        "warm_vs_demo": large_warm <= GOALS["warm_vs_demo"] * demo_warm,
        "cold_large": large_cold < GOALS["cold_large"],
    }
    print()
    print("目标 / goals: " + "  ".join(f"{k} {'✓' if v else '✗'}" for k, v in ok.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
