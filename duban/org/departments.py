"""Departments (a tree of units): listing, creating, editing, deactivating and deleting them."""

from sqlmodel import Session, col, func, select

from duban.core import audit, text
from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import check_version, get_or_404, validated, write
from models import AppUser, Assignment, Department, DepartmentCreate, DepartmentKind

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
    return list(session.exec(q.order_by(col(Department.sort_order), col(Department.name))).all())


def department_tree(departments: list[Department]) -> list[tuple[int, Department]]:
    """Depth-first (depth, department) pairs, children under their parent."""
    children: dict[int | None, list[Department]] = {}
    ids = {d.id for d in departments}
    for d in departments:
        parent = d.parent_id if d.parent_id in ids else None
        children.setdefault(parent, []).append(d)
    out: list[tuple[int, Department]] = []

    def walk(pid: int | None, depth: int) -> None:
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
    seen: set[int | None] = set()
    cur: Department | None = parent
    while cur is not None:
        if cur.id == dept_id:
            raise ValidationFailed("不能把单位移动到它自己或它的下级单位之下。")
        if cur.id in seen:
            break
        seen.add(cur.id)
        cur = session.get(Department, cur.parent_id) if cur.parent_id else None


def _clean_names(data: dict) -> dict:
    """The form's names as they will be stored (invisible characters gone, spaces folded)."""
    out = dict(data)
    if "name" in out:
        out["name"] = text.clean_name(out["name"], "单位名称")
    if out.get("short_name") is not None:
        out["short_name"] = text.clean_name(out["short_name"], "单位简称") or None
    return out


def _refuse_taken_name(session: Session, name: str, exclude_id: int | None = None) -> None:
    """A unit's name must differ from every other unit's, also from look-alikes: compared
    without invisible characters, spaces, case, and full-width/compatibility forms."""
    key = text.name_key(name)
    q = select(Department.id, Department.name)
    if exclude_id:
        q = q.where(Department.id != exclude_id)
    for _, other in session.exec(q).all():
        if text.name_key(other) == key:
            same = "" if other == name else f"（与已有的“{other}”视为同名）"
            raise ValidationFailed(f"单位名称“{name}”已存在{same}。")


def create_department(session: Session, *, actor: Actor, **data) -> Department:
    require(actor, "department.manage")
    form = validated(DepartmentCreate, _clean_names(data))
    with write(session):
        _refuse_taken_name(session, form.name)
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
        form = validated(DepartmentCreate, _clean_names(merged))
        _refuse_taken_name(session, form.name, dept.id)
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
