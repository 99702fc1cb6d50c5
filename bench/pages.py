"""`python -m bench.pages --db PATH`: cold and warm AppTest render of every page, main role.

Cold: Streamlit's caches cleared, then one run of the page. Warm: the median of a few reruns
with nothing changed (what every click on the page costs). The database is seeded at large
scale if the file does not exist; it is only read.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DUBAN_MODE", "demo")
os.environ.setdefault("BCRYPT_ROUNDS", "4")
# AppTest outside `streamlit run` warns on every cache call: keep the figures readable
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")

ROOT = Path(__file__).resolve().parent.parent

# page -> (username, role): the role the page is mainly for
PAGES = {
    "dashboard": ("leader", "leader"),
    "inbox": ("dept01", "dept_head"),
    "tasks": ("office", "office"),
    "my_tasks": ("dept01", "dept_head"),
    "inspections": ("inspector", "inspector"),
    "notices": ("office", "office"),
    "assessment": ("office", "office"),
    "import_plan": ("office", "office"),
    "admin": ("office", "office"),
    "account": ("office", "office"),
}
WARM_GOAL = 1.0  # seconds, warm rerun at large scale


def render(url: str, page: str, username: str, role: str, repeat: int):
    """(cold s, warm median s, error or "") for one page."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from bench.signin import sign_in
    from duban.core.settings import get_settings

    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    sign_in(at, url, username, role)
    at.run()
    at.switch_page(f"pages/{page}.py")
    st.cache_resource.clear()  # the login run may have filled caches: start cold for real
    st.cache_data.clear()
    t0 = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t0
    problem = str(at.exception[0].message) if at.exception else ""
    if not problem and at.error:
        problem = at.error[0].value
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t0)
    return cold, statistics.median(warm), problem


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True, help="large SQLite file (seeded if missing)")
    ap.add_argument("--repeat", type=int, default=3, help="warm reruns (median)")
    ap.add_argument("--pages", nargs="*", default=list(PAGES), help="only these pages")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    from bench.run import machine, seed

    print(f"机器 / machine: {machine()}")
    if not args.db.exists():
        print(f"生成压测数据 → {args.db} …", flush=True)
        print(f"  seed --scale large: {seed(args.db, 'large'):.1f} s")
    url = f"sqlite:///{args.db.resolve()}"
    print(f"{'页面 / page':<14}{'角色 / role':<12}{'冷 cold':>10}{'热 warm':>10}")
    slow = []
    for page in args.pages:
        username, role = PAGES[page]
        cold, warm, problem = render(url, page, username, role, args.repeat)
        mark = "" if warm < WARM_GOAL else "  ✗"
        note = f"  ⚠️ {problem[:60]}" if problem else ""
        print(f"{page:<14}{role:<12}{cold:>9.2f}s{warm:>9.2f}s{mark}{note}", flush=True)
        if warm >= WARM_GOAL:
            slow.append(page)
    print()
    print(
        f"目标 / goal: warm < {WARM_GOAL:.0f} s — " + ("✓" if not slow else "✗ " + ", ".join(slow))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
