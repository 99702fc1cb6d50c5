"""`python -m bench.browser`: what a person waits for in Chromium, per role, demo and large.

Starts the real app (`streamlit run app.py`, headless, a free port) on a copy of (a) a fresh
demo database and (b) the large database (`--db`, seeded if missing), and times with
Playwright and Debian's Chromium, from the user's action to what answers it:

- login: the 登录 click → the landing page's first usable element visible (a figure,
  `stMetric`; on a unit's 待办, the first item's link); "settled" is
  until Streamlit has finished every run (tests/browser_support.wait_idle, read from its
  websocket). The first login after the server started is shown on its own row (cold caches).
- on a phone (390 × 844, a phone's User-Agent, so 简洁视图): leader and dept01 login → the
  first red-list card (leader; the KPIs stand above it) or 待办's first item.
- every page of the role's navigation: the nav click → the page's title shown and settled.
- the main clicks: dashboard red-list row → task detail; register filter (colour) change;
  register row → task detail; 我的任务 签收; opening another notice; the dashboard's chart
  ZIP and Excel downloads (click → the file received).

Median of `--repeat` (≥ 3) per step; each step is flagged against the goal of issue 14 (login
≤ 2 s to the first usable element, any other click ≤ 1 s to settled). No sleeps: every wait
is for an element, a download or Streamlit's own "run finished" message.

The copies are prepared so that every run measures the same thing: the four bench accounts get
a bcrypt hash at the production cost (BCRYPT_ROUNDS 12; the seeds use a cheap one), and a few
of dept01's open assignments are made unacknowledged again so that 签收 can be clicked
`--repeat` times. The originals are never written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("DUBAN_MODE", "demo")
os.environ.setdefault("BCRYPT_ROUNDS", "4")

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "duban-demo"
# the landing page's first usable element: the dashboard's first figure, or on a unit's 待办
# the first item's link (a page link in the main area, not the sidebar's)
FIRST_USABLE = '[data-testid="stMetric"], [data-testid="stMain"] [data-testid="stPageLink"]'
LOGIN_GOAL = 2.0  # s, login submit → first usable element of the landing page
CLICK_GOAL = 1.0  # s, any other click → its answer shown and Streamlit settled
ROLES = {"leader": "leader", "office": "office", "inspector": "inspector", "dept01": "dept_head"}
# On a phone (issue 17): 390 × 844, a phone's User-Agent (简洁视图 on by default), touch. The
# leader's login is timed to the first red-list card (the KPIs are above it); the unit head's
# to the first usable element of 待办, as on a computer.
PHONE = {"width": 390, "height": 844}
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
PHONE_FIRST = {"leader": '[class*="st-key-dash_card_"] button', "dept01": FIRST_USABLE}
PROD_BCRYPT_ROUNDS = 12


@dataclass
class Step:
    scale: str
    name: str
    goal: float
    shown: list[float] = field(default_factory=list)
    settled: list[float] = field(default_factory=list)

    def add(self, shown: float, settled: float) -> None:
        self.shown.append(shown)
        self.settled.append(settled)

    @property
    def judged(self) -> float:
        """What the goal is about: shown for logins, settled for every other click."""
        vals = self.shown if self.name.startswith("login") else self.settled
        return statistics.median(vals)

    @property
    def ok(self) -> bool:
        return self.judged <= self.goal


class Bench:
    """Steps of one scale, one running server."""

    def __init__(
        self, scale: str, url: str, db: Path, repeat: int, browser, logins_only: bool = False
    ) -> None:
        self.scale, self.url, self.db, self.repeat, self.browser = scale, url, db, repeat, browser
        self.logins_only = logins_only
        self.steps: dict[str, Step] = {}
        self.skipped: list[str] = []

    def step(self, name: str, goal: float = CLICK_GOAL) -> Step:
        if name not in self.steps:
            self.steps[name] = Step(self.scale, name, goal)
        return self.steps[name]

    # ------------------------------------------------------------ helpers
    def new_page(self, *, phone: bool = False):
        from tests.browser_support import track

        if phone:
            ctx = self.browser.new_context(
                viewport=PHONE, user_agent=PHONE_UA, is_mobile=True, has_touch=True, locale="zh-CN"
            )
        else:
            ctx = self.browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page = ctx.new_page()
        page.set_default_timeout(60_000)
        track(page)
        return ctx, page

    def timed(self, page, action: Callable[[], None], shown: Callable[[], None]) -> tuple:
        """(seconds until `shown` returned, seconds until the app settled) after `action`."""
        from tests.browser_support import wait_idle

        t0 = time.perf_counter()
        action()
        shown()
        t1 = time.perf_counter()
        wait_idle(page, timeout=120_000)
        return t1 - t0, time.perf_counter() - t0

    def login(self, page, username: str, first: str = FIRST_USABLE) -> tuple[float, float]:
        from playwright.sync_api import expect

        from tests.browser_support import wait_idle

        page.goto(self.url)
        wait_idle(page, timeout=120_000)
        user_box, pw_box = page.get_by_label("用户名"), page.get_by_label("密码")
        user_box.fill(username)
        pw_box.fill(PASSWORD)
        expect(user_box).to_have_value(username)
        expect(pw_box).to_have_value(PASSWORD)
        return self.timed(
            page,
            lambda: page.get_by_role("button", name="登录").click(),
            lambda: page.locator(first).first.wait_for(state="visible"),
        )

    def nav(self, page, title: str) -> tuple[float, float]:
        link = page.locator('[data-testid="stSidebarNav"] a', has_text=title).first
        return self.timed(
            page,
            link.click,
            lambda: page.locator("h1", has_text=title).first.wait_for(state="visible"),
        )

    def go(self, page, title: str) -> None:
        self.nav(page, title)

    # ------------------------------------------------------------ the steps
    def run(self) -> None:
        from duban.core.permissions import pages_for
        from duban.i18n import t
        from models import Role
        from ui.nav import PAGES

        first = True
        for username, role in ROLES.items():
            titles = [t(f"page.{p.key}") for p in PAGES if p.key in pages_for(Role(role))]
            for i in range(self.repeat):
                ctx, page = self.new_page()
                shown, settled = self.login(page, username)
                name = "login (first after server start)" if first else f"login {username}"
                self.step(name, LOGIN_GOAL).add(shown, settled)
                first = False
                if i == 0 and not self.logins_only:
                    for _ in range(self.repeat):
                        # every page, each clicked from the one before (the last from the first)
                        for title in titles[1:] + titles[:1]:
                            self.step(f"page {username} · {title}").add(*self.nav(page, title))
                    self.clicks(username, page)
                ctx.close()
            print(f"  {self.scale}: {username} done", flush=True)
        for username, first_element in PHONE_FIRST.items():
            for _ in range(self.repeat):
                ctx, page = self.new_page(phone=True)
                shown, settled = self.login(page, username, first_element)
                self.step(f"login {username} · phone 390×844", LOGIN_GOAL).add(shown, settled)
                ctx.close()
        print(f"  {self.scale}: phone logins done", flush=True)

    def clicks(self, username: str, page) -> None:
        todo = {
            "leader": [self.red_row, self.notice_open, self.exports],
            "office": [self.register],
            "dept01": [self.acknowledge],
        }.get(username, [])
        for measure in todo:
            try:
                measure(page)
            except Exception as exc:  # noqa: BLE001 - one failed step must not lose the run
                note = f"{self.scale} {measure.__name__}: {type(exc).__name__}: {exc}"
                self.skipped.append(note.splitlines()[0][:200])
                print(f"  ✗ {self.skipped[-1]}", flush=True)

    def red_row(self, page) -> None:
        """Dashboard red list: a row → the task's detail on 任务台账."""
        for i in range(self.repeat):
            self.go(page, "领导驾驶舱")
            grid = page.get_by_test_id("stDataFrame").first
            grid.wait_for(state="visible")
            box = grid.bounding_box()
            assert box is not None
            shown, settled = self.timed(
                page,
                # the row marker (selection checkbox) of row i, under the 35 px header
                lambda box=box, i=i: page.mouse.click(box["x"] + 16, box["y"] + 35 + 17 + 35 * i),
                lambda: self.detail_heading(page),
            )
            self.step("click 驾驶舱红色行 → 任务详情").add(shown, settled)

    def detail_heading(self, page) -> None:
        """The task detail's heading (code and title) of the task in the address."""
        page.wait_for_url(re.compile(r"task=\d+"))
        task_id = int(re.search(r"task=(\d+)", page.url).group(1))  # type: ignore[union-attr]
        with sqlite3.connect(self.db) as c:
            code, title = c.execute(
                "SELECT code, title FROM task WHERE id = ?", (task_id,)
            ).fetchone()
        page.locator("h3", has_text=f"{code} {title}".strip()).first.wait_for(state="visible")

    def register(self, page) -> None:
        """任务台账: a colour filter on and off; a row → the task's detail."""
        from tests.browser_support import wait_idle

        self.go(page, "任务台账")
        box = page.locator('[data-testid="stMultiSelect"]', has_text="预警").first
        for _ in range(self.repeat):
            box.click()
            option = page.get_by_role("option", name=re.compile("红")).first
            option.wait_for(state="visible")
            caption = page.get_by_text(re.compile(r"^共 [\d,]+ 项")).first
            before = caption.inner_text() if caption.count() else ""
            shown, settled = self.timed(
                page,
                option.click,
                lambda before=before: (
                    page.get_by_text(re.compile(r"^共 [\d,]+ 项"))
                    .filter(has_not_text=before or "\0")
                    .first.wait_for(state="visible")
                ),
            )
            self.step("click 台账筛选（颜色）").add(shown, settled)
            page.keyboard.press("Escape")
            box.get_by_role("button", name=re.compile("Clear|清除")).first.click()
            wait_idle(page)
        for i in range(self.repeat):
            # a row opens the task on its own page (?task=ID); the register is opened afresh
            # (by way of another page) before each click
            if i:
                self.go(page, "领导驾驶舱")
                self.go(page, "任务台账")
            grid = page.get_by_test_id("stDataFrame").first
            grid.wait_for(state="visible")
            box2 = grid.bounding_box()
            assert box2 is not None
            shown, settled = self.timed(
                page,
                lambda i=i, b=box2: page.mouse.click(b["x"] + 16, b["y"] + 35 + 17 + 35 * i),
                lambda: self.detail_heading(page),
            )
            self.step("click 台账行 → 任务详情").add(shown, settled)

    def acknowledge(self, page) -> None:
        """我的任务: 签收 the first task waiting for it."""
        self.go(page, "我的任务")
        pending = page.locator('[data-testid="stExpander"]', has_text="待签收")
        for _ in range(self.repeat):
            button = pending.get_by_role("button", name="签收").first
            button.wait_for(state="visible")
            before = texts(page, '[data-testid="stAlert"]')
            shown, settled = self.timed(
                page,
                button.click,
                lambda before=before: new_text(page, '[data-testid="stAlert"]', before, "已签收："),
            )
            self.step("click 我的任务 签收").add(shown, settled)

    def notice_open(self, page) -> None:
        """通知通报 (read by the leader): open another notice from the picker."""
        self.go(page, "通知通报")
        picker = page.locator('[data-testid="stSelectbox"]', has_text="打开").first
        if picker.count() == 0:
            self.skipped.append(f"{self.scale} notice_open: no issued notice to open")
            return
        for i in range(self.repeat):
            picker.click()
            # the notices, not the empty choice ("— 选择要打开的一份 —") the picker starts on
            options = page.get_by_role("option").filter(has_not_text=re.compile(r"^\s*—"))
            options.first.wait_for(state="visible")
            option = options.nth((i + 1) % options.count())  # never the one open now
            title = option.inner_text().strip().split(" · ", 1)[-1]
            shown, settled = self.timed(
                page,
                option.click,
                lambda title=title: page.locator("h3", has_text=title).first.wait_for(
                    state="visible"
                ),
            )
            self.step("click 通知通报 打开另一份").add(shown, settled)

    def exports(self, page) -> None:
        """Dashboard downloads: the chart ZIP and the Excel workbook (click → file received)."""
        self.go(page, "领导驾驶舱")
        for label, name in (
            ("下载图表", "click 驾驶舱导出图表 ZIP"),
            ("下载 Excel", "click 驾驶舱导出 Excel"),
        ):
            button = page.get_by_role("button", name=re.compile(label)).last
            if button.count() == 0:
                continue
            for _ in range(self.repeat):
                t0 = time.perf_counter()
                with page.expect_download(timeout=120_000) as dl:
                    button.click()
                dl.value.path()
                took = time.perf_counter() - t0
                self.step(name).add(took, took)


def texts(page, selector: str) -> list[str]:
    return page.locator(selector).all_inner_texts()


def new_text(page, selector: str, before: list[str], containing: str = "") -> None:
    """Wait until an element matching `selector` shows a text (with `containing`) that none
    showed before the click: what was on screen already proves nothing."""
    page.wait_for_function(
        """([sel, before, part]) => [...document.querySelectorAll(sel)].some(
               e => e.innerText.includes(part) && !before.includes(e.innerText))""",
        arg=[selector, before, containing],
    )


# ---------------------------------------------------------------- databases and the server


def prepare_copy(src: Path, dst: Path, repeat: int) -> None:
    """A private copy: production-cost password hashes for the bench accounts, and `repeat`
    of dept01's open assignments waiting for 签收 again."""
    import bcrypt

    shutil.copy(src, dst)
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(PROD_BCRYPT_ROUNDS)).decode()
    with sqlite3.connect(dst) as c:
        c.execute(
            f"UPDATE app_user SET password_hash = ? WHERE username IN ({','.join('?' * len(ROLES))})",
            (hashed, *ROLES),
        )
        dept = c.execute("SELECT department_id FROM app_user WHERE username='dept01'").fetchone()[0]
        rows = c.execute(
            "SELECT a.id, t.id FROM assignment a JOIN task t ON t.id = a.task_id "
            "WHERE a.department_id = ? "
            "AND t.status IN ('assigned','acknowledged','in_progress') ORDER BY t.id LIMIT ?",
            (dept, repeat + 1),
        ).fetchall()
        for aid, tid in rows:
            c.execute("UPDATE assignment SET acknowledged_at = NULL WHERE id = ?", (aid,))
            c.execute(
                "UPDATE task SET status = 'assigned' WHERE id = ? AND status = 'acknowledged'",
                (tid,),
            )
        c.execute("UPDATE data_version SET version = version + 1")


def start_server(db: Path, work: Path):
    from tests.browser_support import start_app

    return start_app(
        db, work, bcrypt_rounds=PROD_BCRYPT_ROUNDS, log_name=f"streamlit-{db.stem}.log"
    )


def stop(proc: subprocess.Popen) -> None:
    from tests.browser_support import stop_app

    stop_app(proc)


def table(steps: list[Step]) -> str:
    lines = [
        "| scale | step | shown (median) | settled (median) | runs | goal | |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in steps:
        lines.append(
            f"| {s.scale} | {s.name} | {statistics.median(s.shown):.2f} s | "
            f"{statistics.median(s.settled):.2f} s | {len(s.shown)} | ≤ {s.goal:.0f} s | "
            f"{'✓' if s.ok else '✗'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path("/tmp/duban_bench_large.db"))
    ap.add_argument("--repeat", type=int, default=3, help="runs per step (median), at least 3")
    ap.add_argument("--scales", nargs="*", default=["demo", "large"], choices=["demo", "large"])
    ap.add_argument("--logins-only", action="store_true", help="time the logins only")
    ap.add_argument("--out", type=Path, default=Path("/tmp/duban_bench_browser.md"))
    args = ap.parse_args(argv)
    if args.repeat < 3:
        ap.error("--repeat: at least 3")
    sys.path.insert(0, str(ROOT))

    from playwright.sync_api import sync_playwright

    from bench.run import machine, seed
    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        print(f"跳过：未找到 Chromium（{CHROMIUM}）", file=sys.stderr)
        return 0
    print(f"机器 / machine: {machine()}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="duban-bench-browser-"))
    sources = {}
    if "demo" in args.scales:
        sources["demo"] = work / "demo-src.db"
        seed(sources["demo"], "demo")
    if "large" in args.scales:
        if not args.db.exists():
            print(f"生成压测数据 → {args.db} …", flush=True)
            print(f"  seed --scale large: {seed(args.db, 'large'):.1f} s", flush=True)
        sources["large"] = args.db
    steps: list[Step] = []
    skipped: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for scale, src in sources.items():
            db = work / f"{scale}.db"
            prepare_copy(src, db, args.repeat)
            proc, url = start_server(db, work)
            try:
                bench = Bench(scale, url, db, args.repeat, browser, args.logins_only)
                try:
                    bench.run()
                finally:
                    steps += bench.steps.values()
                    skipped += bench.skipped
            finally:
                stop(proc)
        browser.close()
    out = table(steps)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    head = (
        f"{dt.datetime.now():%Y-%m-%d %H:%M} · {machine()}\n"
        f"(load average at the end: {load}; median of {args.repeat})\n"
    )
    print()
    print(head)
    print(out)
    slow = [f"{s.scale} {s.name}" for s in steps if not s.ok]
    print()
    print("目标 / goals (login ≤ 2 s shown, click ≤ 1 s settled): " + ("✓" if not slow else "✗"))
    for s in slow:
        print(f"  ✗ {s}")
    notes = "".join(f"\nnot measured: {s}" for s in skipped)
    print(notes)
    args.out.write_text(head + "\n" + out + "\n" + notes + "\n")
    print(f"\n→ {args.out}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
