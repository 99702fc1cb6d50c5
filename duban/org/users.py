"""User accounts: listing, creating, editing, password reset and unlock by the office, the
command line's password reset, and the active accounts shown on the demo login page.

A password reset, a deactivation and a change of role or unit end the user's login sessions
(`sessions.revoke_user_sessions`): what the old cookie stood for no longer holds."""

from sqlmodel import Session, col, select

from duban.core import audit
from duban.core.errors import NotFound, ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import check_version, get_or_404, validated, write
from duban.org import lockout, sessions
from duban.org.auth import NewPassword
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
    password_fields = NewPassword.of(form.password)
    with write(session):
        if session.exec(select(AppUser).where(AppUser.username == form.username)).first():
            raise ValidationFailed(f"用户名“{form.username}”已存在。")
        _check_unit(session, Role(form.role), form.department_id)
        user = AppUser(
            **form.model_dump(exclude={"password"}),
            password_hash=password_fields.hash,
            password_is_demo=password_fields.is_demo,
        )
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
        reason = _session_ending_change(before, user)
        if reason:
            sessions.revoke_user_sessions(session, user.id, reason)
        audit.record(session, actor, "user.update", user, before=before)
    return user


def _session_ending_change(before: dict | None, user: AppUser) -> str | None:
    """Why an edit ends the user's sessions: deactivated, or a new role or unit."""
    before = before or {}
    if before.get("active") and not user.active:
        return "deactivated"
    role = getattr(user.role, "value", user.role)
    if before.get("role") != role or before.get("department_id") != user.department_id:
        return "role"
    return None


def reset_password(session: Session, *, actor: Actor, user_id: int, new_password: str) -> None:
    """The office sets a new password: the user's sessions end, its login throttles lift."""
    require(actor, "user.manage")
    password = NewPassword.of(new_password)
    with write(session):
        user = get_or_404(session, AppUser, user_id, "用户")
        password.apply(user)
        sessions.revoke_user_sessions(session, user.id, "password")
        lockout.add_lift(session, username=user.username, source=None)
        audit.record(session, actor, "user.reset_password", user, after={}, note="重置密码")


def unlock_user(session: Session, *, actor: Actor, user_id: int) -> None:
    """Lift every login throttle on the user's name, from every address."""
    require(actor, "user.manage")
    with write(session):
        user = get_or_404(session, AppUser, user_id, "用户")
        lockout.add_lift(session, username=user.username, source=None)
        audit.record(session, actor, "user.unlock", user, after={}, note="解除登录限制")


def set_password_cli(session: Session, username: str, new_password: str) -> None:
    """For `python -m duban set-password`: no actor check (it is the server's own shell)."""
    password = NewPassword.of(new_password)
    with write(session):
        user = session.exec(select(AppUser).where(AppUser.username == username)).first()
        if user is None:
            raise NotFound(f"用户“{username}”不存在。")
        password.apply(user)
        sessions.revoke_user_sessions(session, user.id, "password")
        lockout.add_lift(session, username=user.username, source=None)
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
