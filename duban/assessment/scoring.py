"""Score lines, one function per source of points, and unit scores normalised by load."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from duban.assessment import _queries

# The parameter `formula` of compute_lines and score_units is public: the class is imported
# by name so that it does not shadow the module.
from duban.assessment.formula import Formula
from duban.monitoring import cycles
from duban.monitoring.frames import read_frames
from duban.monitoring.workdays import WorkCalendar
from models import NoticeKind, TaskStatus

LEVEL_LABELS = {"blue": "蓝色", "yellow": "黄色", "red": "红色"}
ROLE_LABELS = {"lead": "牵头", "responsible": "责任"}
RESULT_LABELS = {"good": "好", "fairly_good": "较好", "average": "一般", "poor": "差"}
_SKIP_STATUSES = {TaskStatus.draft, TaskStatus.cancelled, TaskStatus.suspended}


# ------------------------------------------------------------------ the records


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

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)  # flat values only: much cheaper than asdict's deep copy


@dataclass
class UnitResult:
    """One unit's score in one period, with its lines (as dicts, as stored in snapshots)."""

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
    """A period's ranking as a reader sees it (live, or the frozen snapshot)."""

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
    previous_start: dt.date | None = None  # names the previous period in the UI's language

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


# ------------------------------------------------------------------ the sources of points


@dataclass(frozen=True)
class _Context:
    """What every source of points reads: the database, the period, the formula, the calendar."""

    session: Session
    start: dt.date
    end: dt.date
    today: dt.date
    formula: Formula
    cal: WorkCalendar

    @property
    def as_of(self) -> dt.date:
        """Events are counted up to here: the period's end, or today while it runs."""
        return min(self.end, self.today)

    @property
    def start_dt(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min)

    @property
    def end_dt(self) -> dt.datetime:
        return dt.datetime.combine(self.end, dt.time.max)


@dataclass(slots=True)
class _Part:
    """One unit's part in one task that counts (not draft, cancelled or suspended)."""

    task_id: int
    department_id: int
    role: str
    role_weight: float
    task_weight: float
    ref: str  # 任务 四(二) 标题
    deadline: dt.date | None
    assigned: dt.date | None
    done: dt.date | None  # the task was closed (销号)
    own_finish: dt.date | None  # the unit's first 100 % report, or the closing if earlier
    report_id: int | None  # that report
    # 督办事项来源: its weight multiplies the task's (load and points); 0: the task does not count
    category_weight: float = 1.0
    category_name: str | None = None

    @property
    def role_text(self) -> str:
        return f"{ROLE_LABELS.get(self.role, self.role)}×{self.role_weight:g}"

    @property
    def category_text(self) -> str:
        return category_text(self.category_name, self.category_weight)


def category_text(name: str | None, weight: float) -> str:
    """The detail's note of a category weight other than 1: "，事项来源“重大项目”×2" (last in
    the detail: the name is the office's own text, assessment.labels keeps it as written)."""
    if name is None or weight == 1:
        return ""
    return f"，事项来源“{name}”×{weight:g}"


def _weighted(points: float, weight: float) -> float:
    """Points times a category weight; unchanged (not even rounded again) at weight 1."""
    return points if weight == 1 else round(points * weight, 2)


def _day(value: dt.date | None) -> dt.date | None:
    return None if value is None else _queries.day_of(value)


def _task_ref(code: str | None, title: str) -> str:
    return f"任务 {code} {title}" if code else f"任务 {title}"


def _parts(ctx: _Context) -> list[_Part]:
    """Every unit's part in every counted task, with the unit's own finish."""
    finished = _queries.first_full_reports(ctx.session)
    categories = _queries.category_weights(ctx.session)
    parts: list[_Part] = []
    for row in _queries.assignments(ctx.session):
        tid, did, role, a_at, code, title, status, weight, deadline, t_at, done_at, cat = row
        if TaskStatus(status) in _SKIP_STATUSES:
            continue
        rep = finished.get((tid, did))
        done = _day(done_at)
        own_finish = rep[0] if rep else None
        if done is not None:
            own_finish = min(own_finish, done) if own_finish else done
        parts.append(
            _Part(
                task_id=tid,
                department_id=did,
                role=role,
                role_weight=ctx.formula.role_weight(role),
                task_weight=float(weight),
                ref=_task_ref(code, title),
                deadline=deadline,
                assigned=_day(a_at or t_at),
                done=done,
                own_finish=own_finish,
                report_id=rep[1] if rep else None,
                category_name=categories[cat][0] if cat in categories else None,
                category_weight=categories[cat][1] if cat in categories else 1.0,
            )
        )
    return parts


def _loads(ctx: _Context, parts: list[_Part]) -> dict[int, float]:
    """Each unit's load: tasks assigned by the period's end and not finished before it began."""
    load: dict[int, float] = {}
    for p in parts:
        if (p.assigned is None or p.assigned <= ctx.end) and (
            p.own_finish is None or p.own_finish >= ctx.start
        ):
            weight = p.task_weight * p.category_weight * p.role_weight
            load[p.department_id] = load.get(p.department_id, 0.0) + weight
    return load


def _on_time_lines(ctx: _Context, parts: list[_Part]) -> list[ScoreLine]:
    """A bonus for each task closed in the period that the unit finished by the deadline."""
    lines: list[ScoreLine] = []
    for p in parts:
        on_time = p.own_finish is not None and p.deadline is not None and p.own_finish <= p.deadline
        pts = _weighted(round(ctx.formula.on_time_completion * p.role_weight, 2), p.category_weight)
        if p.done is not None and ctx.start <= p.done <= ctx.end and on_time and pts:
            lines.append(
                ScoreLine(
                    key=f"ontime:task:{p.task_id}:d{p.department_id}",
                    department_id=p.department_id,
                    category="按期完成",
                    points=pts,
                    detail=f"{p.own_finish} 完成（时限 {p.deadline}），{p.role_text}{p.category_text}",
                    source_type="task",
                    source_id=p.task_id,
                    source_ref=p.ref,
                    day=p.done.isoformat(),
                    task_id=p.task_id,
                    report_id=p.report_id,
                )
            )
    return lines


def _overdue_lines(ctx: _Context, parts: list[_Part]) -> list[ScoreLine]:
    """A deduction per working day a unit was late within the period, capped per task."""
    f, as_of = ctx.formula, ctx.as_of
    lines: list[ScoreLine] = []
    for p in parts:
        if p.deadline is None or p.category_weight == 0:
            continue
        stop = min(p.own_finish or as_of, as_of)
        begin = max(p.deadline, ctx.start - dt.timedelta(days=1))
        days = ctx.cal.working_days_between(begin, stop) if stop > begin else 0
        if not (days > 0 and f.overdue_per_day > 0):
            continue
        raw = days * f.overdue_per_day
        capped = min(raw, f.overdue_cap_per_task)
        cap_txt = f"，封顶 {f.overdue_cap_per_task:g}" if capped < raw else ""
        finish_txt = (
            f"（{p.own_finish} 完成）"
            if p.own_finish and p.own_finish <= as_of
            else f"（截至 {as_of} 未完成）"
        )
        lines.append(
            ScoreLine(
                key=f"overdue:task:{p.task_id}:d{p.department_id}",
                department_id=p.department_id,
                category="任务逾期",
                points=-_weighted(round(capped * p.role_weight, 2), p.category_weight),
                detail=(
                    f"时限 {p.deadline}，本期逾期 {days} 个工作日 × {f.overdue_per_day:g}"
                    f"{cap_txt}，{p.role_text}{finish_txt}{p.category_text}"
                ),
                source_type="task",
                source_id=p.task_id,
                source_ref=p.ref,
                day=stop.isoformat(),
                task_id=p.task_id,
                report_id=p.report_id,
            )
        )
    return lines


def _notice_lines(ctx: _Context) -> list[ScoreLine]:
    """Urging notices (by level) and commendations issued to a unit in the period."""
    f = ctx.formula
    urging = {"blue": f.urging_blue, "yellow": f.urging_yellow, "red": f.urging_red}
    lines: list[ScoreLine] = []
    for nid, kind, level, doc_no, title, issued_at, did in _queries.issued_notices(
        ctx.session, start=ctx.start_dt, end=ctx.end_dt
    ):
        nid = _queries.known(nid, "notice id")
        issued = _queries.day_of(_queries.known(issued_at, "notice issued_at"))
        if issued > ctx.as_of:
            continue
        if kind == NoticeKind.urging:
            lvl = level if level in LEVEL_LABELS else "blue"
            pts = -urging[lvl]
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
                    source_ref=f"通知 {doc_no or f'#{nid}'} {title}",
                    day=issued.isoformat(),
                )
            )
    return lines


def _instruction_lines(ctx: _Context, parts: list[_Part]) -> list[ScoreLine]:
    """A deduction for each assigned unit that did not answer an instruction in time."""
    f = ctx.formula
    if f.unanswered_instruction <= 0:
        return []
    assigned_to: dict[int, list[int]] = {}
    for p in parts:
        assigned_to.setdefault(p.task_id, []).append(p.department_id)
    first_answer = _queries.first_answers(ctx.session)
    lines: list[ScoreLine] = []
    for iid, tid, created, code, title in _queries.instructions(ctx.session, until=ctx.end_dt):
        iid = _queries.known(iid, "instruction id")
        due = ctx.cal.add_working_days(_queries.day_of(created), f.instruction_answer_days)
        if not (ctx.start <= due <= ctx.end and due < ctx.today):
            continue
        for did in assigned_to.get(tid, []):
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
                    detail=f"{_queries.day_of(created)} 批示，应于 {due} 前答复，{late}",
                    source_type="instruction",
                    source_id=iid,
                    source_ref=f"批示 #{iid}（{_task_ref(code, title)}）",
                    day=due.isoformat(),
                    task_id=tid,
                )
            )
    return lines


def _inspection_lines(ctx: _Context) -> list[ScoreLine]:
    """A deduction for an "average" or "poor" inspection result, for each unit inspected."""
    f = ctx.formula
    lines: list[ScoreLine] = []
    for iid, day, result, did in _queries.poor_inspections(
        ctx.session, start=ctx.start, end=ctx.as_of
    ):
        iid = _queries.known(iid, "inspection id")
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
                    day=_queries.day_of(day).isoformat(),
                )
            )
    return lines


def _rectification_lines(ctx: _Context) -> list[ScoreLine]:
    """A deduction for each rectification item not answered by its due date."""
    f = ctx.formula
    if f.overdue_rectification <= 0:
        return []
    lines: list[ScoreLine] = []
    for fid, did, tid, desc, due, answered in _queries.findings_due(
        ctx.session, start=ctx.start, end=ctx.end
    ):
        fid = _queries.known(fid, "finding id")
        if not due < ctx.today:
            continue
        ans = _day(answered)
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
                day=_queries.day_of(due).isoformat(),
                task_id=tid,
            )
        )
    return lines


def _missed_report_lines(ctx: _Context) -> list[ScoreLine]:
    """A deduction for each report cycle a unit missed (未按期报送) with its due date in the
    period: no report in the cycle's window (see duban.monitoring.cycles)."""
    f = ctx.formula
    if f.missed_report <= 0:
        return []
    bind = ctx.session.get_bind()
    raw = read_frames(bind if isinstance(bind, Engine) else bind.engine)
    misses = cycles.missed_dues(raw, ctx.today, ctx.cal, lo=ctx.start, hi=ctx.end)
    if misses.is_empty():
        return []
    refs = {
        r["task_id"]: _task_ref(r["code"], r["title"])
        for r in raw.tasks.select("task_id", "code", "title").iter_rows(named=True)
    }
    categories = _queries.category_weights(ctx.session)
    task_category = {
        tid: categories[cid]
        for tid, cid in raw.tasks.select("task_id", "category_id").iter_rows()
        if cid in categories
    }
    lines: list[ScoreLine] = []
    for tid, did, due, reported in misses.iter_rows():
        name, weight = task_category.get(tid, (None, 1.0))
        if weight == 0:  # a 督办事项来源 that does not count
            continue
        late = f"{reported} 才报送" if reported else "至今未报送"
        lines.append(
            ScoreLine(
                key=f"missed:task:{tid}:d{did}:{due}",
                department_id=did,
                category="未按期报送",
                points=-_weighted(f.missed_report, weight),
                detail=f"应于 {due} 前报送，{late}{category_text(name, weight)}",
                source_type="task",
                source_id=tid,
                source_ref=refs.get(tid, f"任务 #{tid}"),
                day=due.isoformat(),
                task_id=tid,
            )
        )
    return lines


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
    ctx = _Context(session=session, start=start, end=end, today=today, formula=formula, cal=cal)
    names = _queries.unit_names(session)
    parts = _parts(ctx)
    lines = [
        *_on_time_lines(ctx, parts),
        *_overdue_lines(ctx, parts),
        *_notice_lines(ctx),
        *_instruction_lines(ctx, parts),
        *_inspection_lines(ctx),
        *_rectification_lines(ctx),
        *_missed_report_lines(ctx),
    ]
    lines.sort(key=lambda x: (x.department_id, x.day, x.key))
    return lines, _loads(ctx, parts), names


# ------------------------------------------------------------------ unit scores


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
            ln.original_points = ln.points
            ln.status, ln.points, ln.appeal_id = "withdrawn", 0.0, appeal
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
