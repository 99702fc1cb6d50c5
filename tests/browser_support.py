"""Browser-test support: a real `streamlit run` on a demo database, and Debian's Chromium.

The fixtures `live_app` (base URL) and `browser_page` are registered for every test through
`pytest_plugins` in conftest.py: just name them as arguments. Import only the helpers
(`login`, `wait_idle`, `assert_no_exception`) from here.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"浏览器测试已跳过：未找到 Chromium（{CHROMIUM}）。apt-get install chromium")


@pytest.fixture(scope="module")
def live_app(demo_db_template, tmp_path_factory):
    """Start the real app on a private copy of the demo database; yield its base URL."""
    require_chromium()
    work = tmp_path_factory.mktemp("live")
    db = work / "duban.db"
    shutil.copy(demo_db_template, db)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "UPLOAD_DIR": str(work / "uploads"),
        "DUBAN_MODE": "demo",
        "BCRYPT_ROUNDS": "4",
    }
    log = open(work / "streamlit.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
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
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError((work / "streamlit.log").read_text()[-3000:])
        time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


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
    """A fresh browser context (no cookies) and page, 1400×900."""
    ctx = _chromium.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    yield page
    ctx.close()


def wait_idle(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=timeout,
    )
    page.wait_for_timeout(300)


def login(page, base_url: str, username: str, password: str = "duban-demo") -> None:
    """Log in through the real form and wait for the sidebar navigation.

    Under load the form can re-render between `fill` and the click (the first script run
    is still settling), which empties the inputs: so wait for the run to finish, check
    the typed values are still there, and try again (at most three times) if the sidebar
    does not come. A failure says what the page showed instead.
    """
    page.goto(base_url)
    for attempt in range(3):
        page.get_by_label("用户名").wait_for()
        wait_idle(page, timeout=60_000)
        user_box, pw_box = page.get_by_label("用户名"), page.get_by_label("密码")
        user_box.fill(username)
        pw_box.fill(password)
        if user_box.input_value() != username or pw_box.input_value() != password:
            continue
        page.get_by_role("button", name="登录").click()
        try:
            page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=45_000)
        except Exception:
            if attempt == 2:
                body = page.locator("body").inner_text()[:1500]
                raise AssertionError(f"登录后未出现侧边栏导航；页面内容：\n{body}") from None
            page.goto(base_url)
            continue
        wait_idle(page)
        return
    raise AssertionError("登录表单三次均未能填写")


def assert_no_exception(page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()[:2000]
