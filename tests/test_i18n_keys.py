"""Every catalog key the code uses exists, in Chinese and in English.

A static scan of app.py, pages/, ui/ and duban/ (the catalog itself aside). What it sees:

- `t("key")`: the key, wherever the translator is called (`ui.context.t`, `duban.i18n.t`,
  under any local name);
- every string constant shaped like a key of a catalog area (`"tasks.col_code"`): this
  catches the keys kept in tuples, dicts and arguments before they reach `t(k)`;
- `t(f"tasks.act.{action}")`: each such pattern must be declared in DYNAMIC below with the
  values it takes. Where the domain has the vocabulary (an enum, a registry) the values come
  from it, so a new value there without its key fails here; where the values are a list
  written at the call site, DYNAMIC copies that list, and a value added only at the call
  site is not seen;
- `vocab(kind, value)`: each kind must be in VOCAB with the enum its values come from.

What it cannot see: a key assembled some other way (`"a." + b`, `"%s" % x`) or a key of a
new area whose constant never appears in the code. The page tests render every page, and
`t()` shows a missing key as itself there.
"""

import ast
import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duban
from duban.i18n import CATALOG
from models import (
    AssignmentRole,
    DepartmentKind,
    InspectionMethod,
    InspectionResult,
    NoticeKind,
    NoticeLevel,
    RectificationStatus,
    RequestStatus,
    Role,
    TaskStatus,
)
from ui.nav import PAGES

ROOT = Path(__file__).resolve().parent.parent
TRANSLATOR_MODULES = ("ui.context", "duban.i18n")  # both define the translator `t`
VOCAB_MODULE = "ui.context"  # defines `vocab(kind, value)` → t(f"vocab.{kind}.{value}")
AREAS = {key.split(".")[0] for key in CATALOG}
KEY_SHAPE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")


def _domain(name: str):
    """The one object called `name` in duban/, wherever the package keeps it."""
    found = {}
    for info in pkgutil.walk_packages(duban.__path__, "duban."):
        if info.name.endswith("__main__"):
            continue
        obj = getattr(importlib.import_module(info.name), name, None)
        if obj is not None:
            found[id(obj)] = obj
    assert len(found) == 1, f"{name}: {len(found)} definitions in duban/"
    return next(iter(found.values()))


def _values(enum) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


# f-string key pattern (each {…} written {}) → where its values come from.
DYNAMIC: dict[str, Callable[[], Iterable[str]]] = {
    "page.{}": lambda: [p.key for p in PAGES],
    "role.{}": lambda: _values(Role),
    "tasks.act.{}": lambda: _domain("TRANSITIONS"),  # the office's status actions
    "tasks.role_{}": lambda: _domain("UNIT_ROLES"),
    "imp.c_{}": lambda: [key for key, _ in _domain("COLUMNS")],
    "asm.kind.{}": lambda: _domain("PERIOD_KINDS"),
    "dash.role_{}": lambda: _values(AssignmentRole),
    "chart.light.{}": lambda: _values(_domain("Colour")),
    "rules.f.{}": lambda: importlib.import_module("duban.monitoring.rules").RULE_LABELS,
    "rules.h.{}": lambda: importlib.import_module("duban.monitoring.rules").RULE_LABELS,
    "admin.obj.{}": lambda: importlib.import_module("ui.org.admin").AUDIT_OBJECTS,
    "notices.rule.{}": lambda: importlib.import_module("duban.notices.rules").RULE_LABELS,
    "asm.period_status.{}": lambda: _domain("PERIOD_STATUS"),
    "asm.appeal_status.{}": lambda: _domain("APPEAL_STATUS"),
    "asm.line_status.{}": lambda: _domain("LINE_STATUS"),
    "asm.field.{}": lambda: _domain("FIELD_KINDS"),
    "asm.field_help.{}": lambda: _domain("FIELD_KINDS"),
    # Copied from the call sites (or a module's private list):
    "dash.kpi.{}": lambda: (
        "total",
        "completed",
        "on_time_rate",
        "overdue",
        "due_soon",
        "stagnant",
        "progress_gap",
    ),
    "dash.sort.{}": lambda: ("overdue", "on_time", "name"),
    "asm.{}": lambda: ("accept", "reject"),
    "asm.tab_{}": lambda: ("ranking", "units", "appeals", "formula", "export"),
    "asm.col.{}": lambda: (  # duban/assessment/exports.py: ranking_rows, line_rows
        *("rank", "unit", "score", "delta", "rank_change", "raw", "load", "factor", "lines"),
        *("category", "points", "detail", "source", "day", "status", "key"),
    ),
    "asm.method.{}": lambda: [str(i) for i in range(1, 6)],  # formula.explain_method
    "month.{}": lambda: [str(m) for m in range(1, 13)],
    "tasks.tab_{}": lambda: ("register", "new", "bulk", "extensions"),
    "insp.tab_{}": lambda: ("list", "findings", "new"),
    "my.sec_{}": lambda: ("to_ack", "overdue", "due_soon", "to_answer"),
    "my.tab_{}": lambda: ("report", "extension", "submit", "answer"),
    # vocab(kind, value): the kinds are checked against VOCAB.
    "vocab.{}.{}": lambda: (),
    # 图表 (duban/charts, ui/charts)
    "charts.dataset.{}": lambda: importlib.import_module("duban.charts.datasets").DATASETS,
    "charts.measure.{}": lambda: importlib.import_module("duban.charts.datasets").MEASURES,
    "charts.measure_of.{}": lambda: importlib.import_module("duban.charts.datasets").FIELD_MEASURES,
    "charts.type.{}": lambda: importlib.import_module("duban.charts.spec").CHART_TYPES,
    "charts.dim.{}": lambda: ("colour", "unit_colour"),  # datasets._task_dimensions(colour_of=)
    "charts.notice_status.{}": lambda: ("issued", "withdrawn"),
    "charts.answer.{}": lambda: ("pending", "acknowledged", "replied"),
    "charts.f.f_{}": lambda: importlib.import_module("ui.charts.views").FILTER_KEYS,
}

# vocab(kind, value): kind → the values it takes.
VOCAB: dict[str, Callable[[], Iterable[str]]] = {
    "task_status": lambda: _values(TaskStatus),
    "role": lambda: _values(AssignmentRole),
    "rectification": lambda: _values(RectificationStatus),
    "colour": lambda: _values(_domain("Colour")),
    "notice_kind": lambda: _values(NoticeKind),
    "notice_level": lambda: _values(NoticeLevel),
    "inspection_method": lambda: _values(InspectionMethod),
    "inspection_result": lambda: _values(InspectionResult),
    "department_kind": lambda: _values(DepartmentKind),
    "request": lambda: _values(RequestStatus),
}


@dataclass
class Uses:
    """What the scan found, each with the places (file:line) it was found at."""

    keys: dict[str, list[str]] = field(default_factory=dict)
    patterns: dict[str, list[str]] = field(default_factory=dict)
    vocab_kinds: dict[str, list[str]] = field(default_factory=dict)
    unknown_calls: list[str] = field(default_factory=list)  # t(…) of an unknown origin
    translator_calls: int = 0

    def add(self, bucket: dict[str, list[str]], value: str, where: str) -> None:
        places = bucket.setdefault(value, [])
        if where not in places:
            places.append(where)


def _sources() -> list[Path]:
    files = [ROOT / "app.py"]
    for folder in ("pages", "ui", "duban"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return [f for f in files if "i18n" not in f.relative_to(ROOT).parts]


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _bindings(tree: ast.Module, module: str) -> tuple[set[str], set[str], set[str]]:
    """Local names of the translator, of `vocab`, and of modules that hold the translator."""
    translators, vocabs, modules = set(), set(), set()
    if module in TRANSLATOR_MODULES:
        translators.add("t")
    if module == VOCAB_MODULE:
        vocabs.add("vocab")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                local = alias.asname or alias.name
                if node.module in TRANSLATOR_MODULES and alias.name == "t":
                    translators.add(local)
                if node.module == VOCAB_MODULE and alias.name == "vocab":
                    vocabs.add(local)
                if f"{node.module}.{alias.name}" in TRANSLATOR_MODULES:
                    modules.add(local)
        elif isinstance(node, ast.Import):
            modules.update(
                alias.asname
                for alias in node.names
                if alias.name in TRANSLATOR_MODULES and alias.asname
            )
    return translators, vocabs, modules


def _pattern(node: ast.JoinedStr) -> str:
    return "".join(
        str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values
    )


def _scan() -> Uses:
    uses = Uses()
    for path in _sources():
        rel = path.relative_to(ROOT)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        translators, vocabs, modules = _bindings(tree, _module_name(path))
        in_fstrings = {
            id(part)
            for node in ast.walk(tree)
            if isinstance(node, ast.JoinedStr)
            for part in node.values
        }
        for node in ast.walk(tree):
            where = f"{rel}:{getattr(node, 'lineno', '?')}"
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in in_fstrings
                and KEY_SHAPE.fullmatch(node.value)
                and node.value.split(".")[0] in AREAS
            ):
                uses.add(uses.keys, node.value, where)
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func, first = node.func, node.args[0]
            name = func.id if isinstance(func, ast.Name) else None
            is_translator = name in translators or (
                isinstance(func, ast.Attribute)
                and func.attr == "t"
                and isinstance(func.value, ast.Name)
                and func.value.id in modules
            )
            if is_translator:
                uses.translator_calls += 1
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    uses.add(uses.keys, first.value, where)
                elif isinstance(first, ast.JoinedStr):
                    uses.add(uses.patterns, _pattern(first), where)
            elif (
                name in vocabs and isinstance(first, ast.Constant) and isinstance(first.value, str)
            ):
                uses.add(uses.vocab_kinds, first.value, where)
            elif name in ("t", "_t"):
                uses.unknown_calls.append(where)
    return uses


USES = _scan()


def _complete(key: str) -> bool:
    pair = CATALOG.get(key)
    return pair is not None and bool(pair[0]) and bool(pair[1])


def test_the_scan_sees_the_code():
    assert USES.translator_calls > 500, USES.translator_calls
    assert len(USES.keys) > 500 and len(USES.patterns) > 10
    # A call of `t` bound to something else means the translator came in a way the scan
    # does not know: teach _bindings, or every key of that file goes unchecked.
    assert not USES.unknown_calls, USES.unknown_calls


def test_every_key_written_in_the_code_exists_in_both_languages():
    missing = {key: places for key, places in USES.keys.items() if not _complete(key)}
    assert not missing, missing


def test_every_key_pattern_is_declared_with_its_values():
    undeclared = {p: places for p, places in USES.patterns.items() if p not in DYNAMIC}
    assert not undeclared, f"add to DYNAMIC, with where the values come from: {undeclared}"
    missing = [
        pattern.replace("{}", str(value))
        for pattern in USES.patterns
        for value in DYNAMIC[pattern]()
        if not _complete(pattern.replace("{}", str(value)))
    ]
    assert not missing, missing


def test_every_vocabulary_word_exists_in_both_languages():
    assert USES.vocab_kinds, "the scan found no vocab(kind, …) call"
    unknown = {kind: places for kind, places in USES.vocab_kinds.items() if kind not in VOCAB}
    assert not unknown, f"add to VOCAB, with the enum its values come from: {unknown}"
    missing = [
        f"vocab.{kind}.{value}"
        for kind in USES.vocab_kinds
        for value in VOCAB[kind]()
        if not _complete(f"vocab.{kind}.{value}")
    ]
    assert not missing, missing
