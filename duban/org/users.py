"""User accounts: listing, creating, editing, password reset and unlock by the office, the
command line's password reset, and the active accounts shown on the demo login page."""

from sqlmodel import Session, col, select

from duban.core import audit
from duban.core.errors import NotFound, ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import check_version, get_or_404, validated, write
from duban.org.auth import hash_password
from models import AppUser, AppUserCreate, Department, Role


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


def list_active_users(
    session: Session, *, limit: int | None = None
) -> list[tuple[AppUser, Department | None]]:
    """Active accounts with their unit (None for the office's own), in creation order — the
    demo login page lists them."""
    q = (
        select(AppUser, Department)
        .join(Department, col(AppUser.department_id) == Department.id, isouter=True)
        .where(AppUser.active == True)  # noqa: E712
        .order_by(col(AppUser.id))
    )
    if limit is not None:
        q = q.limit(limit)
    return [(u, d) for u, d in session.exec(q).all()]
