"""A custom field's value: from what a person typed (or an Excel cell held) to what is stored
in Task.custom, and back to words.

Stored forms (JSON): text and long text as a string; number as a float; date as an ISO
string ("2026-03-31"); single choice as the option's text; multiple choice as a list of
option texts in the field's order; department as the unit's id; yes/no as a boolean. An
empty input clears the value (stored as absent).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from duban.core import text
from duban.core.errors import ValidationFailed
from models import CustomField, FieldKind

TEXT_MAX = 200
LONG_TEXT_MAX = 5000

KIND_LABELS = {
    FieldKind.text: "单行文本",
    FieldKind.long_text: "多行文本",
    FieldKind.number: "数字",
    FieldKind.date: "日期",
    FieldKind.choice: "单选",
    FieldKind.multi_choice: "多选",
    FieldKind.department: "单位",
    FieldKind.boolean: "是/否",
}

_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "对", "有"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "x", "不是", "无"}
_SPLIT = re.compile(r"[、,，;；/\n|]+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def is_empty(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, list | tuple | set):
        return not any(not is_empty(v) for v in raw)
    return False


def coerce(
    field: CustomField, raw: Any, *, departments: Mapping[int, Iterable[str]] | None = None
) -> Any:
    """The stored value of `raw` for `field` (None: empty), or ValidationFailed naming the
    field and the accepted form. `departments`: {id: (name, short name …)} of the active
    units, needed for department fields."""
    if is_empty(raw):
        return None
    kind = FieldKind(field.kind)
    label = field.label
    if kind in (FieldKind.text, FieldKind.long_text):
        value = str(raw).strip() if not isinstance(raw, float | int) else _num_words(raw)
        limit = TEXT_MAX if kind == FieldKind.text else LONG_TEXT_MAX
        if kind == FieldKind.text:
            value = text.clean_name(value, label, limit=limit)
        return text.check_text(value, label, limit=limit)
    if kind == FieldKind.number:
        return _number(field, raw)
    if kind == FieldKind.date:
        return _date(label, raw).isoformat()
    if kind == FieldKind.choice:
        if isinstance(raw, list | tuple):
            if len(raw) != 1:
                raise ValidationFailed(f"“{label}”只能选一项。")
            raw = raw[0]
        return _option(field, raw)
    if kind == FieldKind.multi_choice:
        items = raw if isinstance(raw, list | tuple | set) else _SPLIT.split(str(raw))
        chosen = {_option(field, v) for v in items if not is_empty(v)}
        return [o for o in field.options if o in chosen] or None
    if kind == FieldKind.department:
        return _department(label, raw, departments or {})
    if kind == FieldKind.boolean:
        return _boolean(label, raw)
    raise ValidationFailed(f"“{label}”的类型未知：{field.kind}")


def _num_words(v: float | int) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _number(field: CustomField, raw: Any) -> float:
    label = field.label
    if isinstance(raw, bool):
        raise ValidationFailed(f"“{label}”应为数字。")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        s = unicodedata.normalize("NFKC", str(raw)).strip()
        if field.unit:
            unit = unicodedata.normalize("NFKC", field.unit).strip()
            if unit and s.endswith(unit):
                s = s[: -len(unit)].strip()
        s = s.replace(",", "").replace(" ", "")
        if not _NUMBER.match(s):
            shown = text.printable(str(raw), 20)
            unit = f"（单位：{field.unit}）" if field.unit else ""
            raise ValidationFailed(f"“{label}”应为数字{unit}，不能是“{shown}”。")
        value = float(s)
    if not math.isfinite(value) or abs(value) >= 1e15:
        raise ValidationFailed(f"“{label}”的数值超出范围。")
    return value


def _date(label: str, raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    s = unicodedata.normalize("NFKC", str(raw)).strip()
    m = _DATE.match(s)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    shown = text.printable(str(raw), 20)
    raise ValidationFailed(f"“{label}”应为日期（如 2026-03-31），不能是“{shown}”。")


def _key(s: Any) -> str:
    return text.name_key(str(s))


def _option(field: CustomField, raw: Any) -> str:
    wanted = _key(raw)
    for o in field.options:
        if _key(o) == wanted:
            return o
    shown = text.printable(str(raw), 20)
    listed = "、".join(field.options[:8]) + ("等" if len(field.options) > 8 else "")
    raise ValidationFailed(f"“{field.label}”没有选项“{shown}”（可选：{listed}）。")


def _department(label: str, raw: Any, departments: Mapping[int, Iterable[str]]) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        if raw in departments:
            return raw
        raise ValidationFailed(f"“{label}”的单位（编号 {raw}）不存在或已停用。")
    wanted = _key(raw)
    for dept_id, names in departments.items():
        if any(n and _key(n) == wanted for n in names):
            return dept_id
    shown = text.printable(str(raw), 30)
    raise ValidationFailed(f"“{label}”：没有名为“{shown}”的单位。")


def _boolean(label: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    s = unicodedata.normalize("NFKC", str(raw)).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    shown = text.printable(str(raw), 10)
    raise ValidationFailed(f"“{label}”应填“是”或“否”，不能是“{shown}”。")


def display(
    field: CustomField,
    value: Any,
    *,
    lang: str = "zh",
    departments: Mapping[int, str] | None = None,
) -> str:
    """The stored value in words ("" when empty): 1,234.5 万元, 是, 甲、乙, the unit's name."""
    if is_empty(value):
        return ""
    kind = FieldKind(field.kind)
    if kind == FieldKind.number:
        v = float(value)
        words = f"{v:,.0f}" if v.is_integer() else f"{v:,.6g}" if abs(v) >= 1e6 else f"{v:,}"
        return f"{words} {field.unit}" if field.unit else words
    if kind == FieldKind.boolean:
        yes = bool(value)
        return ("是" if yes else "否") if lang == "zh" else ("Yes" if yes else "No")
    if kind == FieldKind.multi_choice:
        sep = "、" if lang == "zh" else ", "
        return sep.join(str(v) for v in value) if isinstance(value, list) else str(value)
    if kind == FieldKind.department:
        return (departments or {}).get(int(value), str(value))
    return str(value)


def clean_values(
    fields: Iterable[CustomField],
    raw: Mapping[Any, Any],
    *,
    current: Mapping[str, Any] | None = None,
    departments: Mapping[int, Iterable[str]] | None = None,
    require_all: bool = False,
) -> dict[str, Any]:
    """Task.custom after applying `raw` ({field id or str(id): input}) to `current`.

    Keys of fields not in `fields` (another plan's, or unknown) are refused; retired fields'
    stored values in `current` are kept untouched. `require_all`: every required field of
    `fields` must end up with a value (the task form); otherwise only a required value that
    `raw` clears is refused (bulk edit, import of a column).
    """
    by_id = {str(f.id): f for f in fields}
    out = dict(current or {})
    for key, value in raw.items():
        field = by_id.get(str(key))
        if field is None:
            raise ValidationFailed(f"自定义字段（编号 {key}）不存在、已停用或不适用于本方案。")
        stored = coerce(field, value, departments=departments)
        if stored is None:
            if field.required:
                raise ValidationFailed(f"“{field.label}”为必填项，不能清空。")
            out.pop(str(key), None)
        else:
            out[str(key)] = stored
    if require_all:
        missing = [f.label for f in by_id.values() if f.required and is_empty(out.get(str(f.id)))]
        if missing:
            raise ValidationFailed(f"请填写必填项：{'、'.join(missing)}。")
    return out


def changes_note(
    fields: Iterable[CustomField],
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    departments: Mapping[int, str] | None = None,
) -> str:
    """The custom values a write changed, in words for the audit log: "投资额：空 → 1,200 万元；
    配合单位：市公安局 → 市税务局" ("" when nothing changed). Field ids the log would show as
    numbers are named by their labels."""
    parts = []
    for f in fields:
        key = str(f.id)
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        was = display(f, old, departments=departments) or "空"
        now = display(f, new, departments=departments) or "空"
        parts.append(f"{f.label}：{was} → {now}")
    return "；".join(parts)
