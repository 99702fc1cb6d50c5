"""Settings refuse weak secrets; registries are complete (pages, settings, i18n, icons)."""

import datetime as dt
import re
import secrets
from pathlib import Path

import pytest

from duban.core.errors import SettingsError
from duban.core.permissions import PAGE_ACCESS
from duban.core.settings import PLACEHOLDER_COOKIE_KEY, Settings, get_settings, load_settings
from duban.i18n import CATALOG, t
from ui.nav import PAGES

ROOT = Path(__file__).resolve().parent.parent
NOFILE = Path("/nonexistent/secrets.toml")


def test_demo_defaults_run_on_sqlite(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    s = load_settings(secrets_path=Path("/nonexistent"))
    assert s.is_demo and s.is_sqlite and s.database_url.endswith("data/duban.db")


@pytest.mark.parametrize(
    "key",
    [
        PLACEHOLDER_COOKIE_KEY,
        "",
        "short-key",
        "a" * 32,
        " " * 32,
        "password" * 4,
        "9f86d081884c7d659a2feaa0c55ad015",  # 32 hex digits: 128 bits at best, under the bar
        "0123456789abcdef" * 2,
    ],
)
def test_production_refuses_weak_cookie_key(key):
    """issue 11 #4: the placeholder, short and low-entropy keys are refused, with the fix."""
    with pytest.raises(SettingsError, match="COOKIE_KEY") as refused:
        load_settings(secrets_path=NOFILE, duban_mode="production", cookie_key=key)
    assert "secrets.token_urlsafe(48)" in str(refused.value)
    strong = secrets.token_urlsafe(48)
    ok = load_settings(secrets_path=NOFILE, duban_mode="production", cookie_key=strong)
    assert ok.cookie_key == strong


@pytest.mark.parametrize("url", ["", "nonsense", "mysql://u@h/db"])
def test_malformed_database_url(url):
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings(secrets_path=NOFILE, database_url=url)


def test_secrets_file_is_read_and_environment_wins(tmp_path, monkeypatch):
    f = tmp_path / "secrets.toml"
    f.write_text('DATABASE_URL = "sqlite:///from-file.db"\nCOOKIE_NAME = "from_file"\n')
    monkeypatch.setenv("COOKIE_NAME", "from_env")
    s = load_settings(secrets_path=f)
    assert s.database_url == "sqlite:///from-file.db" and s.cookie_name == "from_env"
    f.write_text("DATABASE_URL = [broken")
    with pytest.raises(SettingsError, match="TOML"):
        load_settings(secrets_path=f)


def test_every_setting_is_documented():
    example = (ROOT / ".streamlit" / "secrets.example.toml").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in Settings.model_fields:
        assert re.search(rf"^{name.upper()} = ", example, re.M), f"{name} not in example"
        assert name.upper() in readme, f"{name.upper()} not in README"


def test_every_page_file_is_registered_and_every_registered_page_exists():
    files = {p.stem for p in (ROOT / "pages").glob("*.py")}
    assert files == {p.key for p in PAGES} == set(PAGE_ACCESS)
    for p in PAGES:
        assert t(f"page.{p.key}") != f"page.{p.key}"
        assert t(f"page.{p.key}", "en") != t(f"page.{p.key}")


def test_catalog_has_both_locales():
    missing = [k for k, (zh, en) in CATALOG.items() if not zh or not en]
    assert not missing, missing


def test_no_material_icons_offline_fonts_fail():
    offenders = [
        str(p.relative_to(ROOT))
        for d in ("pages", "ui")
        for p in (ROOT / d).rglob("*.py")
        if ":material/" in p.read_text()
    ] + (["app.py"] if ":material/" in (ROOT / "app.py").read_text() else [])
    assert not offenders


def test_domain_never_imports_streamlit():
    for d in ("duban", "models"):
        for p in (ROOT / d).rglob("*.py"):
            src = p.read_text()
            assert not re.search(r"^\s*(import streamlit|from streamlit)", src, re.M), p


def test_every_page_calls_the_login_guard_first():
    """`actor()` is the guard for runs that bypass app.py (see ui.context.actor)."""
    import ast

    for path in sorted((ROOT / "pages").glob("*.py")):
        body = [
            n
            for n in ast.parse(path.read_text()).body
            if not isinstance(n, (ast.Import, ast.ImportFrom))
            and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
        ]
        first = ast.unparse(body[0])
        assert "actor()" in first, f"{path.name}: first statement {first!r} is not actor()"


def test_ui_vocabulary_matches_the_domain_labels():
    """ui.context.vocab shows the domain's words; in Chinese they are exactly duban's labels."""
    from duban.inspections import labels as inspection_labels
    from duban.monitoring.lights import COLOUR_LABELS
    from duban.notices import labels as notice_labels
    from duban.org.departments import KIND_LABELS as DEPARTMENT_KINDS
    from duban.tasks import labels as task_labels

    def plain(labels):
        return {getattr(k, "value", k): v for k, v in labels.items()}

    for kind, labels in (
        ("task_status", plain(task_labels.STATUS_LABELS)),
        ("role", plain(task_labels.ROLE_LABELS)),
        ("rectification", plain(inspection_labels.STATUS_LABELS)),
        ("colour", COLOUR_LABELS),
        ("notice_kind", plain(notice_labels.KIND_LABELS)),
        ("notice_level", notice_labels.LEVEL_LABELS),
        ("inspection_method", plain(inspection_labels.METHOD_LABELS)),
        ("inspection_result", plain(inspection_labels.RESULT_LABELS)),
        ("department_kind", plain(DEPARTMENT_KINDS)),
    ):
        for value, zh in labels.items():
            assert t(f"vocab.{kind}.{value}", "zh") == zh
            en = t(f"vocab.{kind}.{value}", "en")
            assert en and en != zh and en.isascii()


def test_the_clock_reads_timezone(monkeypatch):
    from duban.core import clock

    def offset_hours() -> float:
        get_settings.cache_clear()
        utc = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        return round((clock.now() - utc).total_seconds() / 3600, 1)

    try:
        monkeypatch.setenv("TIMEZONE", "UTC")
        assert offset_hours() == 0
        monkeypatch.setenv("TIMEZONE", "Asia/Shanghai")
        assert offset_hours() == 8
        monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")  # no daylight saving since 2019
        assert offset_hours() == -3
    finally:
        monkeypatch.delenv("TIMEZONE")
        get_settings.cache_clear()


def test_an_unknown_timezone_is_a_settings_error():
    with pytest.raises(SettingsError, match="时区名称无效"):
        load_settings(timezone="Mars/Olympus_Mons")


def test_no_page_renders_raw_html():
    """User text goes through ui.common.plain; nothing is shown with unsafe_allow_html."""
    files = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py")]
    offenders = [str(f.relative_to(ROOT)) for f in files if "unsafe_allow_html" in f.read_text()]
    assert offenders == []


# Where raw HTML is written, each reviewed: constant CSS only (and a catalog word).
REVIEWED_HTML = {
    ("app.py", "<module>"),  # the main block's top padding
    ("ui/common.py", "chrome_css"),  # the uploader's words, from the catalog
    ("ui/auth.py", "_preload_first_page"),  # hides the login page's preloading block
    ("ui/layout.py", "compact_switch"),  # touch sizes and the 简洁视图 rules
}


def test_raw_html_is_written_only_where_reviewed():
    """st.html (and components.html) pass markup through unescaped: each call is listed in
    REVIEWED_HTML after a reader checked that no user text can reach it. A new call fails
    here until it is reviewed and listed; a listed call that is gone must be struck."""
    import ast

    files = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py")]
    found: set[tuple[str, str]] = set()

    def visit(node: ast.AST, where: str, path: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            where = node.name
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "html":
                found.add((path, where))
        for child in ast.iter_child_nodes(node):
            visit(child, where, path)

    for f in files:
        visit(ast.parse(f.read_text(), filename=str(f)), "<module>", str(f.relative_to(ROOT)))
    assert found == REVIEWED_HTML
