"""The editable scoring formula: its fields, validation, storage and the method in words."""

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlmodel import Session

from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import write
from duban.core.stored import load_setting, save_setting
from models import AssignmentRole

FORMULA_KEY = "assessment_formula"

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


def explain_method(formula: Formula) -> list[str]:
    """The method in words, with the current numbers (shown on the page and in the bulletin)."""
    f = formula
    return [
        f"各单位以基础分{f.base_score:g}分起算，考核期内每一项加分或扣分记为一条得分明细，"
        "并注明来源（任务、进展填报、督办通知、督查检查、整改事项），各单位可逐条核对。",
        f"任务落实：考核期内按期完成（在完成时限前报送完成情况且已销号）的任务，每项加"
        f"{f.on_time_completion:g}分；逾期未完成的任务，考核期内每逾期1个工作日扣"
        f"{f.overdue_per_day:g}分，每项任务每期最多扣{f.overdue_cap_per_task:g}分。"
        f"牵头任务按{f.lead_weight:g}倍、责任任务按{f.responsible_weight:g}倍计分；"
        "逾期扣分按各单位各自报送的完成情况分别计算，由造成逾期的单位承担。"
        "工作日按国家法定节假日和调休安排计算。",
        f"督办督查：考核期内签发的蓝色、黄色、红色督办通知，每份分别扣{f.urging_blue:g}分、"
        f"{f.urging_yellow:g}分、{f.urging_red:g}分；领导批示{f.instruction_answer_days}个工作日内"
        f"未答复的，每条扣{f.unanswered_instruction:g}分；督查结果为“一般”的扣"
        f"{f.inspection_average:g}分、为“差”的扣{f.inspection_poor:g}分；整改事项到期未答复的，"
        f"每项扣{f.overdue_rectification:g}分；受到通报表扬的，每份加{f.commendation:g}分。",
        "任务负荷折算：为使任务量不同的单位可以比较，按各单位考核期内的任务负荷折算得分。"
        f"任务负荷为各项在办任务的权重与分工权重（牵头{f.lead_weight:g}、责任"
        f"{f.responsible_weight:g}）乘积之和，负荷低于{f.min_load:g}的按{f.min_load:g}计；"
        "最终得分为基础分加上原始得分乘以全体单位平均负荷再除以本单位负荷，"
        "任务多的单位扣分多、加分也多，折算后与任务少的单位可以比较。",
        "考核期结束后，各单位可对单条扣分提出申诉并说明理由；办公室采纳的，撤销该条扣分，"
        "不予采纳的，说明理由。申诉处理完毕后成绩冻结发布，以冻结时的结果为准，"
        "此后数据变动不影响已发布的成绩。",
    ]
