"""Notices (通知通报): drafts from the data by editable rules, issue with doc numbers, replies."""

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from duban.core import audit, clock
from duban.core.errors import NotFound, PermissionDenied, ValidationFailed
from duban.core.permissions import Actor, can, require
from duban.core.services import check_version, get_or_404, write
from duban.core.settings import ROOT
from duban.core.stored import save_setting, save_versioned, stored_setting
from duban.documents import OfficialDocument, render_docx
from duban.inspections import reading
from duban.monitoring import holidays
from models import (
    Department,
    DocCounter,
    Finding,
    Notice,
    NoticeKind,
    NoticeRecipient,
    NoticeStatus,
    NoticeTask,
    NoticeTemplate,
    Plan,
    ProgressReport,
    Task,
    TaskStatus,
)
from models.common import OPEN_STATUSES

TEMPLATE_DIR = ROOT / "data" / "templates" / "notices"
RULES_KEY = "notice_rules"

KIND_LABELS = {
    NoticeKind.reminder: "提醒",
    NoticeKind.urging: "催办通知",
    NoticeKind.bulletin: "工作进展通报",
    NoticeKind.commendation: "通报表扬",
    NoticeKind.criticism: "通报批评",
    NoticeKind.interview: "约谈通知",
    NoticeKind.accountability: "问责建议",
}
LEVELS = ("blue", "yellow", "red")
LEVEL_LABELS = {"blue": "蓝色督办", "yellow": "黄色督办", "red": "红色督办"}
PERIODS = {"week": "周报", "month": "月报", "quarter": "季报"}
ROLE_WORDS = {"lead": "牵头", "responsible": "责任"}

DEFAULT_RULES: dict[str, Any] = {
    "issuer": "市行政审批制度改革领导小组办公室",
    "signature": "市行政审批制度改革领导小组办公室",
    "copy_to": "领导小组组长、副组长",
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
        "reminder": "请于完成时限前办结，并在督办台报送佐证材料。",
        "urging": "请你单位于{reply_due}前将整改情况书面报送领导小组办公室，"
        "并在督办台更新任务进展、上传佐证材料。逾期未反馈的，将提级督办。",
        "bulletin": "四、下一步工作要求\n"
        "（一）各单位要对照任务清单，倒排工期、挂图作战，确保按期完成。\n"
        "（二）被通报批评的单位要于{reply_due}前报送整改措施。\n"
        "（三）各单位要如实填报进展，佐证材料要真实完整。",
        "commendation": "",
        "criticism": "请被通报单位于{reply_due}前将整改措施书面报送领导小组办公室。",
        "interview": "请于{reply_due}前回复参加人员名单。",
        "accountability": "请于{reply_due}前书面说明情况。",
    },
}

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

EDITABLE_FIELDS = (
    "title",
    "addressees",
    "body",
    "requirements",
    "signature",
    "copy_to",
    "reply_due",
    "level",
    "period_label",
)


# ---------------------------------------------------------------- rules


def load_notice_rules(session: Session) -> dict[str, Any]:
    """The notice rules in effect: the office's saved values over the defaults."""
    value, _ = stored_setting(session, RULES_KEY)
    return _merge(DEFAULT_RULES, value or {})


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
    return merged


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


# ---------------------------------------------------------------- templates


def _env() -> SandboxedEnvironment:
    # Sandboxed: templates are edited in the browser by the office.
    return SandboxedEnvironment(
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, autoescape=False
    )


def default_template(kind: str) -> str:
    return (TEMPLATE_DIR / f"{NoticeKind(kind).value}.j2").read_text(encoding="utf-8")


def template_source(session: Session, kind: str) -> tuple[str, bool, int]:
    """(text, overridden?, version) of the template in effect for `kind`."""
    row = session.get(NoticeTemplate, NoticeKind(kind).value)
    if row is not None:
        return row.body, True, row.version
    return default_template(kind), False, 0


def _template_line(exc: BaseException) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render_template(source: str, context: dict) -> str:
    """Render, or refuse with the line that is wrong (nothing half-written comes out)."""
    try:
        tpl = _env().from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise ValidationFailed(f"模板第 {exc.lineno} 行有语法错误：{exc.message}") from exc
    try:
        out = tpl.render(**context)
    except jinja2.UndefinedError as exc:
        line = _template_line(exc)
        where = f"第 {line} 行" if line else ""
        raise ValidationFailed(f"模板{where}引用了不存在的内容：{exc.message}") from exc
    except jinja2.TemplateError as exc:  # includes SecurityError from the sandbox
        line = _template_line(exc)
        where = f"第 {line} 行" if line else ""
        raise ValidationFailed(f"模板{where}无法生成：{exc}") from exc
    except (TypeError, ValueError, AttributeError, ZeroDivisionError) as exc:
        line = _template_line(exc)
        where = f"第 {line} 行" if line else ""
        raise ValidationFailed(f"模板{where}无法生成：{exc}") from exc
    return "\n".join(x.rstrip() for x in out.strip().splitlines())


def _sample_task(i: int) -> dict:
    return {
        "code": f"二({i})",
        "title": f"示例任务{i}",
        "role": "牵头",
        "deadline": "2026年10月9日",
        "original_deadline": "2026年9月9日",
        "extended": i == 1,
        "overdue_wd": 12,
        "due_in_wd": 3,
        "progress": "40%",
        "reasons": "逾期 12 个工作日",
        "lead": "市示例局",
    }


def sample_context(kind: str) -> dict:
    """Data shaped like a real draft's, to preview and test a template before saving it."""
    units = [
        {"name": "市示例局", "facts": "逾期任务2项，最长逾期12个工作日"},
        {"name": "示例区人民政府", "facts": "承担任务5项，按期办结率100%"},
    ]
    rules = DEFAULT_RULES
    figures = {
        "total": 32,
        "completed": 10,
        "on_time": 9,
        "on_time_rate": "90.0%",
        "open": 20,
        "overdue": 5,
        "red": 6,
        "yellow": 4,
        "extended": 3,
    }
    return {
        "today": "2026年11月23日",
        "issuer": rules["issuer"],
        "plan_title": "进一步推行政务服务“零跑腿”工作",
        "unit": "市示例局",
        "units": units,
        "tasks": [_sample_task(1), _sample_task(2)],
        "n_overdue": 2,
        "n_lagging": 0,
        "due_in_wd": 5,
        "level": "red",
        "level_label": "红色督办",
        "earlier": ["督办〔2026〕3号", "督办〔2026〕5号"],
        "reply_due": "2026年11月30日",
        "period_label": "2026年11月",
        "period_start": "2026年11月1日",
        "period_end": "2026年11月23日",
        "previous": "通报〔2026〕1号",
        "figures": figures,
        "changes": {k: "比上期增加1项" for k in figures},
        "praised": units[1:],
        "criticised": units[:1],
        "praise_rule": praise_rule_text(rules),
        "criticism_rule": criticism_rule_text(rules),
        "new_problems": [{"unit": "市示例局", "task": "二(一)示例任务1", "text": "接口未打通。"}],
        "extended": [_sample_task(1)],
        "facts": "逾期任务2项；红色督办2次未按期反馈",
        "time": "2026年11月26日上午9:00",
        "place": "市政务服务中心三楼会议室",
        "attendees": "单位主要负责同志、分管负责同志",
        "sanction": "对相关责任人进行诫勉谈话",
    }


def check_template(kind: str, source: str) -> str:
    """Parse and render against sample data; returns the preview or raises ValidationFailed."""
    if not source.strip():
        raise ValidationFailed("模板不能为空。")
    return render_template(source, sample_context(kind))


def save_template(
    session: Session, *, actor: Actor, kind: str, source: str, expected_version: int | None
) -> NoticeTemplate:
    """Store the office's template for `kind` (checked first); StaleEdit on a stale editor."""
    require(actor, "settings.manage")
    kind = NoticeKind(kind).value
    check_template(kind, source)
    with write(session):
        return save_versioned(
            session,
            NoticeTemplate,
            kind,
            actor=actor,
            values={"body": source},
            expected_version=expected_version,
            action="notice_template.update",
        )


def reset_template(session: Session, *, actor: Actor, kind: str) -> None:
    """Back to the committed default file."""
    require(actor, "settings.manage")
    with write(session):
        row = session.get(NoticeTemplate, NoticeKind(kind).value)
        if row is None:
            return
        before = audit.snapshot(row)
        audit.record(
            session,
            actor,
            "notice_template.reset",
            object_type="notice_template",
            object_id=row.kind,
            before=before,
            after={},
        )
        session.delete(row)


# ---------------------------------------------------------------- facts from the data


def _cn(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "未定"


def _frames(session: Session, today: dt.date):
    from duban.monitoring import analytics

    return analytics.status_frames(session.get_bind(), today=today)


def _reply_due(session: Session, rules: dict, level: str | None, today: dt.date) -> dt.date:
    days = rules["reply_working_days"].get(level or "other", rules["reply_working_days"]["other"])
    return holidays.load_calendar(session).add_working_days(today, int(days))


def _plan_title(session: Session) -> str:
    """The work the plan is about: 关于进一步推行X工作的实施方案 → 进一步推行X工作."""
    plan = session.exec(select(Plan).order_by(col(Plan.id).desc())).first()
    if plan is None:
        return "改革任务"
    return plan.title.removeprefix("关于").removesuffix("的实施方案").removesuffix("实施方案")


@dataclass
class UnitRecord:
    """One unit's figures, as the praise/criticism/escalation rules see them."""

    department_id: int
    name: str
    tasks: int = 0
    completed: int = 0
    completed_on_time: int = 0
    overdue: int = 0
    max_overdue_wd: int = 0
    red: int = 0
    yellow: int = 0
    ignored_notices: int = 0
    ignored_red: int = 0
    red_notices: int = 0
    overdue_rectifications: int = 0
    facts: list[str] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return self.completed_on_time / self.completed if self.completed else None


def _ignored(rec: NoticeRecipient, notice: Notice, today: dt.date) -> bool:
    """Not answered by its reply date (a late answer still counts as ignored)."""
    if notice.reply_due is None or notice.reply_due >= today:
        return False
    return rec.replied_at is None or rec.replied_at.date() > notice.reply_due


def urging_history(session: Session, department_id: int) -> list[tuple[Notice, NoticeRecipient]]:
    rows = session.exec(
        select(Notice, NoticeRecipient)
        .join(NoticeRecipient, col(NoticeRecipient.notice_id) == Notice.id)
        .where(
            NoticeRecipient.department_id == department_id,
            Notice.kind == NoticeKind.urging,
            Notice.status == NoticeStatus.issued,
        )
        .order_by(col(Notice.issued_at))
    ).all()
    return [(n, r) for n, r in rows]


def ignored_urging_counts(session: Session, today: dt.date | None = None) -> dict[tuple, int]:
    """{(department_id, task_id): urging notices about that task the unit ignored}."""
    today = today or clock.today()
    rows = session.exec(
        select(Notice, NoticeRecipient, NoticeTask.task_id)
        .join(NoticeRecipient, col(NoticeRecipient.notice_id) == Notice.id)
        .join(NoticeTask, col(NoticeTask.notice_id) == Notice.id)
        .where(Notice.kind == NoticeKind.urging, Notice.status == NoticeStatus.issued)
    ).all()
    out: dict[tuple, int] = {}
    for n, r, task_id in rows:
        if _ignored(r, n, today):
            out[(r.department_id, task_id)] = out.get((r.department_id, task_id), 0) + 1
    return out


def unit_records(session: Session, today: dt.date, frames=None) -> list[UnitRecord]:
    """Every active unit with assignments, with the figures the rules look at."""
    frames = frames or _frames(session, today)
    a = frames.assignments
    tasks = frames.tasks
    info = {r["task_id"]: r for r in tasks.iter_rows(named=True)}
    completed_on = dict(
        session.exec(
            select(Task.id, Task.completed_at).where(Task.status == TaskStatus.completed)
        ).all()
    )
    depts = {d.id: d for d in session.exec(select(Department)).all()}
    recs: dict[int, UnitRecord] = {}
    for row in a.iter_rows(named=True):
        dep = row["department_id"]
        if dep not in depts or not depts[dep].active:
            continue
        t = info.get(row["task_id"])
        if t is None or t["status"] in ("draft", "cancelled"):
            continue
        rec = recs.setdefault(dep, UnitRecord(dep, depts[dep].name))
        rec.tasks += 1
        if t["status"] == TaskStatus.completed:
            rec.completed += 1
            done = completed_on.get(row["task_id"])
            base = t["original_deadline"] or t["deadline"]
            if done is not None and base is not None and done.date() <= base:
                rec.completed_on_time += 1
        elif (row["overdue_wd"] or 0) > 0 or (
            t["deadline"] is not None and t["deadline"] < today and t["status"] in OPEN_STATUSES
        ):
            rec.overdue += 1
            rec.max_overdue_wd = max(rec.max_overdue_wd, int(row["overdue_wd"] or 0))
        if row["colour"] == "red":
            rec.red += 1
        elif row["colour"] == "yellow":
            rec.yellow += 1
    rect = reading.overdue_by_unit(session, today)  # the one rule: is_overdue
    for dep, rec in recs.items():
        rec.overdue_rectifications = rect.get(dep, 0)
        for n, r in urging_history(session, dep):
            if n.level == "red":
                rec.red_notices += 1
            if _ignored(r, n, today):
                rec.ignored_notices += 1
                if n.level == "red":
                    rec.ignored_red += 1
    return sorted(recs.values(), key=lambda r: (-r.overdue, -r.red, r.name))


def _facts(rec: UnitRecord) -> str:
    parts = [f"承担任务{rec.tasks}项，已办结{rec.completed}项"]
    if rec.completed:
        parts.append(f"按期办结率{rec.on_time_rate:.0%}")
    if rec.overdue:
        parts.append(f"逾期未办结{rec.overdue}项，最长逾期{rec.max_overdue_wd}个工作日")
    if rec.ignored_notices:
        parts.append(f"催办{rec.ignored_notices}次未按期反馈")
    if rec.overdue_rectifications:
        parts.append(f"整改逾期{rec.overdue_rectifications}项")
    return "，".join(parts)


def praised_units(records: list[UnitRecord], rules: dict) -> list[UnitRecord]:
    return [
        r
        for r in records
        if r.tasks >= rules["praise_min_tasks"]
        and r.overdue == 0
        and r.ignored_notices == 0
        and r.overdue_rectifications == 0
        and r.completed > 0
        and (r.on_time_rate or 0) >= rules["praise_on_time_rate"]
    ]


def criticised_units(records: list[UnitRecord], rules: dict) -> list[UnitRecord]:
    return [
        r
        for r in records
        if r.overdue >= rules["criticise_overdue_tasks"]
        or r.ignored_notices >= rules["criticise_ignored_notices"]
        or r.overdue_rectifications >= rules["criticise_overdue_rectifications"]
    ]


def meets_interview_rule(rec: UnitRecord, rules: dict) -> bool:
    return rec.red_notices >= rules["interview_red_notices"]


def meets_accountability_rule(rec: UnitRecord, rules: dict) -> bool:
    return rec.ignored_red >= rules["accountability_ignored_red"]


def interview_rule_text(rules: dict) -> str:
    return f"收到红色督办达到{rules['interview_red_notices']}次"


def accountability_rule_text(rules: dict) -> str:
    return f"红色督办未按期反馈达到{rules['accountability_ignored_red']}次"


def suggested_kinds(rec: UnitRecord, rules: dict) -> list[str]:
    """Which stronger measures the rules call for (the office still decides)."""
    out = []
    if criticised_units([rec], rules):
        out.append("criticism")
    if meets_interview_rule(rec, rules):
        out.append("interview")
    if meets_accountability_rule(rec, rules):
        out.append("accountability")
    return out


def late_units(session: Session, today: dt.date | None = None) -> list[dict]:
    """ "Who is late": units with red or yellow work, the level their next notice would get."""
    today = today or clock.today()
    rules = load_notice_rules(session)
    out = []
    for rec in unit_records(session, today):
        if not (rec.overdue or rec.red or rec.yellow):
            continue
        level, why = urging_level(session, rec.department_id, rules, today, rec)
        out.append(
            {
                "department_id": rec.department_id,
                "name": rec.name,
                "overdue": rec.overdue,
                "max_overdue_wd": rec.max_overdue_wd,
                "red": rec.red,
                "yellow": rec.yellow,
                "ignored_notices": rec.ignored_notices,
                "overdue_rectifications": rec.overdue_rectifications,
                "next_level": level,
                "why": why,
                "suggest": suggested_kinds(rec, rules),
            }
        )
    return out


def urging_level(
    session: Session, department_id: int, rules: dict, today: dt.date, rec: UnitRecord
) -> tuple[str, str]:
    """The level of the next urging notice, and why (base on lateness, up when ignored)."""
    if rec.max_overdue_wd >= rules["red_overdue_wd"]:
        level, why = "red", f"任务逾期已达{rec.max_overdue_wd}个工作日"
    elif rec.overdue:
        level, why = "yellow", f"有{rec.overdue}项任务逾期"
    else:
        level, why = "blue", "任务进度滞后"
    ignored = [n for n, r in urging_history(session, department_id) if _ignored(r, n, today)]
    k = rules["escalate_after_ignored"]
    while level != "red":
        at_or_above = [n for n in ignored if LEVELS.index(n.level or "blue") >= LEVELS.index(level)]
        if len(at_or_above) < k:
            break
        why += f"；此前{len(at_or_above)}份{LEVEL_LABELS[level]}未按期反馈，升级"
        level = LEVELS[LEVELS.index(level) + 1]
    return level, why


def _unit_tasks(session: Session, department_id: int, today: dt.date, *, frames, due_soon=None):
    """The unit's overdue and lagging assignments (or those due within `due_soon` wd)."""
    info = {r["task_id"]: r for r in frames.tasks.iter_rows(named=True)}
    rows = []
    for row in frames.assignments.iter_rows(named=True):
        if row["department_id"] != department_id:
            continue
        t = info.get(row["task_id"])
        if t is None or t["status"] not in OPEN_STATUSES:
            continue
        if due_soon is not None:
            due = t.get("due_in_wd")
            if due is None or due < 0 or due > due_soon or (row["overdue_wd"] or 0) > 0:
                continue
        elif row["colour"] not in ("red", "yellow"):
            continue
        progress = row["progress"]
        rows.append(
            {
                "task_id": t["task_id"],
                "code": t["code"] or "",
                "title": t["title"],
                "role": ROLE_WORDS.get(row["role"], row["role"]),
                "deadline": _cn(t["deadline"]),
                "original_deadline": _cn(t["original_deadline"]),
                "extended": t["original_deadline"] is not None
                and t["original_deadline"] != t["deadline"],
                "overdue_wd": int(row["overdue_wd"] or 0),
                "due_in_wd": t.get("due_in_wd"),
                "progress": "未报送" if progress is None else f"{progress:.0f}%",
                "reasons": "；".join(row["reasons"] or []) or "进度滞后",
                "lead": t.get("lead_name") or "",
                "colour": row["colour"],
            }
        )
    rows.sort(key=lambda r: (-r["overdue_wd"], r["code"]))
    return rows


TASK_COLUMNS = [
    "序号",
    "编号",
    "任务",
    "分工",
    "完成时限",
    "原定时限",
    "逾期工作日",
    "进度",
    "原因",
]


def _task_table(title: str, tasks: list[dict]) -> dict:
    return {
        "title": title,
        "columns": TASK_COLUMNS,
        "rows": [
            [
                i,
                t["code"],
                t["title"],
                t["role"],
                t["deadline"],
                t["original_deadline"] if t["extended"] else "",
                t["overdue_wd"] or "",
                t["progress"],
                t["reasons"],
            ]
            for i, t in enumerate(tasks, start=1)
        ],
    }


# ---------------------------------------------------------------- drafting


def _dept(session: Session, department_id: int | None) -> Department:
    if department_id is None:
        raise ValidationFailed("请选择单位。")
    d = session.get(Department, department_id)
    if d is None or not d.active:
        raise ValidationFailed("单位不存在或已停用。")
    return d


def _period(kind: str, end: dt.date) -> tuple[dt.date, str]:
    if kind == "week":
        start = end - dt.timedelta(days=6)
        return start, f"{start.month}月{start.day}日至{end.month}月{end.day}日（周报）"
    if kind == "quarter":
        q = (end.month - 1) // 3 + 1
        return dt.date(end.year, 3 * q - 2, 1), f"{end.year}年第{q}季度"
    return end.replace(day=1), f"{end.year}年{end.month}月"


def _change(now: int, before: int | None) -> str:
    if before is None:
        return "上期无数据"
    d = now - before
    return "与上期持平" if d == 0 else (f"比上期增加{d}项" if d > 0 else f"比上期减少{-d}项")


def _bulletin_context(session, rules: dict, today: dt.date, period: str, frames) -> dict:
    tasks = [
        r for r in frames.tasks.iter_rows(named=True) if r["status"] not in ("draft", "cancelled")
    ]
    completed_at = dict(
        session.exec(select(Task.id, Task.completed_at).where(Task.completed_at != None)).all()  # noqa: E711
    )
    completed = [t for t in tasks if t["status"] == TaskStatus.completed]
    on_time = [
        t
        for t in completed
        if completed_at.get(t["task_id"])
        and (t["original_deadline"] or t["deadline"])
        and completed_at[t["task_id"]].date() <= (t["original_deadline"] or t["deadline"])
    ]
    overdue = [t for t in tasks if t["status"] in OPEN_STATUSES and (t["overdue_wd"] or 0) > 0]
    figures = {
        "total": len(tasks),
        "completed": len(completed),
        "on_time": len(on_time),
        "on_time_rate": f"{len(on_time) / len(completed):.1%}" if completed else "—",
        "open": sum(1 for t in tasks if t["status"] in OPEN_STATUSES),
        "overdue": len(overdue),
        "red": sum(1 for t in tasks if t["colour"] == "red"),
        "yellow": sum(1 for t in tasks if t["colour"] == "yellow"),
        "extended": sum(1 for t in tasks if t["extensions"]),
    }
    # the last progress bulletin with figures (a published scorecard is a 通报 too, without them)
    prev = next(
        (
            n
            for n in session.exec(
                select(Notice)
                .where(Notice.kind == NoticeKind.bulletin, Notice.status == NoticeStatus.issued)
                .order_by(col(Notice.issued_at).desc())
            ).all()
            if (n.extra or {}).get("figures")
        ),
        None,
    )
    prev_fig = (prev.extra or {}).get("figures", {}) if prev else {}
    changes = {k: _change(v, prev_fig.get(k)) for k, v in figures.items() if isinstance(v, int)}
    start, label = _period(period, today)
    records = unit_records(session, today, frames)
    praised = praised_units(records, rules)
    criticised = criticised_units(records, rules)
    since = dt.datetime.combine(start, dt.time.min)
    names = {d.id: d.name for d in session.exec(select(Department)).all()}
    titles = {t["task_id"]: f"{t['code']}{t['title']}" for t in tasks}
    problems = []
    seen = set()
    for rep in session.exec(
        select(ProgressReport)
        .where(ProgressReport.reported_at >= since, ProgressReport.problems != "")
        .order_by(col(ProgressReport.reported_at).desc())
    ).all():
        if rep.department_id in seen or rep.task_id not in titles:
            continue
        seen.add(rep.department_id)
        problems.append(
            {
                "unit": names.get(rep.department_id, ""),
                "task": titles[rep.task_id],
                "text": rep.problems.strip(),
            }
        )
    for f in session.exec(select(Finding).where(Finding.created_at >= since)).all():
        problems.append(
            {
                "unit": names.get(f.department_id, ""),
                "task": titles.get(f.task_id, "督查发现"),
                "text": f.description,
            }
        )
    extended = [
        {
            "code": t["code"],
            "title": t["title"],
            "lead": t["lead_name"] or "",
            "original_deadline": _cn(t["original_deadline"]),
            "deadline": _cn(t["deadline"]),
            "extensions": t["extensions"],
        }
        for t in tasks
        if t["extensions"]
    ]
    unit_table = {
        "title": f"各单位任务推进情况表（{label}）",
        "columns": [
            "单位",
            "承担任务",
            "已办结",
            "按期办结率",
            "逾期",
            "红灯",
            "黄灯",
            "催办未反馈",
            "整改逾期",
        ],
        "rows": [
            [
                r.name,
                r.tasks,
                r.completed,
                f"{r.on_time_rate:.0%}" if r.on_time_rate is not None else "—",
                r.overdue,
                r.red,
                r.yellow,
                r.ignored_notices,
                r.overdue_rectifications,
            ]
            for r in records
        ],
    }
    overdue_table = {
        "title": "逾期未办结任务清单",
        "columns": [
            "序号",
            "编号",
            "任务",
            "牵头单位",
            "原定时限",
            "现完成时限",
            "逾期工作日",
            "进度",
        ],
        "rows": [
            [
                i,
                t["code"],
                t["title"],
                t["lead_name"] or "",
                _cn(t["original_deadline"]),
                _cn(t["deadline"]),
                t["overdue_wd"],
                "未报送" if t["progress"] is None else f"{t['progress']:.0f}%",
            ]
            for i, t in enumerate(sorted(overdue, key=lambda t: -(t["overdue_wd"] or 0)), start=1)
        ],
    }
    ext_table = {
        "title": "延期任务原定时限与调整后时限对照表",
        "columns": ["编号", "任务", "牵头单位", "原定时限", "调整后时限", "延期次数"],
        "rows": [
            [
                e["code"],
                e["title"],
                e["lead"],
                e["original_deadline"],
                e["deadline"],
                e["extensions"],
            ]
            for e in extended
        ],
    }
    return {
        "period_label": label,
        "period_start": _cn(start),
        "period_end": _cn(today),
        "previous": prev.doc_number if prev else None,
        "figures": figures,
        "changes": changes,
        "praised": [{"name": r.name, "facts": _facts(r)} for r in praised],
        "criticised": [{"name": r.name, "facts": _facts(r)} for r in criticised],
        "new_problems": problems[:10],
        "extended": extended,
        "_attachments": [unit_table, overdue_table, ext_table],
        "_recipients": [r.department_id for r in records],
        "_extra": {
            "figures": figures,
            "period": period,
            "praised": [r.department_id for r in praised],
            "criticised": [r.department_id for r in criticised],
        },
    }


def generate(
    session: Session,
    *,
    kind: str,
    today: dt.date | None = None,
    department_id: int | None = None,
    period: str = "month",
    department_ids: list[int] | None = None,
    time_text: str = "",
    place: str = "",
    attendees: str = "",
    sanction: str = "",
) -> dict:
    """The fields of a draft of `kind`, generated from the data (nothing is written)."""
    kind = NoticeKind(kind).value
    today = today or clock.today()
    rules = load_notice_rules(session)
    frames = _frames(session, today)
    ctx: dict[str, Any] = {
        "today": _cn(today),
        "issuer": rules["issuer"],
        "plan_title": _plan_title(session),
    }
    title = ""
    level = None
    recipients: list[int] = []
    task_ids: list[int] = []
    attachments: list[dict] = []
    extra: dict[str, Any] = {}
    addressees = ""
    period_label = None
    if kind in ("urging", "reminder", "interview", "accountability"):
        dept = _dept(session, department_id)
        recipients = [dept.id]
        addressees = dept.name
        ctx["unit"] = dept.name
    if kind == "urging":
        tasks = _unit_tasks(session, dept.id, today, frames=frames)
        if not tasks:
            raise ValidationFailed(f"{dept.name}目前没有逾期或进度滞后的任务，无需催办。")
        rec = next(
            (r for r in unit_records(session, today, frames) if r.department_id == dept.id), None
        )
        rec = rec or UnitRecord(dept.id, dept.name)
        level, why = urging_level(session, dept.id, rules, today, rec)
        earlier = [
            n.doc_number for n, r in urging_history(session, dept.id) if _ignored(r, n, today)
        ]
        ctx.update(
            tasks=tasks,
            n_overdue=sum(1 for t in tasks if t["overdue_wd"]),
            n_lagging=sum(1 for t in tasks if not t["overdue_wd"]),
            level=level,
            level_label=LEVEL_LABELS[level],
            earlier=earlier,
        )
        title = f"关于{dept.name}加快推进滞后任务的督办通知（{LEVEL_LABELS[level]}）"
        task_ids = [t["task_id"] for t in tasks]
        attachments = [_task_table(f"{dept.name}逾期和进度滞后任务清单", tasks)]
        extra = {"level_reason": why, "earlier": earlier}
    elif kind == "reminder":
        n = int(rules["remind_due_in_wd"])
        tasks = _unit_tasks(session, dept.id, today, frames=frames, due_soon=n)
        if not tasks:
            raise ValidationFailed(f"{dept.name}没有{n}个工作日内到期的任务。")
        ctx.update(tasks=tasks, due_in_wd=n)
        title = f"关于{dept.name}任务即将到期的提醒"
        task_ids = [t["task_id"] for t in tasks]
    elif kind == "bulletin":
        if period not in PERIODS:
            raise ValidationFailed("通报周期只能是周报、月报或季报。")
        b = _bulletin_context(session, rules, today, period, frames)
        attachments = b.pop("_attachments")
        recipients = b.pop("_recipients")
        extra = b.pop("_extra")
        ctx.update(
            b, praise_rule=praise_rule_text(rules), criticism_rule=criticism_rule_text(rules)
        )
        period_label = b["period_label"]
        title = f"关于{period_label}{ctx['plan_title']}推进情况的通报"
        addressees = "各成员单位"
    elif kind in ("commendation", "criticism"):
        records = unit_records(session, today, frames)
        chosen = (
            praised_units(records, rules)
            if kind == "commendation"
            else criticised_units(records, rules)
        )
        if department_ids:
            chosen = [r for r in records if r.department_id in set(department_ids)]
        if not chosen:
            raise ValidationFailed("按现行规则没有符合条件的单位。")
        start, period_label = _period(period, today)
        ctx.update(
            units=[{"name": r.name, "facts": _facts(r)} for r in chosen],
            period_label=period_label,
            praise_rule=praise_rule_text(rules),
            criticism_rule=criticism_rule_text(rules),
        )
        recipients = [r.department_id for r in records]
        addressees = "各成员单位"
        word = "表扬" if kind == "commendation" else "批评"
        title = f"关于对{'、'.join(r.name for r in chosen[:3])}{'等单位' if len(chosen) > 3 else ''}予以通报{word}的通报"
        extra = {"units": [r.department_id for r in chosen]}
        if kind == "criticism":
            rows = []
            for r in chosen:
                rows += _unit_tasks(session, r.department_id, today, frames=frames)
            attachments = [_task_table("被通报单位逾期和滞后任务清单", rows)] if rows else []
    elif kind in ("interview", "accountability"):
        rec = next(
            (r for r in unit_records(session, today, frames) if r.department_id == dept.id), None
        )
        rec = rec or UnitRecord(dept.id, dept.name)
        facts = _facts(rec)
        if rec.red_notices:
            facts += f"，已收到红色督办{rec.red_notices}次"
        ctx["facts"] = facts
        if kind == "interview":
            if not (time_text.strip() and place.strip() and attendees.strip()):
                raise ValidationFailed("约谈通知须写明约谈时间、地点和参加人员。")
            ctx.update(time=time_text.strip(), place=place.strip(), attendees=attendees.strip())
            title = f"关于约谈{dept.name}的通知"
            extra = {"time": ctx["time"], "place": ctx["place"], "attendees": ctx["attendees"]}
            rule, meets = interview_rule_text(rules), meets_interview_rule(rec, rules)
        else:
            ctx["sanction"] = sanction.strip() or "对相关责任人进行诫勉谈话，并在全市范围内通报"
            title = f"关于对{dept.name}有关责任人问责的建议"
            extra = {"sanction": ctx["sanction"]}
            rule, meets = accountability_rule_text(rules), meets_accountability_rule(rec, rules)
        # Transparent: the draft says whether the unit meets the rule; a person decides.
        extra.update(rule=rule, meets_rule=meets, facts=facts)
        tasks = _unit_tasks(session, dept.id, today, frames=frames)
        task_ids = [t["task_id"] for t in tasks]
        if tasks:
            attachments = [_task_table(f"{dept.name}逾期和进度滞后任务清单", tasks)]
    reply_due = _reply_due(session, rules, level, today)
    ctx["reply_due"] = _cn(reply_due)
    source, _, _ = template_source(session, kind)
    body = render_template(source, ctx)
    requirements = rules["requirements"].get(kind, "").replace("{reply_due}", _cn(reply_due))
    return {
        "kind": kind,
        "level": level,
        "title": title,
        "addressees": addressees,
        "body": body,
        "requirements": requirements,
        "signature": rules["signature"],
        "copy_to": rules["copy_to"],
        "period_label": period_label,
        "reply_due": reply_due if kind != "commendation" else None,
        "attachments": attachments,
        "extra": extra,
        "recipients": recipients,
        "task_ids": task_ids,
    }


def draft_notice(session: Session, *, actor: Actor, kind: str, **params) -> Notice:
    """Generate a draft from the data and save it for a person to edit."""
    require(actor, "notice.draft")
    fields = generate(session, kind=kind, **params)
    return create_draft(session, actor=actor, **fields)


def create_draft(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    title: str,
    recipients: list[int],
    task_ids: list[int] | tuple = (),
    **fields,
) -> Notice:
    """Save a draft made elsewhere (e.g. the assessment scorecard) for a person to edit and issue."""
    require(actor, "notice.draft")
    if kind not in KIND_LABELS:
        raise ValidationFailed(f"未知的通知类型：{kind}")
    if not str(title).strip():
        raise ValidationFailed("标题不能为空。")
    unknown = set(fields) - {*EDITABLE_FIELDS, "extra", "attachments"}
    if unknown:
        raise ValidationFailed(f"不能设置这些字段：{', '.join(sorted(unknown))}")
    for d in set(recipients):
        _dept(session, d)
    fields["kind"], fields["title"] = kind, title
    with write(session):
        notice = Notice(**fields, status=NoticeStatus.draft, created_by=actor.user_id)
        session.add(notice)
        session.flush()
        for d in dict.fromkeys(recipients):
            session.add(NoticeRecipient(notice_id=notice.id, department_id=d))
        for t in dict.fromkeys(task_ids):
            session.add(NoticeTask(notice_id=notice.id, task_id=t))
        audit.record(session, actor, "notice.draft", notice)
    return notice


def update_draft(
    session: Session,
    *,
    actor: Actor,
    notice_id: int,
    expected_version: int,
    recipients: list[int] | None = None,
    **changes,
) -> Notice:
    """Edit a draft's text fields (and recipients); an issued notice is read-only."""
    require(actor, "notice.draft")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"不能修改这些字段：{', '.join(sorted(unknown))}")
    with write(session):
        notice = get_or_404(session, Notice, notice_id, "通知")
        check_version(notice, expected_version)
        if notice.status != NoticeStatus.draft:
            raise ValidationFailed("通知已签发，不能再修改。")
        before = audit.snapshot(notice)
        if "title" in changes and not str(changes["title"]).strip():
            raise ValidationFailed("标题不能为空。")
        if "title" in changes and len(str(changes["title"])) > 300:
            raise ValidationFailed("标题不能超过 300 个字符。")
        if changes.get("level") not in (None, *LEVELS):
            raise ValidationFailed("督办等级只能是蓝色、黄色或红色。")
        for k, v in changes.items():
            setattr(notice, k, v.strip() if isinstance(v, str) else v)
        if recipients is not None:
            _set_recipients(session, notice, recipients)
        notice.extra = {**(notice.extra or {}), "edited": True}
        audit.record(session, actor, "notice.update", notice, before=before)
    return notice


def _set_recipients(session: Session, notice: Notice, recipients: list[int]) -> None:
    wanted = set(recipients)
    for d in wanted:
        _dept(session, d)
    current = session.exec(
        select(NoticeRecipient).where(NoticeRecipient.notice_id == notice.id)
    ).all()
    for r in current:
        if r.department_id not in wanted:
            session.delete(r)
    have = {r.department_id for r in current}
    for d in sorted(wanted - have):
        session.add(NoticeRecipient(notice_id=notice.id, department_id=d))


def delete_draft(session: Session, *, actor: Actor, notice_id: int) -> None:
    require(actor, "notice.draft")
    with write(session):
        notice = get_or_404(session, Notice, notice_id, "通知")
        if notice.status != NoticeStatus.draft:
            raise ValidationFailed("已签发的通知不能删除。")
        before = audit.snapshot(notice)
        for model in (NoticeRecipient, NoticeTask):
            for r in session.exec(select(model).where(model.notice_id == notice.id)).all():
                session.delete(r)
        audit.record(
            session, actor, "notice.delete", object_type="notice", object_id=notice.id,
            before=before, after={},
        )  # fmt: skip
        session.delete(notice)


# ---------------------------------------------------------------- issuing


def format_doc_number(prefix: str, year: int, seq: int) -> str:
    return f"{prefix}〔{year}〕{seq}号"


def _next_seq(session: Session, kind: str, year: int) -> int:
    """The next number for (kind, year), taken under a lock so it is unique and gapless.

    PostgreSQL: the counter row is locked with SELECT … FOR UPDATE until commit. SQLite: the
    caller already holds the database write lock (see _take_write_lock). A missing row is
    inserted; two first-issuers racing on the insert collide on the primary key and retry.
    """
    counter = session.exec(
        select(DocCounter).where(DocCounter.kind == kind, DocCounter.year == year).with_for_update()
    ).first()
    if counter is None:
        counter = DocCounter(kind=kind, year=year, last_seq=0)
        session.add(counter)
        session.flush()
    counter.last_seq += 1
    session.add(counter)
    session.flush()
    return counter.last_seq


def _take_write_lock(session: Session) -> None:
    """On SQLite, start the transaction with a write so it holds the lock (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE data_version SET version = version WHERE id = 1"))


def _is_retryable(exc: Exception) -> bool:
    msg = str(exc).lower()
    if isinstance(exc, OperationalError):
        return "locked" in msg or "busy" in msg or "deadlock" in msg or "serializ" in msg
    return isinstance(exc, IntegrityError)


def issue_notice(
    session: Session,
    *,
    actor: Actor,
    notice_id: int,
    expected_version: int,
    attempts: int = 8,
) -> Notice:
    """Number, date and deliver a draft; from now on it is read-only."""
    require(actor, "notice.issue")
    for attempt in range(attempts):
        try:
            return _issue_once(session, actor, notice_id, expected_version)
        except (OperationalError, IntegrityError) as exc:
            if not _is_retryable(exc) or attempt == attempts - 1:
                raise ValidationFailed("签发时文号冲突，请稍后重试。") from exc
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def _issue_once(session: Session, actor: Actor, notice_id: int, expected_version: int) -> Notice:
    with write(session):
        _take_write_lock(session)
        notice = get_or_404(session, Notice, notice_id, "通知")
        session.refresh(notice)
        check_version(notice, expected_version)
        if notice.status != NoticeStatus.draft:
            raise ValidationFailed(f"通知已签发（{notice.doc_number}），不能重复签发。")
        if not notice.title.strip() or not notice.body.strip():
            raise ValidationFailed("标题和正文不能为空。")
        recipients = session.exec(
            select(NoticeRecipient).where(NoticeRecipient.notice_id == notice.id)
        ).all()
        if not recipients:
            raise ValidationFailed("请至少选择一个接收单位。")
        now = clock.now()
        if notice.reply_due is not None and notice.reply_due < now.date():
            raise ValidationFailed("反馈期限已过，请修改反馈期限后再签发。")
        before = audit.snapshot(notice)
        rules = load_notice_rules(session)
        kind = NoticeKind(notice.kind).value
        seq = _next_seq(session, kind, now.year)
        notice.doc_year, notice.doc_seq = now.year, seq
        notice.doc_number = format_doc_number(rules["prefixes"][kind], now.year, seq)
        notice.status = NoticeStatus.issued
        notice.issued_at = now
        notice.issued_by = actor.user_id
        notice.extra = {**(notice.extra or {}), "issuer": rules["issuer"]}
        for r in recipients:
            r.delivered_at = now
            session.add(r)
        session.add(notice)
        audit.record(session, actor, "notice.issue", notice, before=before)
    return notice


# ---------------------------------------------------------------- the units' side


def _recipient(session: Session, actor: Actor, notice_id: int, department_id: int | None):
    notice = get_or_404(session, Notice, notice_id, "通知")
    if notice.status != NoticeStatus.issued:
        raise ValidationFailed("通知尚未签发。")
    dep = department_id if department_id is not None else actor.department_id
    rec = session.exec(
        select(NoticeRecipient).where(
            NoticeRecipient.notice_id == notice_id, NoticeRecipient.department_id == dep
        )
    ).first()
    if rec is None:
        raise NotFound("本单位不在该通知的接收单位中。")
    return notice, rec


def acknowledge_notice(
    session: Session, *, actor: Actor, notice_id: int, department_id: int | None = None
) -> NoticeRecipient:
    """签收 for the actor's unit (the office may sign for a unit by passing department_id)."""
    dep = department_id if department_id is not None else actor.department_id
    require(actor, "notice.acknowledge", department_id=dep)
    with write(session):
        _, rec = _recipient(session, actor, notice_id, dep)
        if rec.acknowledged_at is None:
            before = audit.snapshot(rec)
            rec.acknowledged_at = clock.now()
            rec.acknowledged_by = actor.user_id
            session.add(rec)
            audit.record(session, actor, "notice.acknowledge", rec, before=before)
    return rec


def reply_notice(
    session: Session,
    *,
    actor: Actor,
    notice_id: int,
    text_: str,
    department_id: int | None = None,
) -> NoticeRecipient:
    """The unit's answer (整改反馈); it also counts as 签收 when that was not done yet."""
    dep = department_id if department_id is not None else actor.department_id
    require(actor, "notice.reply", department_id=dep)
    body = (text_ or "").strip()
    if len(body) < 5:
        raise ValidationFailed("反馈内容不能少于 5 个字。")
    with write(session):
        _, rec = _recipient(session, actor, notice_id, dep)
        if rec.replied_at is not None:
            raise ValidationFailed("本单位已反馈过该通知。")
        before = audit.snapshot(rec)
        now = clock.now()
        rec.reply_text = body
        rec.replied_at = now
        rec.replied_by = actor.user_id
        if rec.acknowledged_at is None:
            rec.acknowledged_at, rec.acknowledged_by = now, actor.user_id
        session.add(rec)
        audit.record(session, actor, "notice.reply", rec, before=before)
    return rec


# ---------------------------------------------------------------- reading


@dataclass
class NoticeRow:
    notice: Notice
    recipients: int
    acknowledged: int
    replied: int
    pending_ack: list[str]
    pending_reply: list[str]
    mine: NoticeRecipient | None = None


def list_notices(
    session: Session,
    *,
    actor: Actor,
    kind: str | None = None,
    status: str | None = None,
    only_pending: bool = False,
) -> list[NoticeRow]:
    """Notices the actor may see, newest first, with who has not acknowledged or answered.

    A department head sees only issued notices delivered to its own unit.
    """
    q = select(Notice)
    own = not can(actor, "notice.read_all")
    if own:
        if actor.department_id is None:
            return []
        q = q.join(NoticeRecipient, col(NoticeRecipient.notice_id) == Notice.id).where(
            NoticeRecipient.department_id == actor.department_id,
            Notice.status == NoticeStatus.issued,
        )
    if kind:
        q = q.where(Notice.kind == kind)
    if status:
        q = q.where(Notice.status == status)
    notices = session.exec(q.order_by(col(Notice.created_at).desc(), col(Notice.id).desc())).all()
    ids = [n.id for n in notices]
    recs: dict[int, list[NoticeRecipient]] = {}
    if ids:
        for r in session.exec(
            select(NoticeRecipient).where(col(NoticeRecipient.notice_id).in_(ids))
        ).all():
            recs.setdefault(r.notice_id, []).append(r)
    names = {d.id: d.name for d in session.exec(select(Department)).all()}
    out = []
    for n in notices:
        rs = recs.get(n.id, [])
        mine = next((r for r in rs if r.department_id == actor.department_id), None)
        row = NoticeRow(
            notice=n,
            recipients=len(rs),
            acknowledged=sum(1 for r in rs if r.acknowledged_at),
            replied=sum(1 for r in rs if r.replied_at),
            pending_ack=[names.get(r.department_id, "") for r in rs if not r.acknowledged_at],
            # Only a notice with a reply date asks for an answer; the others just for 签收.
            pending_reply=[
                names.get(r.department_id, "")
                for r in rs
                if n.reply_due is not None and not r.replied_at
            ],
            mine=mine,
        )
        if only_pending and own and mine and mine.replied_at:
            continue
        out.append(row)
    return out


def get_notice(session: Session, *, actor: Actor, notice_id: int) -> Notice:
    notice = get_or_404(session, Notice, notice_id, "通知")
    if can(actor, "notice.read_all"):
        return notice
    if notice.status == NoticeStatus.issued and actor.department_id is not None:
        rec = session.exec(
            select(NoticeRecipient).where(
                NoticeRecipient.notice_id == notice_id,
                NoticeRecipient.department_id == actor.department_id,
            )
        ).first()
        if rec is not None:
            return notice
    raise PermissionDenied("无权查看该通知：只能查看发给本单位的通知。")


def recipients_of(session: Session, notice_id: int) -> list[dict]:
    names = {d.id: d.name for d in session.exec(select(Department)).all()}
    rows = session.exec(
        select(NoticeRecipient)
        .where(NoticeRecipient.notice_id == notice_id)
        .order_by(col(NoticeRecipient.department_id))
    ).all()
    return [
        {
            "department_id": r.department_id,
            "name": names.get(r.department_id, ""),
            "delivered_at": r.delivered_at,
            "acknowledged_at": r.acknowledged_at,
            "replied_at": r.replied_at,
            "reply_text": r.reply_text or "",
        }
        for r in rows
    ]


def official_document(notice: Notice, rules: dict | None = None) -> OfficialDocument:
    """The notice as an OfficialDocument (body = 正文 then 要求)."""
    rules = rules or DEFAULT_RULES
    issued_on = notice.issued_at.date() if notice.issued_at else None
    body = [p for p in (notice.body or "").splitlines() if p.strip()]
    body += [p for p in (notice.requirements or "").splitlines() if p.strip()]
    return OfficialDocument(
        issuer=(notice.extra or {}).get("issuer") or rules["issuer"],
        doc_number=notice.doc_number or "（草稿，签发时编号）",
        title=notice.title,
        addressees=notice.addressees,
        body=body,
        attachments=list(notice.attachments or []),
        signature=notice.signature,
        date=issued_on or clock.today(),
        copy_to=notice.copy_to,
        printed_by=rules["issuer"],
        printed_on=issued_on or clock.today(),
        level_label=LEVEL_LABELS.get(notice.level or "") if notice.kind == "urging" else None,
    )


def notice_docx(session: Session, *, actor: Actor, notice_id: int) -> tuple[str, bytes]:
    """(file name, DOCX bytes) of a notice the actor may read."""
    notice = get_notice(session, actor=actor, notice_id=notice_id)
    data = render_docx(official_document(notice, load_notice_rules(session)))
    name = notice.doc_number or f"草稿{notice.id}"
    return f"{name}-{notice.title[:30]}.docx", data
