"""No language leaks: every page × role × locale on the demo data, read as the user reads it.

Each page is rendered under AppTest (its default state, then with a record opened) and the
text of every element is collected: headings, Markdown, captions, alerts, metrics, widget
labels, options, placeholders and help, tab and expander labels, table headers and cells,
and the words of the charts (trace names, hover text, axis titles, tick labels). What users
and documents typed is removed first (read from the database: unit and user names, plan and
task texts, reports, 批示, findings, notices …): that text stays as written in both locales.
What remains is the UI's own text:

- English UI: no Chinese character;
- Chinese UI: no English word except the few in ZH_ALLOWED (each with its reason);
- neither: a table cell or text reading None / nan / NaT, a date shown as a timestamp or
  in another format than YYYY-MM-DD, a percent with decimals ("90.0%") or a space ("90 %").

It also checks what AppTest cannot see but decides what the browser shows: a selectbox that
can be empty or a multiselect without our placeholder shows Streamlit's "Choose an option";
a multiselect without `select_all=False` offers "Select all"; a date input not in
YYYY-MM-DD; a table without a placeholder shows "None" for an empty cell; a plotly date axis
without a tickformat shows English month ticks ("Jul 2026").
"""

import datetime as dt
import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from sqlmodel import Session, select

from duban.core import db
from duban.core.permissions import PAGE_ACCESS
from duban.notices import templates
from models import (
    AppUser,
    AssessmentSnapshot,
    Assignment,
    Attachment,
    AuditLog,
    CalendarDay,
    Channel,
    Delivery,
    Department,
    ExtensionRequest,
    Finding,
    Inspection,
    Instruction,
    InstructionAnswer,
    LoginAttempt,
    Milestone,
    Notice,
    NoticeKind,
    NoticeRecipient,
    NoticeTemplate,
    Notification,
    Plan,
    ProgressReport,
    Role,
    ScoreAppeal,
    Target,
    Task,
    TaskCategory,
    UserSession,
)
from tests.apptest import DEMO_USERS, app_as, shown
from ui.org.admin import _short

# ---------------------------------------------------------------- what users and documents typed

# Every text column of these tables is user or document text (the enums and keys are not:
# a raw "in_progress" on screen is a leak).
DATA_COLUMNS: dict[type, tuple[str, ...]] = {
    Department: ("name", "short_name"),
    AppUser: ("display_name", "email"),
    Plan: ("title", "issuer", "doc_number"),
    Task: ("code", "title", "description", "phase", "status_reason"),
    Milestone: ("title",),
    Target: ("text", "unit"),
    ProgressReport: ("done_text", "problems", "next_steps"),
    Attachment: ("filename",),
    ExtensionRequest: ("reason", "decision_note"),
    Instruction: ("text",),
    InstructionAnswer: ("text",),
    Inspection: ("narrative", "inspectors"),
    Finding: ("description", "answer_text", "recheck_note"),
    Notice: (
        "title",
        "addressees",
        "body",
        "requirements",
        "signature",
        "copy_to",
        "period_label",
        "doc_number",
    ),
    NoticeRecipient: ("reply_text",),
    NoticeTemplate: ("body",),  # the office's template text: official document wording
    ScoreAppeal: ("reason", "decision_note"),
    AssessmentSnapshot: ("department_name",),
    CalendarDay: ("name",),  # holiday names as the State Council publishes them
    AuditLog: ("note",),  # the audit record's note, as written when it happened
    Channel: ("name",),  # a robot's name, as the office typed it
    # The delivery log shows each message as it was sent, and the reason as recorded then.
    Notification: ("subject", "body"),
    Delivery: ("target", "last_error"),
    TaskCategory: ("name",),  # 督办事项来源: the office names them (the presets included)
}
# Shown whole (a cell, an option, `code`): login names such as "office" are also role values,
# which must not be removed from running text.
WHOLE_ONLY: dict[type, tuple[str, ...]] = {
    AppUser: ("username",),
    UserSession: ("client", "user_agent"),  # where a login came from, as the browser said
    LoginAttempt: ("username", "source"),
    AuditLog: ("username", "action"),  # the audit record, shown verbatim to the auditor
}


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


@functools.cache
def data_strings(db_path: Path) -> tuple[re.Pattern, frozenset[str]]:
    """(a pattern of the typed texts to cut out, the texts to ignore where shown whole)."""
    engine = db.make_engine(f"sqlite:///{db_path}")
    texts: set[str] = set()
    whole: set[str] = set()
    with Session(engine) as s:
        for model, columns in DATA_COLUMNS.items():
            for col in columns:
                for value in s.exec(select(getattr(model, col))).all():
                    if not value:
                        continue
                    value = str(value)
                    lines = [value, *value.splitlines()]
                    for line in lines:
                        line = line.strip()
                        # One character is cut only where it is all there is: "件" in a
                        # sentence is more likely the UI's own word.
                        if len(line) >= 2:
                            texts.update({line, " ".join(line.split())})
                        else:
                            whole.add(line)
        for model, columns in WHOLE_ONLY.items():
            for col in columns:
                whole.update(str(v) for v in s.exec(select(getattr(model, col))).all() if v)
        for r in s.exec(select(AuditLog)).all():  # its object and values, as the table shows
            whole.update(
                {f"{r.object_type}#{r.object_id or ''}", _short(r.before), _short(r.after)}
            )
        # A notice shown as the document it is: its addressees line ends in the colon.
        texts.update(f"{a}：" for a in s.exec(select(Notice.addressees)).all() if a)
        # A login name beside its person ("office · 王主任"), in the user pickers.
        texts.update(f"{u} · " for u in s.exec(select(AppUser.username)).all())
    engine.dispose()
    # The notice templates as the office's preview shows them: official document text, the
    # template filled with sample data.
    for kind in NoticeKind:
        preview = templates.check_template(kind.value, templates.default_template(kind.value))
        texts.update(line.strip() for line in preview.splitlines() if len(line.strip()) >= 2)
    ordered = sorted(texts, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(x) for x in ordered))
    return pattern, frozenset(whole)


# ---------------------------------------------------------------- what the page shows

# Proto fields that are never shown as text.
_HIDDEN_FIELDS = {
    "id",
    "form_id",
    "type",
    "tag",
    "icon",
    "theme",
    "deferred_file_id",
    "url",
    "min",
    "max",
    "format",
    "query_param_key",
    "data",
    "mime",
    "file_name",
    "color",
    "page",
    "page_script_hash",
    "query_string",  # a page link's address (?task=12), not its words
    "raw_value",
    "raw_values",
    "label_visibility",
    "selection_mode",
    "column_order",
    "alt",
    "file_type",
    "height_config",
    "width_config",
    "text_alignment_config",
    "component_name",
    "json_args",
    "json_value",
    "default",
    "value",  # a widget's current value: the user's input, or a record's (data)
    "autocomplete",
    "language",
}
# Markdown and labels come as Markdown source: read them as rendered.
_HTML_BLOCK = re.compile(r"<(style|script)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def _proto_strings(msg, path: str = "") -> Iterator[tuple[str, str]]:
    for fd, val in msg.ListFields():
        if fd.name in _HIDDEN_FIELDS:
            continue
        if fd.type == fd.TYPE_MESSAGE:
            if fd.message_type.GetOptions().map_entry:
                continue
            for v in val if fd.is_repeated else [val]:
                yield from _proto_strings(v, f"{path}.{fd.name}")
        elif fd.type == fd.TYPE_STRING and fd.name not in ("spec", "config", "columns"):
            for v in val if fd.is_repeated else [val]:
                if v:
                    yield f"{path}.{fd.name}", v


# Streamlit's Markdown extensions: `:gray[text]`, `:material/icon:`; inline code (a template
# variable, a package name) is code, in both locales.
_DIRECTIVE = re.compile(r":[a-z]+(-background)?\[|:material/[a-z_]+:")
_CODE_SPAN = re.compile(r"`[^`]*`")


def _markup_text(text: str) -> str:
    text = _CODE_SPAN.sub(" ", _DIRECTIVE.sub(" ", text))
    return _TAG.sub(" ", _HTML_BLOCK.sub(" ", shown(text)))


def _cell_text(value, placeholder: str | None, date_only: bool) -> str:
    if value is None:
        return "None" if placeholder is None else placeholder
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, list | tuple):
        return ", ".join(_cell_text(v, placeholder, date_only) for v in value)
    if date_only and isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)


# Number formats of a percent column that show decimals ("90.0%", "0.9").
_PERCENT_DECIMALS = re.compile(r"%\.[1-9]\w?%%|^percent$")


def _dataframe(proto, where: str, problems: list[str]) -> Iterator[tuple[str, str, bool]]:
    """(where, text, whole cell?) for the visible headers and cells of st.dataframe."""
    data = proto.arrow_data.data or proto.lazy_data.initial_chunk.data
    if not data:
        return
    table = pa.ipc.open_stream(data).read_all()
    config = json.loads(proto.columns) if proto.columns else {}
    order = list(proto.column_order)
    placeholder = proto.placeholder if proto.HasField("placeholder") else None
    for i, name in enumerate(table.column_names):
        if name.startswith("__index_level") or name == "_index":
            continue
        cfg = config.get(name) or config.get(f"_pos:{i}") or {}
        if cfg.get("hidden") or (order and name not in order):
            continue
        label = str(cfg.get("label") or name)
        yield f"{where} header", label, True
        if cfg.get("help"):
            yield f"{where} help", str(cfg["help"]), False
        type_config = cfg.get("type_config") or {}
        fmt = str(type_config.get("format") or "")
        if _PERCENT_DECIMALS.search(fmt):
            problems.append(f"table column {label!r}: percent format {fmt!r} shows decimals")
        date_only = fmt == "YYYY-MM-DD"
        display = type_config.get("display_text")
        for value in table.column(name).to_pylist():
            if display and value is not None and not re.search(r"[()^$\\]", display):
                value = display
            yield f"{where} cell {label}", _cell_text(value, placeholder, date_only), True


_CHART_WORDS = {"name", "text", "hovertemplate", "texttemplate", "ticktext", "x", "y", "z"}
_CHART_WORDS |= {"labels", "customdata", "title", "header", "cells", "values"}
_CHART_SKIP = {"template", "font", "marker", "line", "colorscale", "meta"}


def _chart_strings(node, key: str = "") -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k not in _CHART_SKIP:
                yield from _chart_strings(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _chart_strings(v, key)
    elif isinstance(node, str) and key in _CHART_WORDS:
        yield re.sub(r"%\{[^}]*\}", " ", node)


_ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\d")


def _chart_problems(spec: dict) -> list[str]:
    """Date axes need a tickformat from the locale, or plotly draws "Jul 2026"."""
    problems = []
    layout = spec.get("layout", {})
    for trace in spec.get("data", []):
        for axis in ("x", "y"):
            values = trace.get(axis) or []
            if isinstance(values, dict) or not values:
                continue
            if any(isinstance(v, str) and _ISO_DATE.match(v) for v in values):
                ref = trace.get(f"{axis}axis", axis)
                name = f"{axis}axis{ref[1:]}"
                if not layout.get(name, {}).get("tickformat"):
                    problems.append(f"chart {name}: dates without a tickformat ('Jul 2026')")
    return problems


def _widget_problems(kind: str, proto) -> list[str]:
    """What the browser would show of Streamlit's own English chrome, read from the proto."""
    problems = []
    if kind == "Selectbox" and not proto.placeholder and not proto.HasField("default"):
        problems.append(f"selectbox {proto.label!r}: no placeholder ('Choose an option')")
    if kind == "Multiselect":
        if not proto.placeholder:
            problems.append(f"multiselect {proto.label!r}: no placeholder ('Choose options')")
        if proto.select_all != 0:
            problems.append(f"multiselect {proto.label!r}: Streamlit's 'Select all'")
    if kind == "DateInput" and proto.format != "YYYY-MM-DD":
        problems.append(f"date input {proto.label!r}: format {proto.format}")
    return problems


# The language picker names each language in itself, in both locales.
LANGUAGE_PICKER = "lang"


def rendered(at) -> tuple[list[tuple[str, str, bool]], list[str]]:
    """(where, text, shown whole?) for every visible string of the last run, and the
    problems of the widgets and charts whose chrome the browser draws."""
    items: list[tuple[str, str, bool]] = []
    problems: list[str] = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is None or getattr(node, "key", None) == LANGUAGE_PICKER:
            continue
        kind = type(node).__name__
        problems += _widget_problems(kind, proto)
        if kind == "Dataframe":
            items += _dataframe(proto, kind, problems)
            continue
        for path, text in _proto_strings(proto, kind):
            whole = path.endswith((".options", ".content"))
            if kind == "Code":  # code and template data, as the author types them
                continue
            if kind == "Text" or whole:
                items.append((path, text, whole))
            else:
                items.append((path, _markup_text(text), False))
        spec = getattr(proto, "spec", None)
        if kind == "UnknownElement" and isinstance(spec, str) and spec.startswith("{"):
            figure = json.loads(spec)
            items += [(f"{kind}.chart", _markup_text(x), False) for x in _chart_strings(figure)]
            problems += _chart_problems(figure)
    return items, problems


# ---------------------------------------------------------------- what counts as a leak

# English words the Chinese UI may show, each because Chinese users read it so too.
ZH_ALLOWED = {
    "PDF", "Word", "Excel", "DOCX", "XLSX", "ZIP", "PNG",  # file formats and the programs
    "MB", "KB",  # sizes, as Chinese software writes them
    "GB", "T",  # GB/T 9704, the standard's own name
    "Duban",  # the product's name beside 督办台
    "KPI",  # the office's word for 关键指标 cards
    "ID", "SHA",  # ids and hashes in the admin's audit and backup views
    "YYYY", "MM", "DD",  # a date input's format hint, the one date format
    "Office", "PowerPoint", "WPS",  # the office suites whose files units upload, by name
    "UTF", "GBK",  # text encodings of plan files, as Chinese editors name them
    "Delete",  # the key, as its keycap reads
    "SMTP", "STARTTLS", "SSL", "TLS", "Webhook",  # mail and robot settings, as their own screens name them
}  # fmt: skip
# A file extension (".xlsx") is written as the file system spells it.
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{2,5}\b")
_WORD = re.compile(r"[A-Za-z]+")
_NONE = re.compile(r"(?<![\w.])(None|nan|NaN|NaT|null)(?![\w.])")
_BAD_FORMATS = [
    (re.compile(r"\d\.\d+\s*%|\d\s+%"), "percent not as 90%"),
    (re.compile(r"\d{4}-\d\d-\d\d[ T]00:00"), "a date shown as a timestamp"),
    (re.compile(r"\b\d{4}/\d{1,2}/\d{1,2}\b|\b\d{1,2}/\d{1,2}/\d{4}\b"), "date not YYYY-MM-DD"),
    (re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"), "date not YYYY-MM-DD"),
]


def leaks(items, lang: str, data: tuple[re.Pattern, frozenset[str]]) -> list[str]:
    pattern, whole_data = data
    found = []
    for where, text, whole in items:
        text = text.strip()
        if not text or (whole and text in whole_data):
            continue
        rest = pattern.sub(" ", text)
        for word in whole_data:
            rest = rest.replace(f"`{word}`", " ")
        problems = [why for rx, why in _BAD_FORMATS if rx.search(rest)]
        if _NONE.search(rest):
            problems.append("None/nan")
        if lang == "en" and _CJK.search(rest):
            problems.append("Chinese: " + "".join(sorted(set(_CJK.findall(rest))))[:40])
        if lang == "zh":
            words = {w for w in _WORD.findall(_EXTENSION.sub(" ", rest)) if w not in ZH_ALLOWED}
            if words:
                problems.append("English: " + " ".join(sorted(words))[:80])
        if problems:
            found.append(f"{where}: {text[:120]!r} → {'; '.join(problems)}")
    return sorted(set(found))


# ---------------------------------------------------------------- pages, roles, states


def _rich_task(db_path: Path, department: str | None = None) -> int:
    """The open task with the most on record (reports, milestones, targets, 批示)."""
    engine = db.make_engine(f"sqlite:///{db_path}")
    with Session(engine) as s:
        tasks = s.exec(select(Task).where(Task.status != "draft")).all()
        if department:
            unit = s.exec(select(Department.id).where(Department.name == department)).one()
            mine = set(s.exec(select(Assignment.task_id).where(Assignment.department_id == unit)))
            tasks = [x for x in tasks if x.id in mine]

        def weight(task: Task) -> int:
            return sum(
                len(s.exec(select(m.id).where(m.task_id == task.id)).all())
                for m in (ProgressReport, Milestone, Target, Instruction)
            )

        best = max(tasks, key=weight).id
    engine.dispose()
    assert best is not None
    return best


def _unit_of(db_path: Path, username: str) -> tuple[int, str]:
    engine = db.make_engine(f"sqlite:///{db_path}")
    with Session(engine) as s:
        user = s.exec(select(AppUser).where(AppUser.username == username)).one()
        unit = s.get(Department, user.department_id)
        assert unit is not None and unit.id is not None
        result = unit.id, unit.name
    engine.dispose()
    return result


def _state(page: str, user: str, db_path: Path) -> dict:
    """Session state that opens a record on the page (the list stays on screen above it)."""
    if page == "tasks":
        return {"open_task": _rich_task(db_path)}
    if page == "my_tasks":
        unit_id, unit = _unit_of(db_path, "dept01")
        opened = {"my_open": _rich_task(db_path, unit)}
        return {"my_unit": unit_id, **opened} if user == "office" else opened
    return {}


# A page that is short by nature: 待办 with the demo's one item (dept01's) has a title, a
# summary, a group, a line and its link, besides the sidebar.
MIN_ITEMS = {"inbox": 12}

CASES = [
    (page, user, role)
    for page, roles in PAGE_ACCESS.items()
    for user, role in DEMO_USERS.items()
    if Role(role) in roles
]


def scan(page: str, user: str, role: str, lang: str, db_path: Path) -> tuple[list, list]:
    items: list = []
    problems: list[str] = []
    at = app_as(user, role)
    at.session_state["lang"] = lang
    # The sidebar shows only on the first run under AppTest. The page opens with a record
    # open (set before its widgets exist: a later rerun would ask AppTest to format the
    # widgets' values outside a script run, in the wrong locale).
    runs = [{}, {"page": page, **_state(page, user, db_path)}]
    for state in runs:
        if "page" in state:
            at.switch_page(f"pages/{state['page']}.py")
        for key, value in state.items():
            if key != "page":
                at.session_state[key] = value
        at.run()
        assert not at.exception, at.exception
        seen, wrong = rendered(at)
        items += seen
        problems += wrong
    return items, problems


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("page", "user", "role"), CASES)
def test_no_language_leaks(demo_db, demo_db_template, page, user, role, lang):
    items, problems = scan(page, user, role, lang, demo_db_template)
    assert len(items) > MIN_ITEMS.get(page, 20)  # the page rendered
    found = leaks(items, lang, data_strings(Path(demo_db.removeprefix("sqlite:///"))))
    assert not found and not problems, "\n".join(sorted(set(problems)) + found)


def test_the_scanner_sees_a_leak(demo_db, demo_db_template):
    """The scan is not blind: an English word, a Chinese word and a None all count."""
    data = data_strings(demo_db_template)
    unit = _unit_of(demo_db_template, "dept01")[1]
    assert not leaks([("x", f"{unit}：按期", False)], "zh", data)
    assert leaks([("x", f"{unit} Upload", False)], "zh", data)
    assert leaks([("x", f"{unit} 红灯", False)], "en", data)
    assert not leaks([("x", f"{unit} red", False)], "en", data)
    assert leaks([("x", "None", True)], "en", data)
    assert leaks([("x", "90.0%", False)], "en", data)
    assert not leaks([("x", "90%", False)], "en", data)


@pytest.mark.parametrize(
    ("module", "table"),
    [("duban.monitoring.lights", "REASON_PATTERNS"), ("duban.notices.facts", "WHY_PATTERNS")],
)
def test_every_reason_reads_in_english(module, table):
    """Each Chinese reason duban writes (its catalog text, filled in) matches its pattern and
    comes out in English with no Chinese left."""
    import importlib

    from duban.i18n import t, translate

    patterns = getattr(importlib.import_module(module), table)
    for _pattern, key in patterns:
        written = t(key, "zh", n=3, d="2026-07-01")
        english = translate(written, patterns, "en")
        assert english == t(key, "en", n=3, d="2026-07-01"), (written, english)
        assert not _CJK.search(english), english


def test_the_frame_reasons_read_in_english_too():
    import polars as pl

    from duban.monitoring import lights

    written = "逾期 91 个工作日；进度落后序时进度 65 个百分点（未填报进度）；已延期（原完成时限 2026-07-01）"
    frame = pl.DataFrame({"r": [written, None]})
    english = frame.select(lights.reason_expr(pl.col("r"), "en")).to_series().to_list()
    assert english == [lights.reason_text(written, "en"), None]
    assert not _CJK.search(english[0]) and "91" in english[0] and "2026-07-01" in english[0]


@pytest.mark.parametrize(
    ("page", "user", "role"),
    [
        (p, u, r)
        for p, u, r in CASES
        if (p, u)
        in {
            ("inspections", "inspector"),
            ("dashboard", "leader"),
            ("notices", "office"),
            ("assessment", "office"),
        }
    ],
)
def test_switching_to_english_redraws_what_was_cached_in_chinese(
    demo_db, demo_db_template, page, user, role
):
    """A user who switches the language mid-session sees no table cached in the other one
    (a cached frame of words must have the language in its key)."""
    at = app_as(user, role)
    at.session_state["lang"] = "zh"
    at.run()
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, at.exception
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    items, problems = rendered(at)
    found = leaks(items, "en", data_strings(Path(demo_db.removeprefix("sqlite:///"))))
    assert not found and not problems, "\n".join(sorted(set(problems)) + found)
