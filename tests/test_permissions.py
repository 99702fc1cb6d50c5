"""The permission matrix: every action × role cell, and own-unit scoping."""

import pytest

from duban.core.errors import PermissionDenied
from duban.core.permissions import (
    OWN_UNIT_ACTIONS,
    PAGE_ACCESS,
    PERMISSIONS,
    Actor,
    can,
    pages_for,
    require,
)
from models import Role

# The matrix as the issue states it, written independently of the code's table.
EXPECTED_ALLOWED = {
    Role.leader: {
        "task.read_all",
        "task.read_own",
        "instruction.create",
        "notice.read_all",
        "assessment.read_all",
    },
    Role.inspector: {
        "task.read_all",
        "task.read_own",
        "inspection.create",
        "finding.recheck",
        "notice.draft",
        "notice.issue",
        "notice.read_all",
        "assessment.read_all",
    },
    Role.dept_head: {
        "task.read_own",
        "assignment.acknowledge",
        "report.create",
        "extension.request",
        "task.submit",
        "instruction.answer",
        "finding.answer",
        "notice.acknowledge",
        "notice.reply",
        "appeal.create",
    },
    Role.office: set(PERMISSIONS),
}

CELLS = [(role, action) for role in Role for action in sorted(PERMISSIONS)]


@pytest.mark.parametrize(("role", "action"), CELLS, ids=[f"{r.value}-{a}" for r, a in CELLS])
def test_every_cell(role, action):
    actor = Actor(1, "u", "U", role, department_id=7)
    allowed = action in EXPECTED_ALLOWED[role]
    assert can(actor, action, department_id=7) is allowed
    if allowed:
        require(actor, action, department_id=7)
    else:
        with pytest.raises(PermissionDenied) as exc:
            require(actor, action, department_id=7)
        assert "无权" in str(exc.value)


@pytest.mark.parametrize("action", sorted(OWN_UNIT_ACTIONS))
def test_dept_head_only_for_own_unit(action):
    head = Actor(1, "d", "D", Role.dept_head, department_id=7)
    assert can(head, action, department_id=7)
    assert not can(head, action, department_id=8)
    with pytest.raises(PermissionDenied, match="本单位"):
        require(head, action, department_id=8)
    unitless = Actor(2, "x", "X", Role.dept_head, department_id=None)
    assert not can(unitless, action, department_id=None)


def test_office_not_scoped_to_unit():
    office = Actor(1, "o", "O", Role.office, department_id=None)
    assert all(can(office, a, department_id=99) for a in PERMISSIONS)


def test_unknown_action_is_a_bug():
    with pytest.raises(KeyError):
        can(Actor(1, "o", "O", Role.office), "task.fly")


def test_page_access_matches_the_issue():
    assert set(pages_for(Role.leader)) == {
        "dashboard",
        "inbox",
        "tasks",
        "charts",
        "notices",
        "assessment",
        "account",
    }
    assert set(pages_for(Role.office)) == set(PAGE_ACCESS)
    assert set(pages_for(Role.inspector)) == {
        "dashboard",
        "inbox",
        "tasks",
        "charts",
        "inspections",
        "notices",
        "assessment",
        "account",
    }
    assert set(pages_for(Role.dept_head)) == {
        "inbox",
        "my_tasks",
        "charts",
        "notices",
        "assessment",
        "account",
    }
