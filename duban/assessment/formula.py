"""The editable scoring formula: its fields, validation, storage and the method in words."""

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlmodel import Session

from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import write
from duban.core.stored import load_setting, save_setting
from duban.i18n import t
from models import AssignmentRole

FORMULA_KEY = "assessment_formula"

# name -> kind. Kinds: base, bonus, deduction, cap, weight, days, floor. Deductions and caps
# are stored as the number of points taken off (≥ 0). Each field's label and explanation are
# in the catalog (asm.field.<name>, asm.field_help.<name>).
FIELD_KINDS: dict[str, str] = {
    "base_score": "base",
    "on_time_completion": "bonus",
    "overdue_per_day": "deduction",
    "overdue_cap_per_task": "cap",
    "urging_blue": "deduction",
    "urging_yellow": "deduction",
    "urging_red": "deduction",
    "unanswered_instruction": "deduction",
    "instruction_answer_days": "days",
    "inspection_average": "deduction",
    "inspection_poor": "deduction",
    "overdue_rectification": "deduction",
    "missed_report": "deduction",
    "commendation": "bonus",
    "lead_weight": "weight",
    "responsible_weight": "weight",
    "min_load": "floor",
}


def field_text(name: str, lang: str = "zh") -> tuple[str, str]:
    """A formula field's label and explanation in `lang` (Chinese in exports and messages)."""
    return t(f"asm.field.{name}", lang), t(f"asm.field_help.{name}", lang)


# name -> (kind, Chinese label, Chinese explanation): the published rules as documents show them.
FORMULA_FIELDS: dict[str, tuple[str, str, str]] = {
    name: (kind, *field_text(name)) for name, kind in FIELD_KINDS.items()
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
    missed_report: float = 0.5  # per missed report cycle (未按期报送); 0 turns it off
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
    return load_setting(
        session, FORMULA_KEY, parse=Formula.from_dict, default=Formula, what="assessment formula"
    )


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


def explain_method(formula: Formula, lang: str = "zh") -> list[str]:
    """The method in words, with the current numbers (shown on the page and in the bulletin)."""
    f = formula
    numbers = dict(
        base=f.base_score,
        on_time=f.on_time_completion,
        per_day=f.overdue_per_day,
        cap=f.overdue_cap_per_task,
        lead=f.lead_weight,
        resp=f.responsible_weight,
        blue=f.urging_blue,
        yellow=f.urging_yellow,
        red=f.urging_red,
        answer_days=f.instruction_answer_days,
        instruction=f.unanswered_instruction,
        average=f.inspection_average,
        poor=f.inspection_poor,
        rectification=f.overdue_rectification,
        commendation=f.commendation,
        min_load=f.min_load,
    )
    out = [t(f"asm.method.{i}", lang, **numbers) for i in range(1, 6)]
    # 督办事项来源: a category's weight multiplies its tasks' points and load (scoring._Part)
    out[1] += t("dcat.asm.method_points", lang)
    out[3] += t("dcat.asm.method_load", lang)
    if f.missed_report > 0:  # with the other deductions of the urging-and-inspection part
        out[2] += t("cyw.asm.method", lang, n=f.missed_report)
    return out
