"""The reminder rules the office edits (setting "reminders") and the planning of reminders
from the data: who gets which message now, one message per person per rule per day.

`evaluate(session, now, cal)` plans (nothing is written) and `send_reminders` enqueues the
plan through the outbox. A rule's occasions ("items") are grouped per recipient: a unit head
with five overdue tasks gets one overdue message naming the five. The message's dedupe key is
the day (the ISO week for the digest), so a second run the same day adds nothing; a once-only
occasion (a task due soon, a missed report window, a notice not signed for) is remembered in
the notification's `items` and is not reminded again on a later day. No reminder is planned
on a day that is not a working day; a make-up working day (调休) is one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import polars as pl
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from duban.core.permissions import Actor
from duban.core.services import write
from duban.core.stored import load_setting, save_rules
from duban.monitoring import cycles
from duban.monitoring import rules as warning_rules
from duban.monitoring.frames import RawFrames, read_frames
from duban.monitoring.lights import OPEN_STATUSES
from duban.monitoring.status import build_status
from duban.monitoring.workdays import WorkCalendar
from duban.reminders import outbox
from models import (
    AppUser,
    Department,
    Finding,
    Notice,
    NoticeRecipient,
    NoticeStatus,
    Notification,
    RectificationStatus,
    Role,
)

__all__ = [
    "RECIPIENTS",
    "RULES_KEY",
    "RULE_NAMES",
    "Planned",
    "ReminderRules",
    "Rule",
    "evaluate",
    "rules_with_version",
    "save_reminder_rules",
    "send_reminders",
]

RULES_KEY = "reminders"

DUE_SOON = "due_soon"
OVERDUE = "overdue"
CYCLE_DUE = "cycle_due"
CYCLE_MISSED = "cycle_missed"
RECTIFICATION_DUE = "rectification_due"
NOTICE_UNSIGNED = "notice_unsigned"
WEEKLY_DIGEST = "weekly_digest"
RULE_NAMES = (
    DUE_SOON,
    OVERDUE,
    CYCLE_DUE,
    CYCLE_MISSED,
    RECTIFICATION_DUE,
    NOTICE_UNSIGNED,
    WEEKLY_DIGEST,
)
DAILY_RULES = tuple(n for n in RULE_NAMES if n != WEEKLY_DIGEST)

# Who receives a rule's messages: the heads of the unit concerned, the office, the leaders.
RECIPIENTS = ("unit", "unit_office", "office", "leaders", "leaders_office")
DIGEST_RECIPIENTS = ("leaders", "leaders_office", "office")
_UNIT_RECIPIENTS = ("unit", "unit_office")
# The rules about a unit's own work, which must reach the unit.
_UNIT_RULES = (DUE_SOON, OVERDUE, CYCLE_DUE, CYCLE_MISSED, RECTIFICATION_DUE, NOTICE_UNSIGNED)

# The rules whose parameter (days) means something, with its least value and its words.
DAYS_RULES: dict[str, tuple[int, str]] = {
    DUE_SOON: (1, "临期提醒提前工作日数"),
    CYCLE_DUE: (1, "报送提醒提前工作日数"),
    RECTIFICATION_DUE: (0, "整改提醒提前工作日数"),
    NOTICE_UNSIGNED: (1, "未签收提醒工作日数"),
}
MAX_DAYS = 30
TASK_OPEN = ("assigned", "acknowledged", "in_progress")  # the unit still owes the answer
_MEMORY_DAYS = 400  # how far back a once-only occasion is remembered


@dataclass(frozen=True)
class Rule:
    """One rule: on or off, its parameter in working days, the hour it is sent from, who
    receives it, and (notices not signed for) whether it repeats daily after the first time."""

    enabled: bool = True
    days: int = 0
    hour: int = 9
    to: str = "unit"
    repeat: bool = False


def _defaults() -> dict[str, Rule]:
    return {
        DUE_SOON: Rule(days=3),
        OVERDUE: Rule(),
        CYCLE_DUE: Rule(days=1),
        CYCLE_MISSED: Rule(to="unit_office"),
        RECTIFICATION_DUE: Rule(days=3),
        NOTICE_UNSIGNED: Rule(days=2),
        WEEKLY_DIGEST: Rule(to="leaders"),
    }


@dataclass(frozen=True)
class ReminderRules:
    """All rules, and the quiet hours (from quiet_start:00 to quiet_end:00 the next morning;
    equal hours: none) during which outside deliveries wait (the in-app copy does not)."""

    rules: dict[str, Rule] = field(default_factory=_defaults)
    quiet_start: int = 22
    quiet_end: int = 8

    def rule(self, name: str) -> Rule:
        return self.rules[name]

    def validate(self) -> list[str]:
        errors: list[str] = []
        for name in RULE_NAMES:
            r = self.rules[name]
            if not isinstance(r.enabled, bool) or not isinstance(r.repeat, bool):
                errors.append(f"规则 {name} 的开关须为是/否")
            if isinstance(r.hour, bool) or not isinstance(r.hour, int) or not 0 <= r.hour <= 23:
                errors.append(f"规则 {name} 的发送时间须为 0 到 23 点（当前 {r.hour}）")
            if r.to not in RECIPIENTS:
                errors.append(f"规则 {name} 的接收人无效（{r.to}）")
            if name in DAYS_RULES:
                least, words = DAYS_RULES[name]
                if isinstance(r.days, bool) or not isinstance(r.days, int):
                    errors.append(f"{words}须为整数")
                elif not least <= r.days <= MAX_DAYS:
                    errors.append(f"{words}须在 {least} 到 {MAX_DAYS} 之间（当前 {r.days}）")
        unitless = [n for n in _UNIT_RULES if self.rules[n].to not in _UNIT_RECIPIENTS]
        if unitless:
            errors.append(f"规则 {'、'.join(unitless)} 须发给责任单位（可同时发给办公室）")
        if self.rules[WEEKLY_DIGEST].to in _UNIT_RECIPIENTS:
            errors.append("每周摘要须发给领导或办公室")
        for label, v in (("免打扰开始时间", self.quiet_start), ("免打扰结束时间", self.quiet_end)):
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 23:
                errors.append(f"{label}须为 0 到 23 点（当前 {v}）")
        return errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules": {n: asdict(r) for n, r in self.rules.items()},
            "quiet_start": self.quiet_start,
            "quiet_end": self.quiet_end,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ReminderRules:
        """From JSON; missing rules or fields take the defaults; ValueError (Chinese) if bad."""
        if not isinstance(d, dict):
            raise ValueError("提醒规则须为键值对象")
        unknown = sorted(set(d) - {"rules", "quiet_start", "quiet_end"})
        if unknown:
            raise ValueError(f"未知的提醒规则项：{'、'.join(map(str, unknown))}")
        raw_rules = d.get("rules") or {}
        if not isinstance(raw_rules, dict):
            raise ValueError("提醒规则须为键值对象")
        bad = sorted(set(raw_rules) - set(RULE_NAMES))
        if bad:
            raise ValueError(f"未知的提醒规则：{'、'.join(map(str, bad))}")
        rules = _defaults()
        fields_ = set(Rule.__dataclass_fields__)
        for name, values in raw_rules.items():
            if not isinstance(values, dict) or set(values) - fields_:
                raise ValueError(f"提醒规则 {name} 的设置无效")
            clean = {k: _int(v) if k in ("days", "hour") else v for k, v in values.items()}
            rules[name] = replace(rules[name], **clean)
        out = cls(
            rules=rules,
            quiet_start=_int(d.get("quiet_start", 22)),
            quiet_end=_int(d.get("quiet_end", 8)),
        )
        problems = out.validate()
        if problems:
            raise ValueError("；".join(problems))
        return out

    def not_before(self, now: dt.datetime) -> dt.datetime | None:
        """When outside deliveries may go, if `now` is within the quiet hours (else None)."""
        start, end = self.quiet_start, self.quiet_end
        if start == end:
            return None
        h = now.hour
        quiet = (start <= h or h < end) if start > end else (start <= h < end)
        if not quiet:
            return None
        day = now.date() if h < end else now.date() + dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(end))


def _int(v: Any) -> Any:
    return int(v) if isinstance(v, float) and v.is_integer() else v


# ------------------------------------------------------------------ the setting
def rules_with_version(session: Session) -> tuple[ReminderRules, int]:
    """The rules in effect and the setting's version (NOTHING_SAVED while the defaults apply)."""
    return load_setting(
        session,
        RULES_KEY,
        parse=ReminderRules.from_dict,
        default=ReminderRules,
        what="reminder rules",
    )


def save_reminder_rules(
    session: Session, *, actor: Actor, values: dict, expected_version: int | None = None
) -> ReminderRules:
    """Validate and store the rules; a save by someone else since `expected_version` is
    refused (StaleEdit) and bad values are refused (ValidationFailed): nothing changes."""
    return save_rules(
        session,
        actor=actor,
        key=RULES_KEY,
        parse=ReminderRules.from_dict,
        values=values,
        expected_version=expected_version,
        action="reminder_rules.update",
    )


# ------------------------------------------------------------------ planning
@dataclass(frozen=True)
class Item:
    """One occasion of a rule for one unit (or none: the digest), as a line of a message."""

    key: str  # e.g. "task:12:dept:3:2026-12-04"
    text: str
    department_id: int | None
    task_id: int | None = None
    once: bool = False  # remembered: not reminded again on a later day
    sort: tuple = ()


@dataclass(frozen=True)
class Planned:
    """One message to plan: for one user, one rule, one day (or week)."""

    user_id: int
    rule: str
    key: str
    subject: str
    body: str
    link: str
    not_before: dt.datetime | None
    items: tuple[str, ...]


def _cn(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _task_name(code: str | None, title: str) -> str:
    return f"{code} {title}".strip() if code else title


def _task_of_unit(task: dict, unit: str) -> str:
    """A message line's start: "二(一) 推进企业开办全程网办（市市场监督管理局），"."""
    return f"{_task_name(task['code'], task['title'])}（{unit}），"


def evaluate(
    session: Session,
    now: dt.datetime,
    cal: WorkCalendar,
    *,
    rules: ReminderRules | None = None,
    names: tuple[str, ...] = RULE_NAMES,
    raw: RawFrames | None = None,
) -> list[Planned]:
    """The messages due at `now` (nothing is written): the enabled rules among `names` whose
    hour has come, on a working day, less what was already sent (today's messages, and the
    once-only occasions reminded on an earlier day)."""
    today = now.date()
    if not cal.is_workday(today):
        return []
    rr = rules or rules_with_version(session)[0]
    due = [n for n in names if rr.rule(n).enabled and rr.rule(n).hour <= now.hour]
    # The digest's key is the ISO week: it goes on the week's first working day, or on the
    # next one when no worker ran that day.
    if not due:
        return []
    raw = raw if raw is not None else read_frames(_engine(session))
    people = _People.load(session)
    depts = {d.id: d.name for d in session.exec(select(Department)).all()}
    items: dict[str, list[Item]] = {}
    facts = None
    if CYCLE_DUE in due or CYCLE_MISSED in due:
        facts = cycles.evaluate(raw, today, cal)
    tasks = raw.tasks
    for name in due:
        r = rr.rule(name)
        if name == DUE_SOON:
            items[name] = _due_soon(raw, today, cal, r.days, depts)
        elif name == OVERDUE:
            items[name] = _overdue(raw, today, cal, depts)
        elif name == CYCLE_DUE:
            assert facts is not None
            items[name] = _cycle_due(facts.pairs, tasks, today, cal, r.days, depts)
        elif name == CYCLE_MISSED:
            assert facts is not None
            items[name] = _cycle_missed(facts.misses, tasks, depts)
        elif name == RECTIFICATION_DUE:
            items[name] = _rectifications(session, today, cal, r.days, depts)
        elif name == NOTICE_UNSIGNED:
            items[name] = _unsigned(session, today, cal, r.days, r.repeat, depts)
        elif name == WEEKLY_DIGEST:
            items[name] = _digest(session, raw, today, cal, depts)
    sent_once = _remembered(session, today, [n for n in due if n != WEEKLY_DIGEST])
    sent_now = _sent(session, due, today)
    not_before = rr.not_before(now)
    out: list[Planned] = []
    for name in due:
        r = rr.rule(name)
        per_user: dict[int, list[Item]] = defaultdict(list)
        for item in items[name]:
            for uid in people.recipients(r.to, item.department_id):
                per_user[uid].append(item)
        key = _message_key(name, today)
        for uid, its in sorted(per_user.items()):
            if (uid, name, key) in sent_now:
                continue
            seen: set[str] = set()
            lines = []
            for it in sorted(its, key=lambda i: (i.sort, i.key)):
                if it.key in seen or (it.once and (uid, name, it.key) in sent_once):
                    continue
                seen.add(it.key)
                lines.append(it)
            if not lines:
                continue
            subject, body = _words(name, r, lines, today)
            out.append(
                Planned(
                    user_id=uid,
                    rule=name,
                    key=key,
                    subject=subject,
                    body=body,
                    link=_link(name, lines, people.role(uid)),
                    not_before=not_before,
                    items=tuple(i.key for i in lines),
                )
            )
    return out


def send_reminders(
    session: Session,
    now: dt.datetime,
    cal: WorkCalendar,
    *,
    names: tuple[str, ...] = DAILY_RULES,
    rules: ReminderRules | None = None,
) -> dict[str, Any]:
    """Plan and enqueue the messages due at `now`, in one transaction; a summary back."""
    planned = evaluate(session, now, cal, rules=rules, names=names)
    by_rule: dict[str, int] = defaultdict(int)
    with write(session):
        users = {
            u.id: u
            for u in session.exec(
                select(AppUser).where(col(AppUser.id).in_({p.user_id for p in planned}))
            ).all()
        }
        for p in planned:
            note = outbox.enqueue(
                session,
                user=users[p.user_id],
                rule=p.rule,
                key=p.key,
                subject=p.subject,
                body=p.body,
                link=p.link,
                not_before=p.not_before,
            )
            if note is not None:
                note.items = list(p.items)
                session.add(note)
                by_rule[p.rule] += 1
        session.flush()
    return {"planned": len(planned), "sent": sum(by_rule.values()), "by_rule": dict(by_rule)}


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


# ------------------------------------------------------------------ who
@dataclass
class _People:
    heads: dict[int, list[int]]
    office: list[int]
    leaders: list[int]
    roles: dict[int, str]

    @classmethod
    def load(cls, session: Session) -> _People:
        heads: dict[int, list[int]] = defaultdict(list)
        office: list[int] = []
        leaders: list[int] = []
        roles: dict[int, str] = {}
        users = session.exec(
            select(AppUser).where(col(AppUser.active)).order_by(col(AppUser.id))
        ).all()
        for u in users:
            assert u.id is not None
            roles[u.id] = Role(u.role).value
            if u.role == Role.dept_head and u.department_id is not None:
                heads[u.department_id].append(u.id)
            elif u.role == Role.office:
                office.append(u.id)
            elif u.role == Role.leader:
                leaders.append(u.id)
        return cls(heads, office, leaders, roles)

    def role(self, uid: int) -> str:
        return self.roles.get(uid, "")

    def recipients(self, to: str, department_id: int | None) -> list[int]:
        out: list[int] = []
        if to in _UNIT_RECIPIENTS and department_id is not None:
            out += self.heads.get(department_id, [])
        if to in ("unit_office", "office", "leaders_office"):
            out += self.office
        if to in ("leaders", "leaders_office"):
            out += self.leaders
        return list(dict.fromkeys(out))


# ------------------------------------------------------------------ what was sent
def _message_key(rule: str, today: dt.date) -> str:
    if rule == WEEKLY_DIGEST:
        year, week, _ = today.isocalendar()
        return f"week:{year}-W{week:02d}"
    return f"day:{today.isoformat()}"


def _sent(session: Session, names: list[str], today: dt.date) -> set:
    keys = {_message_key(n, today) for n in names}
    rows = session.exec(
        select(Notification.user_id, Notification.rule, Notification.dedupe_key).where(
            col(Notification.rule).in_(names), col(Notification.dedupe_key).in_(keys)
        )
    ).all()
    return {tuple(r) for r in rows}


def _remembered(session: Session, today: dt.date, names: list[str]) -> set:
    """(user, rule, item) of every occasion reminded in the last _MEMORY_DAYS days."""
    if not names:
        return set()
    since = dt.datetime.combine(today - dt.timedelta(days=_MEMORY_DAYS), dt.time())
    rows = session.exec(
        select(Notification.user_id, Notification.rule, Notification.items).where(
            col(Notification.rule).in_(names),
            col(Notification.created_at) >= since,
            col(Notification.items).is_not(None),
        )
    ).all()
    return {(uid, rule, key) for uid, rule, its in rows for key in (its or [])}


# ------------------------------------------------------------------ the occasions
def _open_assignments(raw: RawFrames, statuses: tuple[str, ...]) -> pl.DataFrame:
    return raw.assignments.select("task_id", "department_id").join(
        raw.tasks.filter(pl.col("status").is_in(statuses)).select(
            "task_id", "code", "title", "deadline"
        ),
        on="task_id",
    )


def _due_soon(
    raw: RawFrames, today: dt.date, cal: WorkCalendar, days: int, depts: dict
) -> list[Item]:
    out = []
    rows = _open_assignments(raw, TASK_OPEN).filter(pl.col("deadline") >= today)
    for r in rows.to_dicts():
        left = cal.working_days_between(today, r["deadline"])
        if left > days:
            continue
        when = "今天到期" if r["deadline"] == today else f"剩余{left}个工作日"
        out.append(
            Item(
                key=f"task:{r['task_id']}:dept:{r['department_id']}:{r['deadline']}",
                text=_task_of_unit(r, depts.get(r["department_id"], ""))
                + f"完成时限{_cn(r['deadline'])}，{when}",
                department_id=r["department_id"],
                task_id=r["task_id"],
                once=True,
                sort=(r["deadline"], r["task_id"]),
            )
        )
    return out


def _overdue(raw: RawFrames, today: dt.date, cal: WorkCalendar, depts: dict) -> list[Item]:
    out = []
    rows = _open_assignments(raw, TASK_OPEN).filter(pl.col("deadline") < today)
    for r in rows.to_dicts():
        late = cal.working_days_between(r["deadline"], today)
        how = f"已逾期{late}个工作日" if late > 0 else "已过完成时限"
        out.append(
            Item(
                key=f"task:{r['task_id']}:dept:{r['department_id']}:{today}",
                text=_task_of_unit(r, depts.get(r["department_id"], ""))
                + f"完成时限{_cn(r['deadline'])}，{how}",
                department_id=r["department_id"],
                task_id=r["task_id"],
                sort=(r["deadline"], r["task_id"]),
            )
        )
    return out


def _task_index(tasks: pl.DataFrame) -> dict[int, dict]:
    return {r["task_id"]: r for r in tasks.select("task_id", "code", "title", "status").to_dicts()}


def _cycle_due(
    pairs: pl.DataFrame,
    tasks: pl.DataFrame,
    today: dt.date,
    cal: WorkCalendar,
    days: int,
    depts: dict,
) -> list[Item]:
    """Report windows whose due date is the `days`-th next working day, not yet reported."""
    target = cal.add_working_days(today, days)
    index = _task_index(tasks)
    out = []
    for r in pairs.filter(pl.col("next_due") == target).to_dicts():
        last_report, last_due = r["last_report"], r["last_due"]
        if last_report is not None and (last_due is None or last_report > last_due):
            continue  # already reported in this window
        t = index.get(r["task_id"])
        if t is None or t["status"] not in TASK_OPEN:
            continue
        label = cycles.label(cycles.parse(r["cycle"]))
        out.append(
            Item(
                key=f"cycle:{r['task_id']}:dept:{r['department_id']}:{target}",
                text=_task_of_unit(t, depts.get(r["department_id"], ""))
                + f"报送频次{label}，须于{_cn(target)}前报送进展",
                department_id=r["department_id"],
                task_id=r["task_id"],
                once=True,
                sort=(target, r["task_id"]),
            )
        )
    return out


def _cycle_missed(misses: pl.DataFrame, tasks: pl.DataFrame, depts: dict) -> list[Item]:
    """Missed report windows the unit has not answered since (未按期报送), once each."""
    index = _task_index(tasks)
    out = []
    for r in misses.filter(pl.col("reported_on").is_null()).to_dicts():
        t = index.get(r["task_id"])
        if t is None or t["status"] not in TASK_OPEN:
            continue
        out.append(
            Item(
                key=f"missed:{r['task_id']}:dept:{r['department_id']}:{r['due']}",
                text=_task_of_unit(t, depts.get(r["department_id"], ""))
                + f"{_cn(r['due'])}应报进展未报送",
                department_id=r["department_id"],
                task_id=r["task_id"],
                once=True,
                sort=(r["due"], r["task_id"]),
            )
        )
    return out


def _short(text: str, n: int = 40) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _rectifications(
    session: Session, today: dt.date, cal: WorkCalendar, days: int, depts: dict
) -> list[Item]:
    """Open 整改 items due within `days` working days (once), or overdue (daily)."""
    out = []
    horizon = cal.add_working_days(today, days) if days else today
    rows = session.exec(
        select(Finding).where(
            Finding.status == RectificationStatus.open, col(Finding.due_date) <= horizon
        )
    ).all()
    for f in rows:
        name = depts.get(f.department_id, "")
        if f.due_date < today:
            late = cal.working_days_between(f.due_date, today)
            how = f"已逾期{late}个工作日" if late > 0 else "已过整改期限"
            key, once = f"finding:{f.id}:overdue:{today}", False
        else:
            left = cal.working_days_between(today, f.due_date)
            if left > days:
                continue
            how = "今天到期" if f.due_date == today else f"剩余{left}个工作日"
            key, once = f"finding:{f.id}:{f.due_date}", True
        out.append(
            Item(
                key=key,
                text=f"整改事项“{_short(f.description)}”（{name}），整改期限{_cn(f.due_date)}，{how}",
                department_id=f.department_id,
                task_id=f.task_id,
                once=once,
                sort=(f.due_date, f.id),
            )
        )
    return out


def _unsigned(
    session: Session, today: dt.date, cal: WorkCalendar, days: int, repeat: bool, depts: dict
) -> list[Item]:
    """Issued notices a unit has not signed for (签收) `days` working days after issue."""
    out = []
    rows = session.exec(
        select(Notice, NoticeRecipient)
        .join(NoticeRecipient, col(NoticeRecipient.notice_id) == col(Notice.id))
        .where(
            Notice.status == NoticeStatus.issued,
            col(Notice.issued_at).is_not(None),
            col(NoticeRecipient.acknowledged_at).is_(None),
        )
    ).all()
    for n, r in rows:
        assert n.issued_at is not None
        waited = cal.working_days_between(n.issued_at.date(), today)
        if waited < days:
            continue
        number = f"（{n.doc_number}）" if n.doc_number else ""
        text = (
            f"《{_short(n.title, 60)}》{number}（{depts.get(r.department_id, '')}），"
            f"{_cn(n.issued_at.date())}印发，已{waited}个工作日未签收"
        )
        base = f"notice:{n.id}:dept:{r.department_id}"
        out.append(
            Item(
                key=f"{base}:{today}" if repeat else base,
                text=text,
                department_id=r.department_id,
                once=not repeat,
                sort=(n.issued_at, n.id),
            )
        )
    return out


def _digest(
    session: Session, raw: RawFrames, today: dt.date, cal: WorkCalendar, depts: dict
) -> list[Item]:
    """The week's figures for the leaders: red, overdue, 未按期报送, and the worst units."""
    d = digest_figures(session, raw, today, cal)
    year, week, _ = today.isocalendar()
    lines = [
        f"红灯任务{d['red']}项",
        f"逾期未办结任务{d['overdue']}项",
        f"未按期报送{d['missed_pairs']}项（涉及{d['missed_units']}个单位）",
    ]
    if d["worst"]:
        worst = "；".join(
            f"{depts.get(w['department_id'], '')}（红灯{w['red']}项、逾期{w['overdue']}项、"
            f"未按期报送{w['missed']}项）"
            for w in d["worst"]
        )
        lines.append(f"问题较多的单位：{worst}")
    return [
        Item(
            key=f"digest:{year}-W{week:02d}",
            text="\n".join(lines),
            department_id=None,
            sort=(0,),
        )
    ]


def digest_figures(
    session: Session, raw: RawFrames, today: dt.date, cal: WorkCalendar, top: int = 3
) -> dict[str, Any]:
    """The digest's numbers: tasks red now, open tasks (submitted included, as on the
    dashboard) past their deadline, (task, unit) pairs 未按期报送 now on tasks the units still
    work on, and their units, and the `top` units with the most of these."""
    status = build_status(
        raw, today=today, rules=warning_rules.load_warning_rules(session), cal=cal
    )
    tasks = status.tasks
    red = tasks.filter(pl.col("colour") == "red").height
    overdue_tasks = tasks.filter(
        pl.col("status").is_in(OPEN_STATUSES) & (pl.col("deadline") < today)
    )
    # 未按期报送 now: of the tasks still in the units' hands (a completed or submitted task
    # owes no more reports; its old misses are history, in the assessment)
    still_owing = raw.tasks.filter(pl.col("status").is_in(TASK_OPEN))["task_id"].implode()
    pairs = cycles.evaluate(raw, today, cal).pairs.filter(
        pl.col("missed_since").is_not_null() & pl.col("task_id").is_in(still_owing)
    )
    a = status.assignments
    per_unit: dict[int, dict[str, int]] = defaultdict(lambda: {"red": 0, "overdue": 0, "missed": 0})
    for r in a.filter(pl.col("colour") == "red").select("department_id").to_dicts():
        per_unit[r["department_id"]]["red"] += 1
    for r in (
        a.filter(pl.col("status").is_in(OPEN_STATUSES) & (pl.col("deadline") < today))
        .select("department_id")
        .to_dicts()
    ):
        per_unit[r["department_id"]]["overdue"] += 1
    for r in pairs.select("department_id").to_dicts():
        per_unit[r["department_id"]]["missed"] += 1
    ranked = sorted(
        (
            {"department_id": k, **v}
            for k, v in per_unit.items()
            if v["red"] or v["overdue"] or v["missed"]
        ),
        key=lambda w: (-(w["red"] + w["overdue"] + w["missed"]), -w["red"], w["department_id"]),
    )
    return {
        "red": red,
        "overdue": overdue_tasks.height,
        "missed_pairs": pairs.height,
        "missed_units": pairs["department_id"].n_unique() if pairs.height else 0,
        "worst": ranked[:top],
    }


# ------------------------------------------------------------------ the words
_SUBJECTS = {
    DUE_SOON: ("【临期提醒】任务“{one}”即将到期", "【临期提醒】{n}项任务即将到期"),
    OVERDUE: ("【逾期提醒】任务“{one}”已逾期", "【逾期提醒】{n}项任务已逾期，请尽快办理"),
    CYCLE_DUE: ("【报送提醒】任务“{one}”须按期报送进展", "【报送提醒】{n}项任务须按期报送进展"),
    CYCLE_MISSED: ("【未按期报送】任务“{one}”未按期报送进展", "【未按期报送】{n}次进展未按期报送"),
    RECTIFICATION_DUE: ("【整改提醒】1项整改事项须按期整改", "【整改提醒】{n}项整改事项须按期整改"),
    NOTICE_UNSIGNED: ("【签收提醒】1份通知尚未签收", "【签收提醒】{n}份通知尚未签收"),
}
_LEADS = {
    DUE_SOON: "以下任务将在{days}个工作日内到期，请抓紧推进并按时申请销号：",
    OVERDUE: "以下任务已超过完成时限仍未办结，请尽快办理或说明情况：",
    CYCLE_DUE: "以下任务的进展须按报送频次按期报送：",
    CYCLE_MISSED: "以下任务未按期报送进展（未按期报送），请尽快补报：",
    RECTIFICATION_DUE: "以下整改事项即将到期或已逾期，请按期整改并反馈：",
    NOTICE_UNSIGNED: "以下通知尚未签收，请及时签收并按要求办理：",
}


def _words(rule: str, r: Rule, lines: list[Item], today: dt.date) -> tuple[str, str]:
    if rule == WEEKLY_DIGEST:
        year, week, _ = today.isocalendar()
        subject = f"【每周督办摘要】{year}年第{week}周（截至{_cn(today)}）"
        return subject, f"截至{_cn(today)}：\n" + lines[0].text
    one, many = _SUBJECTS[rule]
    first = lines[0]
    name = first.text.split("（", 1)[0]
    subject = one.format(one=name) if len(lines) == 1 else many.format(n=len(lines))
    body = "\n".join(
        [_LEADS[rule].format(days=r.days), *(f"{k}. {i.text}" for k, i in enumerate(lines, 1))]
    )
    return subject, body + "\n请登录督办台办理。"


def _link(rule: str, lines: list[Item], role: str) -> str:
    if rule == WEEKLY_DIGEST:
        return "dashboard"
    if rule == NOTICE_UNSIGNED:
        return "notices"
    tasks = {i.task_id for i in lines}
    if len(tasks) == 1 and None not in tasks and role == Role.dept_head.value:
        return f"my_tasks?task={next(iter(tasks))}"
    return "inbox"
