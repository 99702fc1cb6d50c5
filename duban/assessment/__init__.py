"""Assessment (考核): the editable formula, score lines per unit, appeals, frozen snapshots."""

import calendar as _calendar_mod
import datetime as dt
import logging
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from sqlmodel import Session, col, select

from duban.core import audit, clock
from duban.core.errors import NotFound, PermissionDenied, ValidationFailed
from duban.core.permissions import Actor, can, require
from duban.core.services import check_version, get_or_404, write
from duban.core.stored import save_setting, stored_setting
from duban.monitoring import holidays
from duban.monitoring.workdays import WorkCalendar
from models import (
    AssessmentPeriod,
    AssessmentSnapshot,
    Assignment,
    AssignmentRole,
    Department,
    Finding,
    Inspection,
    InspectionDepartment,
    Instruction,
    InstructionAnswer,
    Notice,
    NoticeKind,
    NoticeRecipient,
    NoticeStatus,
    ProgressReport,
    Role,
    ScoreAppeal,
    Task,
    TaskStatus,
)

log = logging.getLogger(__name__)

FORMULA_KEY = "assessment_formula"
PERIOD_KINDS = {"month": "月度", "quarter": "季度", "year": "年度"}
PERIOD_STATUS = {"open": "考核中（可申诉）", "frozen": "已冻结发布"}
APPEAL_STATUS = {"pending": "待处理", "accepted": "已采纳（扣分撤销）", "rejected": "已驳回"}
LEVEL_LABELS = {"blue": "蓝色", "yellow": "黄色", "red": "红色"}
ROLE_LABELS = {"lead": "牵头", "responsible": "责任"}
RESULT_LABELS = {"good": "好", "fairly_good": "较好", "average": "一般", "poor": "差"}
_SKIP_STATUSES = {TaskStatus.draft, TaskStatus.cancelled, TaskStatus.suspended}


# ------------------------------------------------------------------ the formula

# name -> (kind, Chinese label, explanation). Kinds: base, bonus, deduction, cap, weight,
# days, floor. Deductions and caps are stored as the number of points taken off (≥ 0).
FORMULA_FIELDS: dict[str, tuple[str, str, str]] = {
    "base_score": ("base", "基础分", "每个单位的起点分"),
    "on_time_completion": ("bonus", "按期完成加分", "每项按期完成（销号）的任务，乘以分工权重"),
    "overdue_per_day": ("deduction", "逾期每工作日扣分", "本期内每逾期一个工作日，乘以分工权重"),
    "overdue_cap_per_task": ("cap", "单项任务逾期扣分封顶", "每项任务每期逾期扣分的上限"),
    "urging_blue": ("deduction", "蓝色催办扣分", "本期签发给本单位的蓝色催办通知，每份"),
    "urging_yellow": ("deduction", "黄色催办扣分", "黄色督办单，每份"),
    "urging_red": ("deduction", "红色催办扣分", "红色督办单，每份"),
    "unanswered_instruction": (
        "deduction",
        "批示未按时答复扣分",
        "领导批示在答复时限内本单位未答复，每条",
    ),
    "instruction_answer_days": ("days", "批示答复时限（工作日）", "批示下达后几个工作日内须答复"),
    "inspection_average": ("deduction", "督查结果“一般”扣分", "本期督查结果为一般，每次"),
    "inspection_poor": ("deduction", "督查结果“差”扣分", "本期督查结果为差，每次"),
    "overdue_rectification": ("deduction", "整改逾期扣分", "整改期限届满未答复整改情况，每项"),
    "commendation": ("bonus", "通报表扬加分", "本期通报表扬本单位，每份"),
    "lead_weight": ("weight", "牵头单位权重", "牵头任务计入负荷及任务类得分的系数"),
    "responsible_weight": ("weight", "责任单位权重", "责任任务的系数，不得高于牵头"),
    "min_load": ("floor", "最低负荷", "负荷低于此值时按此值折算，避免任务极少的单位被放大"),
}


@dataclass
class Formula:
    """The published scoring rules; the office edits them on the page (AppSetting)."""

    base_score: float = 100.0
    on_time_completion: float = 2.0
    overdue_per_day: float = 0.5
    overdue_cap_per_task: float = 10.0
    urging_blue: float = 1.0
    urging_yellow: float = 2.0
    urging_red: float = 4.0
    unanswered_instruction: float = 2.0
    instruction_answer_days: int = 5
    inspection_average: float = 1.0
    inspection_poor: float = 3.0
    overdue_rectification: float = 2.0
    commendation: float = 3.0
    lead_weight: float = 1.0
    responsible_weight: float = 0.5
    min_load: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def role_weight(self, role: str) -> float:
        return self.lead_weight if role == AssignmentRole.lead else self.responsible_weight

    def validate(self) -> list[str]:
        """Chinese messages for broken or contradictory rules; empty if fine."""
        errs: list[str] = []
        for name, (kind, label, _) in FORMULA_FIELDS.items():
            v = getattr(self, name)
            if kind == "days":
                if v < 0 or v > 60:
                    errs.append(f"“{label}”须在 0 到 60 个工作日之间（当前 {v}）")
            elif kind == "deduction" and v < 0:
                errs.append(
                    f"扣分项“{label}”请填写扣几分（正数），不能为负数（当前 {v:g}）："
                    "负数会把扣分变成加分"
                )
            elif kind == "bonus" and v < 0:
                errs.append(f"加分项“{label}”不能为负数（当前 {v:g}）")
            elif kind == "cap" and v < 0:
                errs.append(f"“{label}”不能为负数（当前 {v:g}）")
            elif kind in ("weight", "floor") and v <= 0:
                if not (name == "responsible_weight" and v == 0):
                    errs.append(f"“{label}”须大于 0（当前 {v:g}）")
            elif kind == "base" and not 0 <= v <= 1000:
                errs.append(f"“{label}”须在 0 到 1000 之间（当前 {v:g}）")
            if kind in ("deduction", "bonus", "cap") and v > 100:
                errs.append(f"“{label}”不能超过 100 分（当前 {v:g}）")
        if 0 <= self.overdue_cap_per_task < self.overdue_per_day:
            errs.append(
                f"单项任务逾期扣分封顶（{self.overdue_cap_per_task:g}）不能低于"
                f"逾期每工作日扣分（{self.overdue_per_day:g}）"
            )
        if self.overdue_per_day > 0 and self.overdue_cap_per_task == 0:
            errs.append("设置了逾期扣分却把封顶设为 0，逾期将不扣分：请调整封顶或把每日扣分设为 0")
        if not self.urging_blue <= self.urging_yellow <= self.urging_red:
            errs.append(
                "催办扣分应随等级递增：蓝色 ≤ 黄色 ≤ 红色"
                f"（当前 {self.urging_blue:g} / {self.urging_yellow:g} / {self.urging_red:g}）"
            )
        if self.inspection_average > self.inspection_poor:
            errs.append(
                f"督查结果“差”的扣分（{self.inspection_poor:g}）不能低于"
                f"“一般”的扣分（{self.inspection_average:g}）"
            )
        if self.responsible_weight > self.lead_weight:
            errs.append(
                f"责任单位权重（{self.responsible_weight:g}）不能高于"
                f"牵头单位权重（{self.lead_weight:g}）"
            )
        return errs

    @classmethod
    def from_dict(cls, d: Any) -> "Formula":
        """Build from (JSON) values; missing keys take defaults; ValidationFailed (Chinese)."""
        if not isinstance(d, dict):
            raise ValidationFailed("评分规则须为键值对象。")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(map(str, set(d) - set(known)))
        if unknown:
            raise ValidationFailed(f"未知的评分规则项：{'、'.join(unknown)}。")
        values: dict[str, Any] = {}
        errs: list[str] = []
        for name, v in d.items():
            label = FORMULA_FIELDS[name][1]
            if isinstance(v, str):
                try:
                    v = float(v.strip())
                except ValueError:
                    errs.append(f"“{label}”须为数字")
                    continue
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                errs.append(f"“{label}”须为数字")
                continue
            if isinstance(known[name].default, int) and not isinstance(known[name].default, bool):
                if float(v) != int(v):
                    errs.append(f"“{label}”须为整数")
                    continue
                v = int(v)
            else:
                v = float(v)
            values[name] = v
        if errs:
            raise ValidationFailed("；".join(errs) + "。")
        formula = cls(**values)
        problems = formula.validate()
        if problems:
            raise ValidationFailed("；".join(problems) + "。")
        return formula


def load_formula(session: Session) -> tuple[Formula, int]:
    """The stored formula (defaults if none) and its version for the editor."""
    value, version = stored_setting(session, FORMULA_KEY)
    if value is None:
        return Formula(), version
    try:
        return Formula.from_dict(value), version
    except ValidationFailed as exc:
        log.warning("stored assessment formula is invalid (%s); the defaults apply", exc)
        return Formula(), version


def save_formula(
    session: Session, *, actor: Actor, values: dict, expected_version: int | None
) -> Formula:
    """Validate and store the formula; a broken rule is refused and nothing changes.

    ``expected_version`` is what ``load_formula`` gave the editor; StaleEdit if someone
    saved since. None skips the check.
    """
    require(actor, "assessment.manage")
    formula = Formula.from_dict(values)
    with write(session):
        save_setting(
            session,
            actor=actor,
            key=FORMULA_KEY,
            value=formula.to_dict(),
            expected_version=expected_version,
            action="assessment_formula.update",
        )
    return formula


def explain_method(formula: Formula) -> list[str]:
    """The method in words, with the current numbers (shown on the page and in the bulletin)."""
    f = formula
    return [
        f"每个单位从基础分 {f.base_score:g} 分起算，本期发生的每一件事记一行得分明细，"
        "每一行都注明来源（任务、填报、通知、督查、整改项），单位可逐条核对。",
        f"任务类：本期按期完成（本单位在完成时限前填报完成，任务已销号）每项加 "
        f"{f.on_time_completion:g} 分；逾期未完成的，本期内每逾期一个工作日扣 "
        f"{f.overdue_per_day:g} 分，每项任务每期最多扣 {f.overdue_cap_per_task:g} 分。"
        f"牵头任务乘以 {f.lead_weight:g}，责任任务乘以 {f.responsible_weight:g}；"
        "逾期按各单位自己的完成填报计算，谁造成逾期扣谁。工作日按国家法定节假日和调休计算。",
        f"督办类：本期签发的催办通知蓝色每份扣 {f.urging_blue:g} 分、黄色扣 "
        f"{f.urging_yellow:g} 分、红色扣 {f.urging_red:g} 分；领导批示 "
        f"{f.instruction_answer_days} 个工作日内未答复每条扣 {f.unanswered_instruction:g} 分；"
        f"督查结果“一般”扣 {f.inspection_average:g} 分、“差”扣 {f.inspection_poor:g} 分；"
        f"整改项到期未答复每项扣 {f.overdue_rectification:g} 分；通报表扬每份加 "
        f"{f.commendation:g} 分。",
        "按任务负荷折算，忙的单位不因任务多而吃亏：负荷 = 本期在办任务的权重 × 分工权重之和"
        f"（牵头 {f.lead_weight:g}，责任 {f.responsible_weight:g}）。"
        "得分 = 基础分 + 原始得分 × 平均负荷 ÷ 本单位负荷；"
        f"负荷低于 {f.min_load:g} 的按 {f.min_load:g} 计。"
        "即比较的是“每单位负荷的得失分”，任务多的单位扣分多、加分也多，折算后与任务少的单位可比。",
        "考核期结束后开放申诉：单位可对某一条扣分提出申诉并说明理由，办公室采纳的该条扣分撤销，"
        "驳回的说明理由；处理完毕后冻结发布，成绩单以冻结时的快照为准，此后数据变动不再影响。",
    ]


# ------------------------------------------------------------------ periods


def period_bounds(kind: str, day: dt.date) -> tuple[dt.date, dt.date, str]:
    """The month/quarter/year containing `day`, and its Chinese label."""
    y = day.year
    if kind == "month":
        last = _calendar_mod.monthrange(y, day.month)[1]
        return dt.date(y, day.month, 1), dt.date(y, day.month, last), f"{y}年{day.month}月"
    if kind == "quarter":
        q = (day.month - 1) // 3
        start = dt.date(y, 3 * q + 1, 1)
        end_month = 3 * q + 3
        end = dt.date(y, end_month, _calendar_mod.monthrange(y, end_month)[1])
        return start, end, f"{y}年第{'一二三四'[q]}季度"
    if kind == "year":
        return dt.date(y, 1, 1), dt.date(y, 12, 31), f"{y}年度"
    raise ValidationFailed("考核期类型须为月度、季度或年度。")


def list_periods(session: Session, kind: str | None = None) -> list[AssessmentPeriod]:
    q = select(AssessmentPeriod)
    if kind:
        q = q.where(AssessmentPeriod.kind == kind)
    return list(session.exec(q.order_by(col(AssessmentPeriod.start).desc())).all())


def create_period(session: Session, *, actor: Actor, kind: str, day: dt.date) -> AssessmentPeriod:
    require(actor, "assessment.manage")
    start, end, label = period_bounds(kind, day)
    if start > clock.today():
        raise ValidationFailed(f"{label}尚未开始，不能建立考核期。")
    with write(session):
        dup = session.exec(
            select(AssessmentPeriod).where(
                AssessmentPeriod.kind == kind, AssessmentPeriod.start == start
            )
        ).first()
        if dup:
            raise ValidationFailed(f"考核期“{label}”已存在。")
        p = AssessmentPeriod(kind=kind, label=label, start=start, end=end, created_by=actor.user_id)
        session.add(p)
        audit.record(session, actor, "assessment_period.create", p)
    return p


# ------------------------------------------------------------------ score lines


@dataclass
class ScoreLine:
    """One event's points for one unit, with the record it came from."""

    key: str
    department_id: int
    category: str
    points: float
    detail: str
    source_type: str  # task / notice / instruction / inspection / finding
    source_id: int
    source_ref: str  # what a person reads: 任务 四(二)、督办〔2026〕1号 …
    day: str  # ISO date of the event
    task_id: int | None = None
    report_id: int | None = None
    status: str = "counted"  # counted / withdrawn (appeal accepted)
    original_points: float | None = None
    appeal_id: int | None = None

    def to_dict(self) -> dict:
        return dict(self.__dict__)  # flat values only: much cheaper than asdict's deep copy


@dataclass
class UnitResult:
    department_id: int
    department_name: str
    raw_points: float
    load: float
    factor: float
    score: float
    rank: int
    lines: list[dict] = field(default_factory=list)
    prev_score: float | None = None
    prev_rank: int | None = None

    @property
    def delta(self) -> float | None:
        return None if self.prev_score is None else round(self.score - self.prev_score, 2)

    @property
    def rank_change(self) -> int | None:
        return None if self.prev_rank is None else self.prev_rank - self.rank


@dataclass
class PeriodResult:
    period_id: int
    label: str
    kind: str
    start: dt.date
    end: dt.date
    status: str
    as_of: dt.date
    formula: dict
    reference_load: float
    units: list[UnitResult]
    unit_count: int
    frozen_at: dt.datetime | None = None
    previous_label: str | None = None

    def top(self, n: int = 3) -> list[UnitResult]:
        """The best n units, and any unit tied with the n-th."""
        ordered = sorted(self.units, key=lambda u: (u.rank, u.department_name))
        if not ordered or n <= 0:
            return []
        cut = ordered[min(n, len(ordered)) - 1].rank
        return [u for u in ordered if u.rank <= cut]

    def bottom(self, n: int = 3) -> list[UnitResult]:
        """The worst n units (worst first), and any unit tied with the n-th from the end."""
        ordered = sorted(self.units, key=lambda u: (-u.rank, u.department_name))
        if not ordered or n <= 0:
            return []
        cut = ordered[min(n, len(ordered)) - 1].rank
        return [u for u in ordered if u.rank >= cut]


def _d(x: Any) -> dt.date | None:
    if x is None:
        return None
    if isinstance(x, dt.datetime):
        return x.date()
    if isinstance(x, dt.date):
        return x
    return dt.date.fromisoformat(str(x)[:10])


def _task_ref(code: str | None, title: str) -> str:
    return f"任务 {code} {title}" if code else f"任务 {title}"


def compute_lines(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    formula: Formula,
    cal: WorkCalendar,
) -> tuple[list[ScoreLine], dict[int, float], dict[int, str]]:
    """Every score line in [start, end] counted up to `today`, each unit's load, unit names."""
    f = formula
    as_of = min(end, today)
    end_dt = dt.datetime.combine(end, dt.time.max)
    start_dt = dt.datetime.combine(start, dt.time.min)
    lines: list[ScoreLine] = []
    names = {
        d.id: d.name
        for d in session.exec(select(Department).where(Department.active == True))  # noqa: E712
    }

    # Tasks and assignments.
    rows = session.exec(
        select(
            Assignment.task_id,
            Assignment.department_id,
            Assignment.role,
            Assignment.assigned_at,
            Task.code,
            Task.title,
            Task.status,
            Task.weight,
            Task.deadline,
            Task.assigned_at,
            Task.completed_at,
        ).join(Task, col(Task.id) == Assignment.task_id)
    ).all()
    # A unit's own finish: its first report at 100 %.
    finished: dict[tuple[int, int], tuple[dt.date, int]] = {}
    for rid, tid, did, at in session.exec(
        select(
            ProgressReport.id,
            ProgressReport.task_id,
            ProgressReport.department_id,
            ProgressReport.reported_at,
        )
        .where(ProgressReport.percent >= 100)
        .order_by(col(ProgressReport.reported_at))
    ).all():
        finished.setdefault((tid, did), (_d(at), rid))
    load: dict[int, float] = {}
    assigned_to: dict[int, list[tuple[int, str]]] = {}
    for tid, did, role, a_at, code, title, status, weight, deadline, t_at, done_at in rows:
        if TaskStatus(status) in _SKIP_STATUSES:
            continue
        assigned_to.setdefault(tid, []).append((did, role))
        w = f.role_weight(role)
        rep = finished.get((tid, did))
        done = _d(done_at)
        own_finish = rep[0] if rep else None
        if done is not None:
            own_finish = min(own_finish, done) if own_finish else done
        assigned = _d(a_at or t_at)
        # Load: assigned by the period's end and not finished before it began.
        if (assigned is None or assigned <= end) and (own_finish is None or own_finish >= start):
            load[did] = load.get(did, 0.0) + float(weight) * w
        ref = _task_ref(code, title)
        role_txt = f"{ROLE_LABELS.get(role, role)}×{w:g}"
        on_time = own_finish is not None and deadline is not None and own_finish <= deadline
        pts = round(f.on_time_completion * w, 2)
        if done is not None and start <= done <= end and on_time and pts:
            lines.append(
                ScoreLine(
                    key=f"ontime:task:{tid}:d{did}",
                    department_id=did,
                    category="按期完成",
                    points=pts,
                    detail=f"{own_finish} 完成（时限 {deadline}），{role_txt}",
                    source_type="task",
                    source_id=tid,
                    source_ref=ref,
                    day=done.isoformat(),
                    task_id=tid,
                    report_id=rep[1] if rep else None,
                )
            )
        if deadline is None:
            continue
        stop = min(own_finish or as_of, as_of)
        begin = max(deadline, start - dt.timedelta(days=1))
        days = cal.working_days_between(begin, stop) if stop > begin else 0
        if days > 0 and f.overdue_per_day > 0:
            raw = days * f.overdue_per_day
            capped = min(raw, f.overdue_cap_per_task)
            pts = -round(capped * w, 2)
            cap_txt = f"，封顶 {f.overdue_cap_per_task:g}" if capped < raw else ""
            lines.append(
                ScoreLine(
                    key=f"overdue:task:{tid}:d{did}",
                    department_id=did,
                    category="任务逾期",
                    points=pts,
                    detail=(
                        f"时限 {deadline}，本期逾期 {days} 个工作日 × {f.overdue_per_day:g}"
                        f"{cap_txt}，{role_txt}"
                        + (
                            f"（{own_finish} 完成）"
                            if own_finish and own_finish <= as_of
                            else f"（截至 {as_of} 未完成）"
                        )
                    ),
                    source_type="task",
                    source_id=tid,
                    source_ref=ref,
                    day=stop.isoformat(),
                    task_id=tid,
                    report_id=rep[1] if rep else None,
                )
            )

    # Notices: urging (by level) and commendations, by issue date.
    for nid, kind, level, doc_no, title, issued_at, did in session.exec(
        select(
            Notice.id,
            Notice.kind,
            Notice.level,
            Notice.doc_number,
            Notice.title,
            Notice.issued_at,
            NoticeRecipient.department_id,
        )
        .join(NoticeRecipient, col(NoticeRecipient.notice_id) == Notice.id)
        .where(
            Notice.status == NoticeStatus.issued,
            col(Notice.kind).in_([NoticeKind.urging, NoticeKind.commendation]),
            col(Notice.issued_at) >= start_dt,
            col(Notice.issued_at) <= end_dt,
        )
    ).all():
        issued = _d(issued_at)
        if issued > as_of:
            continue
        ref = f"通知 {doc_no or f'#{nid}'} {title}"
        if kind == NoticeKind.urging:
            lvl = level if level in LEVEL_LABELS else "blue"
            pts = -getattr(f, f"urging_{lvl}")
            cat, detail = "催办通知", f"{LEVEL_LABELS[lvl]}催办，{issued} 签发"
        else:
            pts, cat, detail = f.commendation, "通报表扬", f"{issued} 通报表扬"
        if pts:
            lines.append(
                ScoreLine(
                    key=f"notice:notice:{nid}:d{did}",
                    department_id=did,
                    category=cat,
                    points=round(pts, 2),
                    detail=detail,
                    source_type="notice",
                    source_id=nid,
                    source_ref=ref,
                    day=issued.isoformat(),
                )
            )

    # Instructions: each assigned unit answers within N working days.
    if f.unanswered_instruction > 0:
        first_answer: dict[tuple[int, int], dt.date] = {}
        for iid, did, at in session.exec(
            select(
                InstructionAnswer.instruction_id,
                InstructionAnswer.department_id,
                InstructionAnswer.created_at,
            ).order_by(col(InstructionAnswer.created_at))
        ).all():
            if did is not None:
                first_answer.setdefault((iid, did), _d(at))
        for iid, tid, created, code, title in session.exec(
            select(
                Instruction.id, Instruction.task_id, Instruction.created_at, Task.code, Task.title
            )
            .join(Task, col(Task.id) == Instruction.task_id)
            .where(col(Instruction.created_at) <= end_dt)
        ).all():
            due = cal.add_working_days(_d(created), f.instruction_answer_days)
            if not (start <= due <= end and due < today):
                continue
            for did, _role in assigned_to.get(tid, []):
                ans = first_answer.get((iid, did))
                if ans is not None and ans <= due:
                    continue
                late = f"{ans} 才答复" if ans else "至今未答复"
                lines.append(
                    ScoreLine(
                        key=f"instruction:instruction:{iid}:d{did}",
                        department_id=did,
                        category="批示未按时答复",
                        points=-f.unanswered_instruction,
                        detail=f"{_d(created)} 批示，应于 {due} 前答复，{late}",
                        source_type="instruction",
                        source_id=iid,
                        source_ref=f"批示 #{iid}（{_task_ref(code, title)}）",
                        day=due.isoformat(),
                        task_id=tid,
                    )
                )

    # Inspections with a poor result, charged to each unit inspected.
    for iid, day, result, did in session.exec(
        select(
            Inspection.id,
            Inspection.inspected_on,
            Inspection.result,
            InspectionDepartment.department_id,
        )
        .join(InspectionDepartment, col(InspectionDepartment.inspection_id) == Inspection.id)
        .where(
            col(Inspection.result).in_(["average", "poor"]),
            col(Inspection.inspected_on) >= start,
            col(Inspection.inspected_on) <= as_of,
        )
    ).all():
        pts = f.inspection_poor if result == "poor" else f.inspection_average
        if pts:
            lines.append(
                ScoreLine(
                    key=f"inspection:inspection:{iid}:d{did}",
                    department_id=did,
                    category="督查结果",
                    points=-pts,
                    detail=f"{day} 督查，结果“{RESULT_LABELS.get(result, result)}”",
                    source_type="inspection",
                    source_id=iid,
                    source_ref=f"督查 #{iid}",
                    day=_d(day).isoformat(),
                )
            )

    # Rectification items not answered by their due date.
    if f.overdue_rectification > 0:
        for fid, did, tid, desc, due, answered in session.exec(
            select(
                Finding.id,
                Finding.department_id,
                Finding.task_id,
                Finding.description,
                Finding.due_date,
                Finding.answered_at,
            ).where(col(Finding.due_date) >= start, col(Finding.due_date) <= end)
        ).all():
            if not due < today:
                continue
            ans = _d(answered)
            if ans is not None and ans <= due:
                continue
            late = f"{ans} 才答复" if ans else "至今未答复"
            lines.append(
                ScoreLine(
                    key=f"finding:finding:{fid}:d{did}",
                    department_id=did,
                    category="整改逾期",
                    points=-f.overdue_rectification,
                    detail=f"整改期限 {due}，{late}：{desc[:40]}",
                    source_type="finding",
                    source_id=fid,
                    source_ref=f"整改项 #{fid}",
                    day=_d(due).isoformat(),
                    task_id=tid,
                )
            )
    lines.sort(key=lambda x: (x.department_id, x.day, x.key))
    return lines, load, names


def _rank(scores: dict[int, float]) -> dict[int, int]:
    """Competition ranking (1, 1, 3): equal scores share a place."""
    ordered = sorted(scores.values(), reverse=True)
    return {d: ordered.index(s) + 1 for d, s in scores.items()}


def score_units(
    lines: list[ScoreLine],
    load: dict[int, float],
    names: dict[int, str],
    formula: Formula,
    accepted: dict[str, int] | None = None,
) -> tuple[list[UnitResult], float]:
    """Sum lines per unit (appeal-accepted lines count 0), normalise by load, rank."""
    accepted = accepted or {}
    by_unit: dict[int, list[ScoreLine]] = {}
    for ln in lines:
        appeal = accepted.get(f"{ln.department_id}|{ln.key}")
        if appeal is not None:
            ln.status, ln.original_points, ln.points, ln.appeal_id = (
                "withdrawn",
                ln.points,
                0.0,
                appeal,
            )
        by_unit.setdefault(ln.department_id, []).append(ln)
    units = {d for d, v in load.items() if v > 0} | set(by_unit)
    units = {d for d in units if d in names}
    loads = [load[d] for d in units if load.get(d, 0) > 0]
    reference = round(sum(loads) / len(loads), 4) if loads else 1.0
    raw = {d: round(sum(x.points for x in by_unit.get(d, [])), 2) for d in units}
    results: dict[int, UnitResult] = {}
    for d in units:
        ld = round(load.get(d, 0.0), 4)
        factor = round(reference / max(ld, formula.min_load), 4)
        score = round(formula.base_score + raw[d] * factor, 2)
        results[d] = UnitResult(
            department_id=d,
            department_name=names[d],
            raw_points=raw[d],
            load=ld,
            factor=factor,
            score=score,
            rank=0,
            lines=[x.to_dict() for x in by_unit.get(d, [])],
        )
    ranks = _rank({d: r.score for d, r in results.items()})
    for d, r in results.items():
        r.rank = ranks[d]
    ordered = sorted(results.values(), key=lambda r: (r.rank, r.department_name))
    return ordered, reference


# ------------------------------------------------------------------ reading results


def _can_read_unit(actor: Actor, department_id: int | None) -> bool:
    if can(actor, "assessment.read_all"):
        return True
    return (
        actor.role == Role.dept_head
        and department_id is not None
        and actor.department_id == department_id
    )


def _accepted(session: Session, period_id: int) -> dict[str, int]:
    rows = session.exec(
        select(ScoreAppeal).where(
            ScoreAppeal.period_id == period_id, ScoreAppeal.status == "accepted"
        )
    ).all()
    return {f"{a.department_id}|{a.line_key}": a.id for a in rows}


def _compute(session: Session, period: AssessmentPeriod, today: dt.date | None = None):
    if period.status == "frozen":
        snaps = session.exec(
            select(AssessmentSnapshot).where(AssessmentSnapshot.period_id == period.id)
        ).all()
        formula = period.formula or {}
        loads = [s.load for s in snaps if s.load > 0]
        reference = round(sum(loads) / len(loads), 4) if loads else 1.0
        floor = float(formula.get("min_load", 1.0))
        units = [
            UnitResult(
                department_id=s.department_id,
                department_name=s.department_name,
                raw_points=s.raw_points,
                load=s.load,
                factor=round(reference / max(s.load, floor), 4),
                score=s.score,
                rank=s.rank,
                lines=list(s.lines),
            )
            for s in sorted(snaps, key=lambda s: (s.rank, s.department_name))
        ]
        return units, reference, formula, period.end
    today = today or clock.today()
    formula, _ = load_formula(session)
    lines, load, names = compute_lines(
        session,
        start=period.start,
        end=period.end,
        today=today,
        formula=formula,
        cal=holidays.load_calendar(session),
    )
    units, reference = score_units(lines, load, names, formula, _accepted(session, period.id))
    return units, reference, formula.to_dict(), min(period.end, today)


def _previous(session: Session, period: AssessmentPeriod) -> AssessmentPeriod | None:
    return session.exec(
        select(AssessmentPeriod)
        .where(AssessmentPeriod.kind == period.kind, AssessmentPeriod.end < period.start)
        .order_by(col(AssessmentPeriod.start).desc())
    ).first()


def period_result(
    session: Session, *, actor: Actor, period_id: int, today: dt.date | None = None
) -> PeriodResult:
    """The ranking with every line; a department head gets its own unit only."""
    if not can(actor, "assessment.read_all") and actor.role != Role.dept_head:
        raise PermissionDenied("无权查看考核结果。")
    period = get_or_404(session, AssessmentPeriod, period_id, "考核期")
    units, reference, formula, as_of = _compute(session, period, today)
    prev = _previous(session, period)
    if prev is not None:
        prev_units, *_ = _compute(session, prev, today)
        by_id = {u.department_id: u for u in prev_units}
        for u in units:
            p = by_id.get(u.department_id)
            if p is not None:
                u.prev_score, u.prev_rank = p.score, p.rank
    count = len(units)
    if not can(actor, "assessment.read_all"):
        units = [u for u in units if u.department_id == actor.department_id]
    return PeriodResult(
        period_id=period.id,
        label=period.label,
        kind=period.kind,
        start=period.start,
        end=period.end,
        status=period.status,
        as_of=as_of,
        formula=formula,
        reference_load=reference,
        units=units,
        unit_count=count,
        frozen_at=period.frozen_at,
        previous_label=prev.label if prev else None,
    )


def unit_result(
    session: Session, *, actor: Actor, period_id: int, department_id: int
) -> UnitResult | None:
    """One unit's score and lines; a department head may only read its own unit."""
    if not _can_read_unit(actor, department_id):
        raise PermissionDenied("无权查看其他单位的考核明细：只能查看本单位。")
    res = period_result(session, actor=actor, period_id=period_id)
    return next((u for u in res.units if u.department_id == department_id), None)


def trend(session: Session, *, actor: Actor, kind: str, until: dt.date | None = None) -> list[dict]:
    """Each unit's score in every period of one kind (starting by `until`), oldest first.

    A department head gets its own unit only.
    """
    if not can(actor, "assessment.read_all") and actor.role != Role.dept_head:
        raise PermissionDenied("无权查看考核结果。")
    own_only = not can(actor, "assessment.read_all")
    out = []
    for p in reversed(list_periods(session, kind)):
        if until is not None and p.start > until:
            continue
        units, *_ = _compute(session, p)
        for u in units:
            if own_only and u.department_id != actor.department_id:
                continue
            out.append(
                {
                    "period": p.label,
                    "start": p.start,
                    "department": u.department_name,
                    "score": u.score,
                    "rank": u.rank,
                }
            )
    return out


# ------------------------------------------------------------------ appeals


def list_appeals(
    session: Session, *, actor: Actor, period_id: int, department_id: int | None = None
) -> list[ScoreAppeal]:
    if not can(actor, "assessment.read_all"):
        if actor.role != Role.dept_head or actor.department_id is None:
            raise PermissionDenied("无权查看申诉。")
        if department_id not in (None, actor.department_id):
            raise PermissionDenied("无权查看其他单位的申诉：只能查看本单位。")
        department_id = actor.department_id
    q = select(ScoreAppeal).where(ScoreAppeal.period_id == period_id)
    if department_id is not None:
        q = q.where(ScoreAppeal.department_id == department_id)
    return list(session.exec(q.order_by(col(ScoreAppeal.id))).all())


def create_appeal(
    session: Session,
    *,
    actor: Actor,
    period_id: int,
    department_id: int,
    line_key: str,
    reason: str,
) -> ScoreAppeal:
    """A unit contests one of its own deduction lines while the period is still open."""
    require(actor, "appeal.create", department_id=department_id)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed("请写明申诉理由（至少 5 个字）。")
    if len(reason) > 1000:
        raise ValidationFailed("申诉理由不能超过 1000 个字。")
    with write(session):
        period = get_or_404(session, AssessmentPeriod, period_id, "考核期")
        if period.status != "open":
            raise ValidationFailed(f"考核期“{period.label}”已冻结，申诉期已结束。")
        units, *_ = _compute(session, period)
        unit = next((u for u in units if u.department_id == department_id), None)
        line = next((x for x in (unit.lines if unit else []) if x["key"] == line_key), None)
        if line is None:
            raise NotFound("本单位本期没有这条得分明细（可能数据已变化，请刷新）。")
        if line["status"] != "counted" or line["points"] >= 0:
            raise ValidationFailed("只能对计入得分的扣分项提出申诉。")
        existing = session.exec(
            select(ScoreAppeal).where(
                ScoreAppeal.period_id == period_id,
                ScoreAppeal.department_id == department_id,
                ScoreAppeal.line_key == line_key,
            )
        ).all()
        for a in existing:
            if a.status == "pending":
                raise ValidationFailed("这条扣分已有待处理的申诉，请等待办公室处理。")
            if a.status == "rejected":
                raise ValidationFailed("这条扣分的申诉已被驳回，不能重复申诉。")
        appeal = ScoreAppeal(
            period_id=period_id,
            department_id=department_id,
            line_key=line_key,
            line_text=f"{line['category']} {line['points']:g}：{line['detail']}（{line['source_ref']}）",
            points=line["points"],
            reason=reason,
            created_by=actor.user_id,
        )
        session.add(appeal)
        audit.record(session, actor, "score_appeal.create", appeal)
    return appeal


def decide_appeal(
    session: Session,
    *,
    actor: Actor,
    appeal_id: int,
    accept: bool,
    note: str = "",
    expected_version: int | None = None,
) -> ScoreAppeal:
    """The office accepts (the deduction is withdrawn) or rejects (with a reason)."""
    require(actor, "assessment.manage")
    note = (note or "").strip()
    if not accept and len(note) < 2:
        raise ValidationFailed("驳回申诉须写明理由。")
    with write(session):
        appeal = get_or_404(session, ScoreAppeal, appeal_id, "申诉")
        check_version(appeal, expected_version)
        if appeal.status != "pending":
            raise ValidationFailed("该申诉已处理，不能重复处理。")
        period = get_or_404(session, AssessmentPeriod, appeal.period_id, "考核期")
        if period.status != "open":
            raise ValidationFailed("考核期已冻结，不能再处理申诉。")
        before = audit.snapshot(appeal)
        appeal.status = "accepted" if accept else "rejected"
        appeal.decided_at = clock.now()
        appeal.decided_by = actor.user_id
        appeal.decision_note = note or None
        audit.record(
            session,
            actor,
            "score_appeal.accept" if accept else "score_appeal.reject",
            appeal,
            before=before,
            note=appeal.line_text[:200],
        )
    return appeal


# ------------------------------------------------------------------ freezing


def freeze_period(
    session: Session, *, actor: Actor, period_id: int, expected_version: int | None
) -> AssessmentPeriod:
    """Store the snapshot (scores, ranks, lines, formula) and close the appeal window."""
    require(actor, "assessment.manage")
    with write(session):
        period = get_or_404(session, AssessmentPeriod, period_id, "考核期")
        check_version(period, expected_version)
        if period.status != "open":
            raise ValidationFailed(f"考核期“{period.label}”已冻结。")
        if period.end >= clock.today():
            raise ValidationFailed(
                f"考核期“{period.label}”到 {period.end} 才结束，结束后才能冻结发布。"
            )
        pending = session.exec(
            select(ScoreAppeal).where(
                ScoreAppeal.period_id == period.id, ScoreAppeal.status == "pending"
            )
        ).all()
        if pending:
            raise ValidationFailed(f"还有 {len(pending)} 条申诉未处理，处理完毕后才能冻结。")
        units, _reference, formula, _ = _compute(session, period)
        for u in units:
            session.add(
                AssessmentSnapshot(
                    period_id=period.id,
                    department_id=u.department_id,
                    department_name=u.department_name,
                    raw_points=u.raw_points,
                    load=u.load,
                    score=u.score,
                    rank=u.rank,
                    lines=u.lines,
                )
            )
        before = audit.snapshot(period)
        period.status = "frozen"
        period.formula = formula
        period.frozen_at = clock.now()
        period.frozen_by = actor.user_id
        audit.record(
            session,
            actor,
            "assessment_period.freeze",
            period,
            before=before,
            note=f"冻结发布 {len(units)} 个单位的成绩",
        )
    return period


# ------------------------------------------------------------------ exports

LINE_STATUS = {"counted": "计入", "withdrawn": "申诉成立已撤销"}


def _fmt_delta(v: float | int | None, *, points: bool = True) -> str:
    if v is None:
        return "—"
    if v == 0:
        return "持平"
    return f"{v:+.2f}" if points else (f"↑{v}" if v > 0 else f"↓{-v}")


def ranking_rows(result: PeriodResult) -> list[dict]:
    """The scorecard as plain rows (for tables, Excel and the bulletin)."""
    return [
        {
            "名次": u.rank,
            "单位": u.department_name,
            "得分": u.score,
            "较上期得分": _fmt_delta(u.delta),
            "名次变化": _fmt_delta(u.rank_change, points=False),
            "原始得分": u.raw_points,
            "任务负荷": u.load,
            "折算系数": u.factor,
            "明细条数": len(u.lines),
        }
        for u in sorted(result.units, key=lambda u: (u.rank, u.department_name))
    ]


def line_rows(unit: UnitResult) -> list[dict]:
    return [
        {
            "类别": ln["category"],
            "分值": ln["points"],
            "说明": ln["detail"],
            "来源": ln["source_ref"]
            + (f" · 填报 #{ln['report_id']}" if ln.get("report_id") else ""),
            "日期": ln["day"],
            "状态": LINE_STATUS.get(ln["status"], ln["status"])
            + (f"（原 {ln['original_points']:g}）" if ln.get("original_points") else ""),
            "明细编号": ln["key"],
        }
        for ln in unit.lines
    ]


def scorecard_xlsx(result: PeriodResult) -> bytes:
    """Excel workbook: the ranking, every line of every unit, and the formula used."""
    import io

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    head = wb.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1})
    cell = wb.add_format({"border": 1})
    title = wb.add_format({"bold": True, "font_size": 14})
    status = PERIOD_STATUS.get(result.status, result.status)

    def sheet(name: str, caption: str, rows: list[dict], widths: dict[str, int]) -> None:
        ws = wb.add_worksheet(name)
        ws.write(0, 0, caption, title)
        cols = list(rows[0]) if rows else list(widths)
        for j, c in enumerate(cols):
            ws.write(2, j, c, head)
            ws.set_column(j, j, widths.get(c, 12))
        for i, r in enumerate(rows, start=3):
            for j, c in enumerate(cols):
                ws.write(i, j, r.get(c), cell)
        ws.freeze_panes(3, 0)

    sheet(
        "成绩单",
        f"{result.label}考核成绩单（{result.start}至{result.end}，{status}）",
        ranking_rows(result),
        {"单位": 26, "较上期得分": 12, "名次变化": 10},
    )
    details = [
        {"单位": u.department_name, **row}
        for u in sorted(result.units, key=lambda u: u.rank)
        for row in line_rows(u)
    ]
    sheet(
        "得分明细",
        f"{result.label}得分明细（每条注明来源，可逐条核对）",
        details,
        {"单位": 26, "说明": 60, "来源": 40, "明细编号": 34, "状态": 18},
    )
    formula_rows = [
        {"项目": FORMULA_FIELDS[k][1], "分值/系数": v, "说明": FORMULA_FIELDS[k][2]}
        for k, v in result.formula.items()
        if k in FORMULA_FIELDS
    ]
    sheet("评分规则", "本期使用的评分规则", formula_rows, {"项目": 26, "说明": 60})
    ws = wb.add_worksheet("计分方法")
    for i, text in enumerate(explain_method(Formula.from_dict(result.formula))):
        ws.write(i, 0, text)
    ws.set_column(0, 0, 140)
    wb.close()
    return buf.getvalue()


def scorecard_document(session: Session, *, actor: Actor, period_id: int):
    """The published scorecard as an official-layout bulletin (frozen periods only)."""
    from duban.documents.official import AttachmentTable, OfficialDocument, chinese_date

    require(actor, "assessment.read_all")
    result = period_result(session, actor=actor, period_id=period_id)
    if result.status != "frozen":
        raise ValidationFailed("考核期冻结发布后才能生成正式通报，请先处理申诉并冻结。")
    from duban.notices import rules as notice_rules

    rules = notice_rules.load_notice_rules(session)
    issuer = rules.get("issuer") or "市行政审批制度改革领导小组办公室"
    units = sorted(result.units, key=lambda u: (u.rank, u.department_name))
    scores = [u.score for u in units]
    mean = sum(scores) / len(scores) if scores else 0
    n = min(3, max(1, len(units) // 4)) if units else 0
    top = "、".join(f"{u.department_name}（{u.score:.2f}分）" for u in result.top(n))
    bottom = "、".join(f"{u.department_name}（{u.score:.2f}分）" for u in result.bottom(n))
    body = [
        f"根据考核办法，领导小组办公室对各成员单位{result.label}（{chinese_date(result.start)}"
        f"至{chinese_date(result.end)}）的任务落实情况进行了考核。考核结果已经申诉复核并冻结，"
        "现将有关情况通报如下。",
        f"一、总体情况。本期共考核 {len(units)} 个单位，平均得分 {mean:.2f} 分。",
        f"二、排名靠前的单位。{top}。" if top else "",
        f"三、排名靠后的单位。{bottom}。" if bottom else "",
        "四、考核方法。" + "".join(explain_method(Formula.from_dict(result.formula))[:4]),
        "五、有关要求。排名靠后的单位要认真分析原因，于 10 个工作日内将整改措施书面报领导小组办公室。"
        "各单位可登录督办台查看本单位每一条得分明细及其来源。",
    ]
    ranking = AttachmentTable(
        title=f"{result.label}各单位考核成绩单",
        columns=["名次", "单位", "得分", "较上期", "原始得分", "任务负荷"],
        rows=[
            [u.rank, u.department_name, f"{u.score:.2f}", _fmt_delta(u.delta), u.raw_points, u.load]
            for u in units
        ],
    )
    details = AttachmentTable(
        title=f"{result.label}各单位得分明细",
        columns=["单位", "类别", "分值", "说明", "来源"],
        rows=[
            [u.department_name, ln["category"], f"{ln['points']:g}", ln["detail"], ln["source_ref"]]
            for u in units
            for ln in u.lines
        ],
    )
    today = clock.today()
    return OfficialDocument(
        issuer=issuer,
        title=f"关于{result.label}各成员单位考核结果的通报",
        body=[b for b in body if b],
        addressees="各成员单位",
        attachments=[ranking, details],
        signature=rules.get("signature") or issuer,
        date=today,
        copy_to=rules.get("copy_to") or "",
        printed_by=issuer,
        printed_on=today,
    )


def scorecard_notice(session: Session, period_id: int) -> Notice | None:
    """The 通报 made from this period's scorecard in 通知通报 (draft or issued), if any."""
    candidates = session.exec(
        select(Notice).where(Notice.kind == NoticeKind.bulletin).order_by(col(Notice.id).desc())
    ).all()
    return next(
        (n for n in candidates if (n.extra or {}).get("assessment_period_id") == period_id), None
    )


def draft_scorecard_notice(session: Session, *, actor: Actor, period_id: int) -> Notice:
    """Put the frozen scorecard into 通知通报 as a 通报 draft: edited there, numbered on issue.

    The bulletin goes through the notices' own numbering (通报〔年〕N号), delivery and 签收, so a
    published scorecard is a real numbered document every unit receives.
    """
    from duban.notices import drafting

    require(actor, "assessment.manage")
    require(actor, "notice.draft")
    existing = scorecard_notice(session, period_id)
    if existing is not None:
        where = (
            f"已签发（{existing.doc_number}）"
            if existing.status == NoticeStatus.issued
            else "已生成草稿"
        )
        raise ValidationFailed(f"本期成绩单通报{where}，请到“通知通报”查看。")
    doc = scorecard_document(session, actor=actor, period_id=period_id)
    result = period_result(session, actor=actor, period_id=period_id)
    return drafting.create_draft(
        session,
        actor=actor,
        kind=NoticeKind.bulletin.value,
        title=doc.title,
        addressees=doc.addressees,
        body="\n".join(doc.body[:-1]),
        requirements=doc.body[-1],
        signature=doc.signature,
        copy_to=doc.copy_to,
        period_label=result.label,
        attachments=[asdict(t) for t in doc.attachments],
        extra={"assessment_period_id": period_id, "source": "assessment"},
        recipients=[u.department_id for u in result.units],
    )


def scorecard_docx(session: Session, *, actor: Actor, period_id: int) -> bytes:
    """The bulletin DOCX: the issued, numbered 通报 once there is one, else an unnumbered draft."""
    from duban.documents.word import render_docx
    from duban.notices import reading, rules

    doc = scorecard_document(session, actor=actor, period_id=period_id)
    issued = scorecard_notice(session, period_id)
    if issued is not None and issued.status == NoticeStatus.issued:
        return render_docx(reading.official_document(issued, rules.load_notice_rules(session)))
    doc.doc_number = "（草稿，签发时编号）"
    return render_docx(doc)
