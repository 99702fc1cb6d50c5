"""The office-edited notice rules: who is praised, criticised, escalated; doc-number prefixes."""

import re
from typing import Any

from sqlmodel import Session

from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import write
from duban.core.stored import save_setting, stored_setting

RULES_KEY = "notice_rules"

DEFAULT_RULES: dict[str, Any] = {
    "issuer": "市行政审批制度改革领导小组办公室",
    "signature": "市行政审批制度改革领导小组办公室",
    # 抄送 goes to bodies, never to leaders as persons (党政机关公文处理工作条例).
    "copy_to": "市委办公室，市政府办公室",
    # a 问责建议 goes to the leading group (empty: the issuer without its 办公室) …
    "accountability_to": "",
    # … and cites the rule it rests on, with its article; the office writes it here.
    "basis": {"accountability": ""},
    # the person and telephone a notice names for questions (an interview notice needs both)
    "contact_person": "",
    "contact_phone": "",
    "prefixes": {
        "reminder": "督提",
        "urging": "督办",
        "bulletin": "通报",
        "commendation": "表扬",
        "criticism": "批评",
        "interview": "约谈",
        "accountability": "问责",
    },
    # urging: a unit's first notice is blue when it only lags, yellow when a task is overdue,
    # red when a task is overdue by at least red_overdue_wd working days …
    "red_overdue_wd": 20,
    # … and the level goes up one step when this many earlier notices at that level or above
    # were ignored (not answered by their reply date): "2 ignored yellows make a red".
    "escalate_after_ignored": 2,
    "reply_working_days": {"blue": 10, "yellow": 5, "red": 3, "other": 5},
    "remind_due_in_wd": 5,
    # praise: at least this many tasks, none overdue, no ignored notice, no overdue
    # rectification, and an on-time completion rate of at least praise_on_time_rate.
    "praise_min_tasks": 2,
    "praise_on_time_rate": 0.9,
    # criticism: any one of these.
    "criticise_overdue_tasks": 2,
    "criticise_ignored_notices": 1,
    "criticise_overdue_rectifications": 1,
    # interview: red notices (issued) at least; accountability: ignored red notices at least.
    "interview_red_notices": 2,
    "accountability_ignored_red": 1,
    "requirements": {
        "reminder": "",
        "urging": "请你单位于{reply_due}前将整改情况书面报送领导小组办公室，"
        "并在督办台更新任务进展、上传佐证材料。逾期未反馈的，将提级督办。",
        "bulletin": "四、下一步工作要求\n"
        "（一）各单位要对照任务清单，倒排工期、挂图作战，确保按期完成。\n"
        "（二）被通报批评的单位要于{reply_due}前报送整改措施。\n"
        "（三）各单位要如实填报进展，佐证材料要真实完整。",
        "commendation": "",
        "criticism": "请被通报单位于{reply_due}前将整改措施书面报送领导小组办公室。",
        "interview": "",
        "accountability": "以上建议妥否，请审定。",
    },
}

# The default 抄送 until December 2026: leaders as persons, which a 公文 may not be sent to.
FORMER_COPY_TO = "领导小组组长、副组长"

RULE_LABELS: dict[str, str] = {
    "red_overdue_wd": "催办直接定为红色：逾期达到（个工作日）",
    "escalate_after_ignored": "升级：同级及以上催办未按期反馈达到（次）",
    "remind_due_in_wd": "提醒：距完成时限不超过（个工作日）",
    "praise_min_tasks": "表扬：承担任务不少于（项）",
    "praise_on_time_rate": "表扬：按期办结率不低于（0–1）",
    "criticise_overdue_tasks": "批评：逾期任务达到（项）",
    "criticise_ignored_notices": "批评：催办未按期反馈达到（次）",
    "criticise_overdue_rectifications": "批评：整改逾期达到（项）",
    "interview_red_notices": "约谈：收到红色督办达到（次）",
    "accountability_ignored_red": "问责：红色督办未按期反馈达到（次）",
}


def load_notice_rules(session: Session) -> dict[str, Any]:
    """The notice rules in effect: the office's saved values over the defaults."""
    value, _ = stored_setting(session, RULES_KEY)
    value = dict(value or {})
    if value.get("copy_to") == FORMER_COPY_TO:  # saved before 抄送 named bodies only
        value.pop("copy_to")
    return _merge(DEFAULT_RULES, value)


def rules_version(session: Session) -> int:
    """The version of the saved rules an editor starts from (NOTHING_SAVED: defaults)."""
    return stored_setting(session, RULES_KEY)[1]


def _merge(base: dict, over: dict) -> dict:
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()}
    for k, v in over.items():
        if isinstance(out.get(k), dict) and isinstance(v, dict):
            out[k] = {**out[k], **v}
        elif k in out:
            out[k] = v
    return out


def validate_rules(rules: dict) -> dict:
    """Check types and ranges; a ValidationFailed in Chinese names the first bad field."""
    merged = _merge(DEFAULT_RULES, rules)
    for key, label in RULE_LABELS.items():
        v = merged[key]
        if key == "praise_on_time_rate":
            if not isinstance(v, int | float) or not 0 <= v <= 1:
                raise ValidationFailed(f"“{label}”必须是 0 到 1 之间的数。")
        elif not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValidationFailed(f"“{label}”必须是不小于 1 的整数。")
    for lvl, n in merged["reply_working_days"].items():
        if not isinstance(n, int) or not 1 <= n <= 60:
            raise ValidationFailed(f"反馈期限（{lvl}）必须是 1–60 个工作日。")
    prefixes = merged["prefixes"]
    if any(not str(p).strip() for p in prefixes.values()):
        raise ValidationFailed("各类通知的文号代字不能为空。")
    if len(set(prefixes.values())) != len(prefixes):
        raise ValidationFailed("各类通知的文号代字必须互不相同，否则文号会重复。")
    for k in ("issuer", "signature"):
        if not str(merged[k]).strip():
            raise ValidationFailed("发文机关和署名不能为空。")
    check_copy_to(str(merged["copy_to"]))
    phone = str(merged["contact_phone"]).strip()
    if phone and not _PHONE.fullmatch(phone):
        raise ValidationFailed("联系电话只能包含数字、空格、横线、括号和“转”，例如 0571-87051234。")
    return merged


# A person's title at the end of a 抄送 item: 组长, 市长, 书记, 主任, 同志 … (a body ends with
# 办公室, 局, 委员会, 政府 …; 委员会 and 办公室主任 are told apart by the ending).
_PERSON_END = re.compile(
    r"(组长|市长|区长|县长|书记|主任|同志|委员|秘书长|部长|局长|厅长|处长|科长)$"
)
_PHONE = re.compile(r"[0-9０-９\s\-－()（）转+]{5,40}")


def check_copy_to(text: str) -> None:
    """抄送 names bodies, not leaders as persons; ValidationFailed names the first person."""
    for item in re.split(r"[，,、；;\s]+", text.strip().rstrip("。.")):
        if item and _PERSON_END.search(item):
            raise ValidationFailed(
                f"抄送应写机关单位，不能写领导个人（“{item}”）：公文不得抄送领导个人。"
            )


def save_rules(
    session: Session, *, actor: Actor, rules: dict, expected_version: int | None
) -> dict:
    """Validate and store the notice rules; StaleEdit if someone saved since the editor read."""
    require(actor, "settings.manage")
    merged = validate_rules(rules)
    with write(session):
        save_setting(
            session,
            actor=actor,
            key=RULES_KEY,
            value=merged,
            expected_version=expected_version,
            action="notice_rules.update",
        )
    return merged


def praise_rule_text(rules: dict) -> str:
    return (
        f"承担任务不少于{rules['praise_min_tasks']}项、无逾期任务、催办均按期反馈、"
        f"无逾期整改、按期办结率不低于{rules['praise_on_time_rate']:.0%}"
    )


def criticism_rule_text(rules: dict) -> str:
    return (
        f"逾期任务达到{rules['criticise_overdue_tasks']}项，或催办未按期反馈达到"
        f"{rules['criticise_ignored_notices']}次，或整改逾期达到"
        f"{rules['criticise_overdue_rectifications']}项"
    )


def interview_rule_text(rules: dict) -> str:
    return f"收到红色督办达到{rules['interview_red_notices']}次"


def accountability_rule_text(rules: dict) -> str:
    return f"红色督办未按期反馈达到{rules['accountability_ignored_red']}次"
