"""Every download button leaves the app alone when clicked (`on_click="ignore"`).

A click on a download button with Streamlit's default `on_click="rerun"` reruns the page
while the browser asks for the file. A deferred file (`data=` a callable, read only when
clicked) is registered anew on each run; the rerun drops the id the browser clicked and the
click downloads nothing (seen in CI: tests/test_browser_tasks.py waited 30 s for a download
that never came). A download changes nothing, so no button reruns the page.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _download_calls():
    for folder in ("ui", "pages"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "download_button"
                ):
                    yield path.relative_to(ROOT), node
    app = ROOT / "app.py"
    for node in ast.walk(ast.parse(app.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "download_button":
            yield app.relative_to(ROOT), node


def test_every_download_button_ignores_the_click():
    calls = list(_download_calls())
    assert len(calls) >= 10  # the scan sees the buttons (there are 11 today)
    rerunning = [
        f"{path}:{node.lineno}"
        for path, node in calls
        if not any(
            kw.arg == "on_click"
            and isinstance(kw.value, ast.Constant)
            and kw.value.value == "ignore"
            for kw in node.keywords
        )
    ]
    assert rerunning == [], f"download buttons that rerun the page when clicked: {rerunning}"
