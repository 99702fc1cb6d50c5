"""Input hygiene for every text Duban stores: no control characters, clean names, bounded lengths.

`check_flush` runs before every ORM flush (``duban.core.db`` registers it on every Session),
so it covers each row any service writes, including services not yet written:

- every text column refuses NUL and the other C0/C1 control characters (tab and line breaks
  stay allowed in free text), with a Chinese message naming the field;
- names and codes (`NAME_COLUMNS`: unit names, user names, task and document numbers …) are
  cleaned: NFC, format characters removed (bidi controls U+202A–U+202E, U+2066–U+2069,
  U+200E/U+200F, U+061C, zero-width U+200B–U+200D, U+2060, U+FEFF and the rest of Unicode
  category Cf), whitespace runs folded to one space, trimmed; a line break or tab is refused;
- a value longer than its column (`max_length` in models/) is refused before the database sees
  it (PostgreSQL would raise DataError, SQLite would store it); unbounded text columns are
  bounded by `TEXT_MAX`.

Services that look a name up before writing (a duplicate check) call `clean_name` first, so
the lookup and the stored row agree, and compare with `name_key` (NFKC, case and spaces
folded) so that look-alikes count as duplicates.
"""

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.types import TypeDecorator

from duban.core.errors import ValidationFailed

# C0 controls except tab, LF and CR; DEL; C1 controls.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# In a name: every control character (a line break has no place in a unit's name).
_CONTROL_IN_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")

TEXT_MAX = 100_000  # characters in an unbounded text column (a report, a notice body …)

# Names and codes: shown in lists, pickers and documents where an invisible character could
# make one unit, user or number look like another.
NAME_COLUMNS = frozenset(
    {
        "department.name",
        "department.short_name",
        "app_user.username",
        "app_user.display_name",
        "app_user.email",
        "plan.issuer",
        "plan.doc_number",
        "plan.phases",
        "task.code",
        "task.phase",
        "notice.doc_number",
        "notice.period_label",
        "assessment_period.label",
        "assessment_snapshot.department_name",
        "calendar_day.name",
        "inspection.inspectors",
        "attachment.filename",
        "target.unit",
        "custom_field.label",
        "custom_field.unit",
        "custom_field.options",
        "task_category.name",
        "saved_view.name",
        "saved_chart.name",
    }
)

# Every text column's name in messages. tests/test_text_hygiene.py checks that each text
# column of models/ is listed: a new column needs its Chinese name here.
FIELD_LABELS = {
    "audit_log.username": "操作人",
    "audit_log.action": "操作",
    "audit_log.object_type": "对象类型",
    "audit_log.object_id": "对象编号",
    "audit_log.note": "备注",
    "audit_log.client": "来源地址",
    "login_attempt.username": "登录用户名",
    "login_attempt.source": "来源地址",
    "login_attempt.reason": "登录结果",
    "user_session.token_hash": "会话标识",
    "user_session.client": "来源地址",
    "user_session.user_agent": "浏览器",
    "user_session.revoked_reason": "结束原因",
    "calendar_day.name": "节假日名称",
    "department.name": "单位名称",
    "department.short_name": "单位简称",
    "doc_counter.kind": "文种",
    "plan.title": "方案标题",
    "plan.issuer": "发文机关",
    "plan.doc_number": "方案文号",
    "plan.source_sha256": "来源文件摘要",
    "plan.phases": "阶段",
    "app_user.username": "用户名",
    "app_user.display_name": "姓名",
    "app_user.email": "电子邮箱",
    "app_user.password_hash": "密码摘要",
    "task.code": "任务编号",
    "task.title": "任务名称",
    "task.description": "任务说明",
    "task.phase": "阶段",
    "task.sort_key": "排序键",
    "task.status_reason": "状态理由",
    "app_setting.key": "设置项",
    "app_setting.value": "设置",
    "assessment_period.formula": "考核公式",
    "notice.extra": "通知附加信息",
    "notice.attachments": "通知附件",
    "assessment_snapshot.lines": "得分明细",
    "assessment_period.kind": "考核周期类型",
    "assessment_period.label": "考核周期名称",
    "assessment_period.status": "考核周期状态",
    "attachment.owner_type": "附件所属",
    "attachment.filename": "附件文件名",
    "attachment.sha256": "附件摘要",
    "attachment.mime": "附件类型",
    "extension_request.reason": "延期理由",
    "extension_request.decision_note": "审批意见",
    "inspection.inspectors": "督查人员",
    "inspection.narrative": "督查情况",
    "instruction.text": "批示内容",
    "milestone.title": "节点名称",
    "notice.level": "督办等级",
    "notice.title": "通知标题",
    "notice.addressees": "主送单位",
    "notice.body": "通知正文",
    "notice.requirements": "工作要求",
    "notice.signature": "落款",
    "notice.copy_to": "抄送",
    "notice.period_label": "通报期间",
    "notice.doc_number": "文号",
    "notice.withdraw_reason": "撤回理由",
    "notice_template.kind": "模板文种",
    "notice_template.body": "通知模板",
    "target.text": "指标名称",
    "target.unit": "指标单位",
    "assessment_snapshot.department_name": "单位名称",
    "finding.description": "问题描述",
    "finding.answer_text": "整改情况",
    "finding.recheck_note": "复查意见",
    "instruction_answer.text": "批示回复",
    "notice_recipient.reply_text": "反馈内容",
    "progress_report.done_text": "进展情况",
    "progress_report.problems": "存在困难",
    "progress_report.next_steps": "下一步计划",
    "progress_report.correction_reason": "更正理由",
    "score_appeal.line_key": "申诉明细",
    "score_appeal.line_text": "申诉明细",
    "score_appeal.reason": "申诉理由",
    "score_appeal.status": "申诉状态",
    "score_appeal.decision_note": "处理意见",
    "plan.report_cycle": "报送频次",
    "task.report_cycle": "报送频次",
    "notify_channel.kind": "渠道类型",
    "notify_channel.name": "渠道名称",
    "notify_channel.config": "渠道配置",
    "notify_channel.secret": "密钥",
    "notify_channel.role": "接收角色",
    "notify_preference.mobile": "手机号",
    "notification.rule": "提醒规则",
    "notification.dedupe_key": "提醒标识",
    "notification.subject": "消息标题",
    "notification.body": "消息内容",
    "notification.link": "消息链接",
    "notification.items": "提醒事项",
    "custom_field.label": "字段名称",
    "custom_field.kind": "字段类型",
    "custom_field.unit": "计量单位",
    "custom_field.options": "选项",
    "custom_field.help": "填写说明",
    "task_category.name": "事项来源",
    "task.custom": "自定义字段",
    "saved_view.name": "视图名称",
    "saved_view.shared_role": "共享角色",
    "saved_view.page": "页面",
    "saved_view.state": "视图内容",
    "saved_chart.name": "图表名称",
    "saved_chart.shared_role": "共享角色",
    "saved_chart.spec": "图表设置",
    "chart_pin.role": "固定到角色",
    "delivery.channel": "发送渠道",
    "delivery.target": "接收方",
    "delivery.status": "发送状态",
    "delivery.claimed_by": "发送进程",
    "delivery.last_error": "失败原因",
    "job_run.job": "定时任务",
    "job_run.slot": "执行时段",
    "job_run.claimed_by": "执行进程",
    "job_run.outcome": "执行结果",
    "job_run.detail": "执行情况",
}


def _refuse_controls(value: str, label: str, pattern: re.Pattern[str]) -> None:
    found = pattern.search(value)
    if found is None:
        return
    if found.group() in "\t\n\r":
        raise ValidationFailed(f"{label}只能写成一行，不能包含换行或制表符。")
    code = f"U+{ord(found.group()):04X}"
    raise ValidationFailed(
        f"{label}含有不可见的控制字符（{code}），可能是从其他系统复制时带入的，请删除后重新填写。"
    )


def check_text(value: str, label: str, *, limit: int | None = TEXT_MAX) -> str:
    """Free text: refused when it holds a control character (tab and line breaks are fine)
    or is longer than `limit`; returned unchanged otherwise."""
    _refuse_controls(value, label, _CONTROL_IN_TEXT)
    _check_length(value, label, limit)
    return value


def clean_name(value: str | None, label: str, *, limit: int | None = None) -> str:
    """A name or code as stored: NFC, format characters (bidi, zero-width) removed, spaces
    folded, trimmed. Refused when it holds a control character or is longer than `limit`."""
    if value is None:
        return ""
    _refuse_controls(value, label, _CONTROL_IN_NAME)
    value = unicodedata.normalize("NFC", value)
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cf")
    value = _SPACES.sub(" ", value).strip()
    _check_length(value, label, limit)
    return value


def name_key(value: str) -> str:
    """What two names are compared on: the cleaned name, NFKC (full-width and compatibility
    forms folded), without spaces, case-folded. Stored names keep their own forms: NFKC
    would turn the full-width brackets of an official Chinese name into ASCII ones."""
    folded = unicodedata.normalize("NFKC", clean_name(value, "名称"))
    return _SPACES.sub("", folded).casefold()


def printable(value: str, limit: int) -> str:
    """Untrusted request text kept for the record (a typed username, an address, a browser's
    User-Agent): at most `limit` characters, anything unprintable shown as '?'."""
    return "".join(c if c.isprintable() else "?" for c in value[:limit])


def _check_length(value: str, label: str, limit: int | None) -> None:
    if limit is not None and len(value) > limit:
        raise ValidationFailed(f"{label}不能超过 {limit} 个字符（当前 {len(value)} 个）。")


def for_plotly(value: object) -> str:
    """User text for a plotly axis label, legend or hover text. Plotly reads a little HTML
    there (``<a href>`` becomes a clickable link, ``<span style>``, ``<b>``, ``<br>``);
    escaped, the characters show as typed (plotly decodes the entities for display)."""
    return html.escape(str(value), quote=False)


# ---------------------------------------------------------------- the flush hook


@dataclass(frozen=True)
class _Field:
    key: str  # the mapped attribute
    label: str
    name: bool  # a name or code (cleaned) rather than free text
    json: bool  # a JSON column: its strings are checked
    limit: int | None


_FIELDS: dict[Mapper[Any], tuple[_Field, ...]] = {}


def _unwrapped(column: Any) -> Any:
    kind = column.type
    return kind.impl_instance if isinstance(kind, TypeDecorator) else kind


def _text_type(column: Any) -> str | None:
    """'string' or 'json' for a column that holds user text, else None."""
    kind = _unwrapped(column)
    if isinstance(kind, JSON):
        return "json"
    if isinstance(kind, String) and not getattr(kind, "enums", None):
        return "string"
    return None


def text_columns(tables: Iterable[Any]) -> list[str]:
    """``table.column`` of every column the flush check reads (for the registry test)."""
    return [
        f"{table.name}.{column.name}"
        for table in tables
        for column in table.columns
        if (kind := _text_type(column)) and not (table.name == "audit_log" and kind == "json")
    ]


def _fields(mapper: Mapper[Any]) -> tuple[_Field, ...]:
    """The text attributes of a mapped class (computed once per class)."""
    cached = _FIELDS.get(mapper)
    if cached is not None:
        return cached
    table = getattr(mapper.local_table, "name", "")
    out = []
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        kind = _text_type(column)
        if kind is None or (table == "audit_log" and kind == "json"):
            continue  # the audit's before/after are copies of rows already checked
        where = f"{table}.{column.name}"
        length = getattr(_unwrapped(column), "length", None) if kind == "string" else None
        out.append(
            _Field(
                key=attr.key,
                label=FIELD_LABELS.get(where, where),
                name=where in NAME_COLUMNS,
                json=kind == "json",
                limit=length or (TEXT_MAX if kind == "string" else None),
            )
        )
    _FIELDS[mapper] = result = tuple(out)
    return result


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def _checked(f: _Field, value: Any) -> Any:
    """`value` as it may be stored (names cleaned), or ValidationFailed."""
    if value is None:
        return None
    if f.json:
        if f.name and isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [clean_name(v, f.label) for v in value]
        for s in _strings(value):
            _refuse_controls(s, f.label, _CONTROL_IN_TEXT)
        return value
    if not isinstance(value, str):
        return value
    if f.name:
        return clean_name(value, f.label, limit=f.limit)
    return check_text(value, f.label, limit=f.limit)


def check_row(obj: Any, changed: Iterable[str] | None = None) -> None:
    """Check (and clean the names of) one ORM object; `changed`: only these attributes."""
    keys = None if changed is None else set(changed)
    for f in _fields(sa_inspect(obj).mapper):
        if keys is not None and f.key not in keys:
            continue
        value = getattr(obj, f.key, None)
        cleaned = _checked(f, value)
        if cleaned != value:
            setattr(obj, f.key, cleaned)


def check_values(model: type, rows: Iterable[dict[str, Any]]) -> None:
    """The flush check for rows a bulk INSERT writes (no flush sees them): column values by
    attribute name, names cleaned in place."""
    fields = _fields(sa_inspect(model))
    for row in rows:
        for f in fields:
            if f.key in row:
                cleaned = _checked(f, row[f.key])
                if cleaned != row[f.key]:
                    row[f.key] = cleaned


def check_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    """`before_flush` hook: every new row in full, every changed row's changed attributes.

    A refusal raises ValidationFailed before any SQL is sent; the service's `write` block
    rolls the transaction back, so nothing is written.
    """
    for obj in list(session.new):
        check_row(obj)
    for obj in list(session.dirty):
        state = sa_inspect(obj)
        if state.committed_state:
            check_row(obj, state.committed_state.keys())
