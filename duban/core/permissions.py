"""Who may do what: the permission matrix as data, and the check every service calls."""

from dataclasses import dataclass

from duban.core.errors import PermissionDenied
from models import AppUser, Role

LEADER, OFFICE, INSPECTOR, DEPT = Role.leader, Role.office, Role.inspector, Role.dept_head
ALL_ROLES = frozenset(Role)

# action -> roles allowed. Actions marked in OWN_UNIT_ACTIONS are allowed to a department
# head only for its own unit's records (the service passes the record's department).
PERMISSIONS: dict[str, frozenset[Role]] = {
    # reading
    "task.read_all": frozenset({LEADER, OFFICE, INSPECTOR}),
    "task.read_own": ALL_ROLES,
    "audit.read": frozenset({OFFICE}),
    # the register (office)
    "plan.manage": frozenset({OFFICE}),
    "plan.import": frozenset({OFFICE}),
    "task.create": frozenset({OFFICE}),
    "task.edit": frozenset({OFFICE}),
    "task.assign": frozenset({OFFICE}),
    "task.sign_off": frozenset({OFFICE}),
    "task.send_back": frozenset({OFFICE}),
    "task.suspend": frozenset({OFFICE}),
    "task.cancel": frozenset({OFFICE}),
    "task.restart": frozenset({OFFICE}),
    "task.reopen": frozenset({OFFICE}),  # 撤销销号: a completed task goes back to work
    "extension.decide": frozenset({OFFICE}),
    # a unit's own work
    "assignment.acknowledge": frozenset({DEPT, OFFICE}),
    "report.create": frozenset({DEPT, OFFICE}),
    "extension.request": frozenset({DEPT, OFFICE}),
    "task.submit": frozenset({DEPT, OFFICE}),
    "instruction.answer": frozenset({DEPT, OFFICE}),
    "finding.answer": frozenset({DEPT, OFFICE}),
    "notice.acknowledge": frozenset({DEPT, OFFICE}),
    "notice.reply": frozenset({DEPT, OFFICE}),
    "appeal.create": frozenset({DEPT, OFFICE}),
    # leaders
    "instruction.create": frozenset({LEADER, OFFICE}),
    # inspectors
    "inspection.create": frozenset({INSPECTOR, OFFICE}),
    "finding.recheck": frozenset({INSPECTOR, OFFICE}),
    "notice.draft": frozenset({INSPECTOR, OFFICE}),
    "notice.issue": frozenset({INSPECTOR, OFFICE}),
    # 撤回 an issued notice: the issuing body's (the office's) decision, not the drafter's
    "notice.withdraw": frozenset({OFFICE}),
    "notice.read_all": frozenset({LEADER, OFFICE, INSPECTOR}),
    # administration
    "department.manage": frozenset({OFFICE}),
    "user.manage": frozenset({OFFICE}),
    "settings.manage": frozenset({OFFICE}),
    # low-code: custom fields and 督办事项来源; views and charts shared with a role
    "field.manage": frozenset({OFFICE}),
    "view.share": frozenset({OFFICE}),
    "assessment.manage": frozenset({OFFICE}),
    "assessment.read_all": frozenset({LEADER, OFFICE, INSPECTOR}),
}

OWN_UNIT_ACTIONS = frozenset(
    {
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
    }
)

ACTION_LABELS = {
    "task.create": "新建任务",
    "plan.manage": "管理实施方案",
    "task.edit": "编辑任务",
    "task.assign": "交办任务",
    "task.sign_off": "销号",
    "task.send_back": "退回重办",
    "task.reopen": "撤销销号",
    "extension.decide": "审批延期",
    "report.create": "填报进展",
    "instruction.create": "领导批示",
    "inspection.create": "记录督查",
    "notice.issue": "签发通知",
    "notice.withdraw": "撤回通知",
    "department.manage": "管理单位",
    "user.manage": "管理用户",
    "field.manage": "管理自定义字段和事项来源",
    "view.share": "共享视图和图表",
}

ROLE_LABELS = {
    Role.leader: "领导",
    Role.office: "领导小组办公室",
    Role.inspector: "督查员",
    Role.dept_head: "责任单位负责人",
}


@dataclass(frozen=True)
class Actor:
    """The user a service acts for (a plain value, safe to keep in session state).

    `client` is the address the request came from (set by the UI from the login session);
    the audit log records it.
    """

    user_id: int | None
    username: str
    name: str
    role: Role
    department_id: int | None = None
    client: str | None = None

    @classmethod
    def of(cls, user: AppUser, client: str | None = None) -> "Actor":
        return cls(
            user.id, user.username, user.display_name, Role(user.role), user.department_id, client
        )

    @classmethod
    def system(cls) -> "Actor":
        return cls(None, "system", "系统", Role.office, None)

    @classmethod
    def anonymous(cls, username: str, client: str | None) -> "Actor":
        """Someone not signed in (a login attempt under `username`): for the audit log only,
        with the least role and no unit, so no permission check passes for it by accident."""
        return cls(None, username, username, Role.dept_head, None, client)


def can(actor: Actor, action: str, department_id: int | None = None) -> bool:
    """Whether `actor` may do `action` (on a record of `department_id`, when it matters)."""
    roles = PERMISSIONS.get(action)
    if roles is None:
        raise KeyError(f"unknown action {action!r}")
    if actor.role not in roles:
        return False
    if actor.role == Role.dept_head and action in OWN_UNIT_ACTIONS:
        return actor.department_id is not None and actor.department_id == department_id
    return True


def require(actor: Actor, action: str, department_id: int | None = None) -> None:
    """Raise PermissionDenied (with a Chinese message) unless `can(...)`."""
    if can(actor, action, department_id):
        return
    label = ACTION_LABELS.get(action, action)
    if actor.role == Role.dept_head and actor.role in PERMISSIONS[action]:
        raise PermissionDenied(f"无权操作：只能对本单位的任务执行“{label}”。")
    raise PermissionDenied(f"无权操作：{ROLE_LABELS[actor.role]}不能执行“{label}”。")


# Which page files each role may open. app.py registers only these; tests check every cell.
PAGE_ACCESS: dict[str, frozenset[Role]] = {
    "dashboard": frozenset({LEADER, OFFICE, INSPECTOR}),
    "inbox": ALL_ROLES,
    "tasks": frozenset({LEADER, OFFICE, INSPECTOR}),
    "charts": ALL_ROLES,
    "my_tasks": frozenset({OFFICE, DEPT}),
    "inspections": frozenset({OFFICE, INSPECTOR}),
    "notices": ALL_ROLES,
    "import_plan": frozenset({OFFICE}),
    "assessment": ALL_ROLES,
    "admin": frozenset({OFFICE}),
    "account": ALL_ROLES,
}


def pages_for(role: Role) -> list[str]:
    return [p for p, roles in PAGE_ACCESS.items() if role in roles]
