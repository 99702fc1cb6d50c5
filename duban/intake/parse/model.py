"""Result types and errors of the plan parser (and what a damaged workbook raises)."""

from __future__ import annotations

import datetime
import zipfile
from dataclasses import dataclass, field
from typing import Any

from duban.core.errors import DubanError


class PlanParseError(DubanError):
    """Raised when a plan file cannot be read; the message is Chinese and meant for the user."""


# What openpyxl raises on a damaged workbook, when it is opened or (read-only) as its rows are
# read: a broken zip or a missing part (KeyError, or OSError "no valid workbook part"), bad
# XML (lxml's and ElementTree's parse errors are SyntaxErrors), a bad value in a cell or style.
XLSX_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    KeyError,
    OSError,
    ValueError,
    IndexError,
    SyntaxError,
    EOFError,
)


def _iso(d: datetime.date | None) -> str | None:
    return d.isoformat() if d is not None else None


@dataclass
class ParsedMilestone:
    date: datetime.date
    text: str


@dataclass
class ParsedTarget:
    text: str
    value: float | None
    unit: str | None
    direction: str | None  # ">=" / "<=" / None


@dataclass
class ParsedPhase:
    """A stage of the plan (实施步骤: 动员部署阶段, …) and its dates when the heading gives them."""

    name: str
    start: datetime.date | None = None
    end: datetime.date | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return {"name": self.name, "start": _iso(self.start), "end": _iso(self.end)}


@dataclass
class ParsedTask:
    code: str
    title: str
    text: str
    parent_code: str | None
    lead_units: list[str] = field(default_factory=list)
    responsible_units: list[str] = field(default_factory=list)
    deadline: datetime.date | None = None
    milestones: list[ParsedMilestone] = field(default_factory=list)
    targets: list[ParsedTarget] = field(default_factory=list)
    phase: str | None = None  # the plan phase the task sits under
    # What the office checks the reading against: the task's words as they stand in the
    # document (with its assignment), and the pieces of it the units and the deadline were
    # read from, as ("units" | "deadline", words).
    source: str = ""
    evidence: list[tuple[str, str]] = field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "text": self.text,
            "parent_code": self.parent_code,
            "lead_units": list(self.lead_units),
            "responsible_units": list(self.responsible_units),
            "deadline": _iso(self.deadline),
            "phase": self.phase,
            "milestones": [{"date": m.date.isoformat(), "text": m.text} for m in self.milestones],
            "targets": [
                {"text": t.text, "value": t.value, "unit": t.unit, "direction": t.direction}
                for t in self.targets
            ],
        }


@dataclass
class ParsedPlan:
    title: str | None
    issuer: str | None
    doc_number: str | None
    issued_on: datetime.date | None
    tasks: list[ParsedTask] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    phases: list[ParsedPhase] = field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "issuer": self.issuer,
            "doc_number": self.doc_number,
            "issued_on": _iso(self.issued_on),
            "phases": [p.to_json_dict() for p in self.phases],
            "tasks": [t.to_json_dict() for t in self.tasks],
            "warnings": list(self.warnings),
        }
