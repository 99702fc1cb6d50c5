"""The office-edited warning rules (thresholds of the red/yellow lights), validated and versioned."""

from __future__ import annotations

from sqlmodel import Session

from duban.core.permissions import Actor
from duban.core.stored import load_setting, save_rules
from duban.monitoring.lights import WarningRules

__all__ = [
    "RULES_KEY",
    "RULE_LABELS",
    "load_warning_rules",
    "rules_with_version",
    "save_warning_rules",
]

RULES_KEY = "warning_rules"

# Field → (Chinese label, help text) for the admin editor and audit notes.
RULE_LABELS: dict[str, tuple[str, str]] = {
    "overdue_red": ("逾期即红灯", "超过完成时限仍未办结的任务直接亮红灯（关闭则为黄灯）。"),
    "behind_red_points": ("红灯：落后序时进度超过（个百分点）", "默认 30。"),
    "behind_yellow_points": ("黄灯：落后序时进度达到（个百分点）", "默认 10，须小于红灯阈值。"),
    "due_soon_working_days": ("黄灯：距完成时限不超过（个工作日）", "默认 5。"),
    "stagnant_working_days": ("黄灯：连续未更新达到（个工作日）", "默认 10，视为停滞。"),
    "ignored_urgings_red": ("红灯：催办未回应达到（次）", "默认 3。"),
    "overdue_rectifications_red": ("黄灯：整改逾期达到（项）", "默认 1。"),
    "missed_report_yellow": ("黄灯：连续未按期报送达到（期）", "默认 1，填 0 关闭。"),
    "missed_report_red": ("红灯：连续未按期报送达到（期）", "默认 3，填 0 关闭。"),
}


# ------------------------------------------------------------------ warning rules
def rules_with_version(session: Session) -> tuple[WarningRules, int]:
    """The rules in effect and the setting's version (NOTHING_SAVED while the defaults apply)."""
    return load_setting(
        session, RULES_KEY, parse=WarningRules.from_dict, default=WarningRules, what="warning rules"
    )


def load_warning_rules(session: Session) -> WarningRules:
    """The warning rules in effect: the office's saved rules, else the defaults (DOMAIN.md)."""
    return rules_with_version(session)[0]


def save_warning_rules(
    session: Session,
    *,
    actor: Actor,
    values: dict,
    expected_version: int | None = None,
) -> WarningRules:
    """Validate and store the rules (all or some fields; missing ones keep their defaults).

    ``expected_version`` is what ``rules_with_version`` gave the editor (NOTHING_SAVED: no
    saved rules yet); if someone saved in between, StaleEdit. None skips the check.
    """
    return save_rules(
        session,
        actor=actor,
        key=RULES_KEY,
        parse=WarningRules.from_dict,
        values=values,
        expected_version=expected_version,
        action="warning_rules.update",
    )
