"""Departments (a tree) and user accounts: the administration services."""

from sqlmodel import Session, col, func, select

from duban.core import audit
from duban.core.errors import NotFound, ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import check_version, get_or_404, validated, write
from duban.org.auth import hash_password
from models import (
    AppUser,
    AppUserCreate,
    Assignment,
    Department,
    DepartmentCreate,
    DepartmentKind,
    Role,
)

KIND_LABELS = {
    DepartmentKind.city_department: "市直部门",
    DepartmentKind.district: "县（市、区）",
    DepartmentKind.section: "科室",
    DepartmentKind.service_window: "进驻窗口",
    DepartmentKind.other: "其他",
}


def list_departments(session: Session, *, include_inactive: bool = False) -> list[Department]:
    q = select(Department)
    if not include_inactive:
        q = q.where(Department.active == True)  # noqa: E712
    return list(session.exec(q.order_by(Department.sort_order, Department.name)).all())


def department_tree(departments: list[Department]) -> list[tuple[int, Department]]:
    """Depth-first (depth, department) pairs, children under their parent."""
    children: dict[int | None, list[Department]] = {}
    ids = {d.id for d in departments}
    for d in departments:
        parent = d.parent_id if d.parent_id in ids else None
        children.setdefault(parent, []).append(d)
    out: list[tuple[int, Department]] = []

    def walk(pid, depth):
        for d in sorted(children.get(pid, []), key=lambda x: (x.sort_order, x.name)):
            out.append((depth, d))
            walk(d.id, depth + 1)

    walk(None, 0)
    return out


def _check_parent(session: Session, dept_id: int | None, parent_id: int | None) -> None:
    if parent_id is None:
        return
    parent = session.get(Department, parent_id)
    if parent is None:
        raise ValidationFailed("上级单位不存在。")
    seen = set()
    cur = parent
    while cur is not None:
        if cur.id == dept_id:
            raise ValidationFailed("不能把单位移动到它自己或它的下级单位之下。")
        if cur.id in seen:
            break
        seen.add(cur.id)
        cur = session.get(Department, cur.parent_id) if cur.parent_id else None


def _name_taken(session: Session, name: str, exclude_id: int | None = None) -> bool:
    q = select(Department.id).where(Department.name == name)
    if exclude_id:
        q = q.where(Department.id != exclude_id)
    return session.exec(q).first() is not None


def create_department(session: Session, *, actor: Actor, **data) -> Department:
    require(actor, "department.manage")
    form = validated(DepartmentCreate, data)
    with write(session):
        if _name_taken(session, form.name):
            raise ValidationFailed(f"单位名称“{form.name}”已存在。")
        _check_parent(session, None, form.parent_id)
        dept = Department.model_validate(form)
        session.add(dept)
        audit.record(session, actor, "department.create", dept)
    return dept


def update_department(
    session: Session, *, actor: Actor, department_id: int, expected_version: int, **changes
) -> Department:
    """Rename, re-kind or move a department."""
    require(actor, "department.manage")
    with write(session):
        dept = get_or_404(session, Department, department_id, "单位")
        check_version(dept, expected_version)
        before = audit.snapshot(dept)
        merged = {**dept.model_dump(include=set(DepartmentCreate.model_fields)), **changes}
        form = validated(DepartmentCreate, merged)
        if _name_taken(session, form.name, dept.id):
            raise ValidationFailed(f"单位名称“{form.name}”已存在。")
        _check_parent(session, dept.id, form.parent_id)
        for k, v in form.model_dump().items():
            setattr(dept, k, v)
        audit.record(session, actor, "department.update", dept, before=before)
    return dept


def set_department_active(
    session: Session, *, actor: Actor, department_id: int, active: bool, expected_version: int
) -> Department:
    """Deactivate (or reactivate) a unit. Units are never deleted: tasks keep their history."""
    require(actor, "department.manage")
    with write(session):
        dept = get_or_404(session, Department, department_id, "单位")
        check_version(dept, expected_version)
        before = audit.snapshot(dept)
        if not active:
            kids = session.exec(
                select(func.count())
                .select_from(Department)
                .where(Department.parent_id == dept.id, Department.active == True)  # noqa: E712
            ).one()
            if kids:
                raise ValidationFailed("该单位下还有在用的下级单位，请先调整下级单位。")
        dept.active = active
        audit.record(
            session,
            actor,
            "department.activate" if active else "department.deactivate",
            dept,
            before=before,
        )
    return dept


def delete_department(session: Session, *, actor: Actor, department_id: int) -> None:
    """Delete a unit that was never used; a unit with tasks or users is only deactivated."""
    require(actor, "department.manage")
    with write(session):
        dept = get_or_404(session, Department, department_id, "单位")
        used = session.exec(
            select(func.count()).select_from(Assignment).where(Assignment.department_id == dept.id)
        ).one()
        users = session.exec(
            select(func.count()).select_from(AppUser).where(AppUser.department_id == dept.id)
        ).one()
        kids = session.exec(
            select(func.count()).select_from(Department).where(Department.parent_id == dept.id)
        ).one()
        if used or users or kids:
            raise ValidationFailed("该单位已有任务、用户或下级单位，不能删除，只能停用。")
        before = audit.snapshot(dept)
        audit.record(
            session,
            actor,
            "department.delete",
            object_type="department",
            object_id=dept.id,
            before=before,
            after={},
        )
        session.delete(dept)


# ---------------------------------------------------------------- users


def list_users(session: Session) -> list[AppUser]:
    return list(session.exec(select(AppUser).order_by(col(AppUser.role), AppUser.username)).all())


def _check_unit(session: Session, role: Role, department_id: int | None) -> None:
    if role == Role.dept_head and department_id is None:
        raise ValidationFailed("责任单位负责人必须指定所属单位。")
    if department_id is not None:
        dept = session.get(Department, department_id)
        if dept is None or not dept.active:
            raise ValidationFailed("所属单位不存在或已停用。")


def create_user(session: Session, *, actor: Actor, password: str, **data) -> AppUser:
    require(actor, "user.manage")
    data["username"] = (data.get("username") or "").strip().lower()
    form = validated(AppUserCreate, {**data, "password": password})
    pw_hash = hash_password(form.password)
    with write(session):
        if session.exec(select(AppUser).where(AppUser.username == form.username)).first():
            raise ValidationFailed(f"用户名“{form.username}”已存在。")
        _check_unit(session, Role(form.role), form.department_id)
        user = AppUser(**form.model_dump(exclude={"password"}), password_hash=pw_hash)
        session.add(user)
        audit.record(session, actor, "user.create", user)
    return user


def update_user(
    session: Session, *, actor: Actor, user_id: int, expected_version: int, **changes
) -> AppUser:
    """Change display name, role, unit, email or active state."""
    require(actor, "user.manage")
    allowed = {"display_name", "role", "department_id", "email", "active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(f"不能修改这些字段：{', '.join(sorted(unknown))}")
    with write(session):
        user = get_or_404(session, AppUser, user_id, "用户")
        check_version(user, expected_version)
        before = audit.snapshot(user)
        merged = {**user.model_dump(include=set(AppUserCreate.model_fields)), **changes}
        merged.pop("active", None)
        form = validated(AppUserCreate, {**merged, "password": "x" * 8})
        _check_unit(session, Role(form.role), form.department_id)
        if user.id == actor.user_id and (
            changes.get("active") is False or changes.get("role", user.role) != Role.office
        ):
            raise ValidationFailed("不能停用自己的账号或取消自己的管理员角色。")
        for k in ("display_name", "role", "department_id", "email"):
            setattr(user, k, getattr(form, k))
        if "active" in changes:
            user.active = bool(changes["active"])
        audit.record(session, actor, "user.update", user, before=before)
    return user


def reset_password(session: Session, *, actor: Actor, user_id: int, new_password: str) -> None:
    require(actor, "user.manage")
    pw_hash = hash_password(new_password)
    with write(session):
        user = get_or_404(session, AppUser, user_id, "用户")
        user.password_hash = pw_hash
        user.failed_logins = 0
        user.locked_until = None
        audit.record(session, actor, "user.reset_password", user, after={}, note="重置密码")


def unlock_user(session: Session, *, actor: Actor, user_id: int) -> None:
    require(actor, "user.manage")
    with write(session):
        user = get_or_404(session, AppUser, user_id, "用户")
        before = audit.snapshot(user)
        user.failed_logins = 0
        user.locked_until = None
        audit.record(session, actor, "user.unlock", user, before=before)


def set_password_cli(session: Session, username: str, new_password: str) -> None:
    """For `python -m duban set-password`: no actor check (it is the server's own shell)."""
    pw_hash = hash_password(new_password)
    with write(session):
        user = session.exec(select(AppUser).where(AppUser.username == username)).first()
        if user is None:
            raise NotFound(f"用户“{username}”不存在。")
        user.password_hash = pw_hash
        user.failed_logins = 0
        user.locked_until = None
        audit.record(
            session, Actor.system(), "user.reset_password", user, after={}, note="命令行重置密码"
        )
