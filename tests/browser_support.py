"""Browser-test support: a real `streamlit run` on a demo database, and Debian's Chromium.

The fixtures `live_app` (base URL) and `browser_page` are registered for every test through
`pytest_plugins` in conftest.py: just name them as arguments. Import only the helpers
(`login`, `wait_idle`, `track`, `assert_no_exception`) from here.

Tests wait for the element they assert on (`playwright.sync_api.expect`, which retries
until its timeout) and never sleep. Before typing into a form they wait until the app has
settled (`wait_idle`): read from Streamlit's own websocket, not guessed from the page.
"""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import weakref
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ROOT = Path(__file__).resolve().parent.parent
STREAM = "/_stcore/stream"  # Streamlit's websocket


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"浏览器测试已跳过：未找到 Chromium（{CHROMIUM}）。apt-get install chromium")


READY_LINE = "You can now view your Streamlit app"  # printed once the server listens


def _start_server(cmd: list[str], env: dict, log_path: Path, url: str) -> subprocess.Popen:
    """Start `streamlit run` and return once it says it is listening (its log goes to a file).

    No polling: a thread copies the server's output to the log and signals the line Streamlit
    prints when its server has started; the wait ends on that line, or on the server's exit.
    """
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    ready = threading.Event()

    def copy_output() -> None:
        with open(log_path, "w") as log:
            assert proc.stdout is not None
            for line in proc.stdout:
                log.write(line)
                log.flush()
                if READY_LINE in line:
                    ready.set()
        ready.set()  # the server exited: stop waiting and report it

    threading.Thread(target=copy_output, daemon=True).start()
    if not ready.wait(timeout=90) or proc.poll() is not None:
        proc.kill()
        raise RuntimeError(log_path.read_text()[-3000:])
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as r:
        assert r.status == 200
    return proc


@pytest.fixture(scope="module")
def live_app(demo_db_template, tmp_path_factory):
    """Start the real app on a private copy of the demo database; yield its base URL.

    Under pytest-xdist every module's tests run on one worker (conftest puts them in one
    `xdist_group`), so each module starts one server, on its own port and temp dir.
    """
    require_chromium()
    work = tmp_path_factory.mktemp("live")
    db = work / "duban.db"
    shutil.copy(demo_db_template, db)
    proc, url = start_app(db, work, bcrypt_rounds=4)
    yield url
    stop_app(proc)


def start_app(
    db: Path, work: Path, *, bcrypt_rounds: int, log_name: str = "streamlit.log"
) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on a free port over the SQLite file `db` (uploads under
    `work`), started and answering; returns (process, base url)."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "UPLOAD_DIR": str(work / "uploads"),
        "DUBAN_MODE": "demo",
        "BCRYPT_ROUNDS": str(bcrypt_rounds),
    }
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    return _start_server(cmd, env, work / log_name, url), url


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def _chromium():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(_chromium):
    """A fresh browser context (no cookies) and page, 1400×900, its script runs tracked."""
    ctx = _chromium.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    track(page)
    yield page
    ctx.close()


# ---------------------------------------------------------------- when is the app settled?


class ScriptRuns:
    """What Streamlit's websocket says about the script runs of one page.

    A run starts with a `new_session` message and ends with `script_finished`. Custom
    components (the authenticator's cookie manager) send their value after they mount,
    which asks for another run; the app is settled when no run is going or asked for and
    every component the last run drew has reported.
    """

    def __init__(self) -> None:
        # Imported here: conftest loads this module for every run, streamlit takes a third
        # of a second to import, and only browser tests follow script runs.
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._back, self._forward = BackMsg, ForwardMsg
        self._start(None)

    def _start(self, ws) -> None:
        """A new websocket is a new Streamlit session: nothing known about it yet."""
        self.ws = ws
        self.runs = 0  # runs finished
        self.running = False
        self.asked = False  # a rerun asked for and not started yet
        self.drawn: set[str] = set()  # component instances of the current (or last) run
        self.reported: set[str] = set()  # widget ids the browser has sent a value for

    def settled(self) -> bool:
        return (
            self.ws is not None
            and self.runs > 0
            and not (self.running or self.asked)
            and self.drawn <= self.reported
        )

    def __str__(self) -> str:
        waiting = sorted(self.drawn - self.reported)
        return (
            f"runs finished {self.runs}, running {self.running}, rerun asked {self.asked}, "
            f"components not reported {waiting}"
        )

    def loading(self, request) -> None:
        """A new document in the page (goto, reload): its app opens a new websocket."""
        if request.is_navigation_request() and request.frame.parent_frame is None:
            self._start(None)

    def opened(self, ws) -> None:
        if not ws.url.endswith(STREAM):
            return
        self._start(ws)
        ws.on("framesent", self._sent)
        ws.on("framereceived", self._received)
        ws.on("close", self._closed)

    def _closed(self, ws) -> None:
        if ws is self.ws:
            self.ws = None

    def _sent(self, payload) -> None:
        if isinstance(payload, str):
            return
        msg = self._back.FromString(payload)
        if msg.WhichOneof("type") == "rerun_script":
            self.asked = True
            self.reported.update(w.id for w in msg.rerun_script.widget_states.widgets)

    def _received(self, payload) -> None:
        if isinstance(payload, str):
            return
        msg = self._forward.FromString(payload)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.running, self.asked, self.drawn = True, False, set()
        elif kind == "script_finished":
            self.running = False
            if msg.script_finished == self._forward.FINISHED_EARLY_FOR_RERUN:
                self.asked = True  # st.rerun(): the next run is coming
            else:
                self.runs += 1
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if element.WhichOneof("type") == "component_instance":
                self.drawn.add(element.component_instance.id)


_RUNS: "weakref.WeakKeyDictionary[object, ScriptRuns]" = weakref.WeakKeyDictionary()


def track(page) -> None:
    """Follow the page's script runs (call before the page opens the app)."""
    if page not in _RUNS:
        runs = _RUNS[page] = ScriptRuns()
        page.on("request", runs.loading)
        page.on("websocket", runs.opened)


def wait_idle(page, timeout: float = 30_000) -> None:
    """Wait until the app has settled (see ScriptRuns) and the page shows the finished run."""
    runs = _RUNS.get(page)
    if runs is None:
        raise RuntimeError("call track(page) before the page opens the app")
    deadline = time.monotonic() + timeout / 1000
    while not runs.settled():
        left = (deadline - time.monotonic()) * 1000
        if left <= 0:
            raise AssertionError(f"Streamlit did not settle in {timeout:.0f} ms: {runs}")
        ws = runs.ws
        try:
            if ws is None:
                page.wait_for_event("websocket", lambda w: w.url.endswith(STREAM), timeout=left)
            else:
                ws.wait_for_event("framereceived", timeout=left)
        except PlaywrightTimeout:
            continue  # reported by the deadline check above
        except PlaywrightError:
            if ws is None or not ws.is_closed():
                raise  # anything but the socket closing under us (a page load) is a failure
    # The browser has the messages; wait until the page has applied the finished run too.
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=timeout
    )
    # Elements whose code loads lazily (tables, charts) stand as skeletons until it has
    # loaded, then take their own height: what lies below them moves, and a click aimed
    # before that lands beside its target.
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout)


def login(page, base_url: str, username: str, password: str = "duban-demo") -> None:
    """Log in through the real form and wait for the sidebar navigation.

    The login page runs again when the cookie manager has read the browser's cookies (and
    on a fresh server once more, as its widgets get new ids): a form filled before that
    run would be emptied. So wait until the app has settled, then fill, check and submit.
    """
    track(page)
    page.goto(base_url)
    wait_idle(page, timeout=60_000)
    user_box, pw_box = page.get_by_label("用户名"), page.get_by_label("密码")
    user_box.fill(username)
    pw_box.fill(password)
    expect(user_box).to_have_value(username)
    expect(pw_box).to_have_value(password)
    page.get_by_role("button", name="登录").click()
    try:
        # attached, not visible: on a phone the sidebar (and its navigation) starts folded
        expect(page.get_by_test_id("stSidebarNav")).to_be_attached(timeout=60_000)
    except AssertionError:
        body = page.locator("body").inner_text()[:1500]
        raise AssertionError(f"登录后未出现侧边栏导航；页面内容：\n{body}") from None
    wait_idle(page)


def assert_no_exception(page) -> None:
    """Once the app has settled, the page shows no Python exception."""
    wait_idle(page)
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()[:2000]


FAILURE_SHOTS = Path(os.environ.get("DUBAN_FAILURE_SHOTS", "/tmp/duban-browser-failures"))


def _what_the_page_shows(page, name: str) -> str:
    """For a failed test: the page's address, its script runs, the messages it shows (errors,
    warnings, successes) and a screenshot, so a failure on a machine nobody watched can be
    read from the log alone."""
    lines = [f"address: {page.url}", f"script runs: {_RUNS.get(page)}"]
    try:
        for box in page.locator('[data-testid="stAlert"], [data-testid="stException"]').all():
            lines.append("message: " + " ".join(box.inner_text(timeout=2_000).split())[:500])
        FAILURE_SHOTS.mkdir(parents=True, exist_ok=True)
        shot = FAILURE_SHOTS / f"{name}.png"
        page.screenshot(path=str(shot), full_page=True, timeout=10_000)
        lines.append(f"screenshot: {shot}")
    except PlaywrightError as exc:  # a closed page or a browser that is gone
        lines.append(f"(the page could not be read: {str(exc).splitlines()[0]})")
    return "\n".join(lines)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser test that fails reports what each of its open pages was showing."""
    if call.when == "call" and call.excinfo is not None and item.get_closest_marker("browser"):
        pages = [p for p in list(_RUNS.keys()) if not p.is_closed()]
        for n, page in enumerate(pages):
            name = f"{item.name}-{n}".replace("/", "_")[:150]
            item.add_report_section("call", f"page {n}", _what_the_page_shows(page, name))
    yield
