"""报送频次 in the task register: a plan's default cycle (set by the office) and a task's
effective cycle (its own, else its plan's) in words."""

from dataclasses import dataclass

from sqlmodel import Session

from duban.core import audit
from duban.core.errors import NotFound, ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import check_version, get_or_404, write
from duban.monitoring import cycles
from duban.tasks import _form
from models import Plan, Task


def set_plan_cycle(
    session: Session, *, actor: Actor, plan_id: int, cycle: str | None, expected_version: int
) -> Plan:
    """The plan's default 报送频次 (a code or words: "每周五", "每月10日前"; empty or
    "不定期": none). Its tasks without a cycle of their own follow it."""
    require(actor, "plan.manage")
    code = _form.cycle_code(cycle)
    with write(session):
        plan = get_or_404(session, Plan, plan_id, "实施方案")
        check_version(plan, expected_version)
        if plan.importing_at is not None:
            raise ValidationFailed("该方案正在导入，请导入完成后再设置报送频次。")
        before = audit.snapshot(plan)
        plan.report_cycle = None if code in (None, "none") else code
        session.add(plan)
        audit.record(
            session,
            actor,
            "plan.cycle",
            plan,
            before=before,
            note=f"方案默认报送频次：{cycles.label(cycles.of(plan.report_cycle, None))}",
        )
    return plan


def read_plan(session: Session, plan_id: int) -> Plan:
    """The plan whose default cycle is shown (NotFound while it is still being imported)."""
    plan = get_or_404(session, Plan, plan_id, "实施方案")
    if plan.importing_at is not None:
        raise NotFound(f"实施方案不存在（编号 {plan_id}）。")
    return plan


def words(code: str | None) -> str:
    """A stored code as a person types it ("weekly:5" → "每周五"), for the bulk editor and
    the Excel sheet, which read it back with cycles.parse; empty when none is set. Where
    the words would not read back as the same cycle, the code itself is written."""
    if not code:
        return ""
    try:
        cycle = cycles.parse(code)
    except ValidationFailed:
        return code
    said = cycles.label(cycle)
    try:
        return said if cycles.parse(said) == cycle else cycle.code
    except ValidationFailed:
        return cycle.code


@dataclass(frozen=True)
class Effective:
    """A task's 报送频次 as it applies: the cycle, its words, and whether the plan set it."""

    cycle: cycles.Cycle
    from_plan: bool

    def label(self, lang: str = "zh") -> str:
        return cycles.label(self.cycle, lang)


def effective(task: Task, plan: Plan) -> Effective:
    """The task's own cycle, else its plan's (a task's "none" overrides a plan's cycle)."""
    return Effective(cycles.of(task.report_cycle, plan.report_cycle), not task.report_cycle)
