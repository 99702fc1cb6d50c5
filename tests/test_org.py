"""Departments and users: tree rules, stale edits, permissions, audit."""

import threading

import pytest
from sqlmodel import Session, select

from duban.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from duban.org import departments, users
from models import AppUser, AuditLog, DataVersion, Department, DepartmentKind, Role
from tests.factories import make_department, make_task, make_user


def test_create_department_audited_and_versioned(session):
    _, office = make_user(session)
    v0 = session.get(DataVersion, 1).version
    d = departments.create_department(
        session,
        actor=office,
        name="市公安局",
        short_name="公安局",
        kind=DepartmentKind.city_department,
    )
    assert d.id and d.version == 1
    log = session.exec(select(AuditLog).where(AuditLog.action == "department.create")).one()
    assert log.object_id == str(d.id) and log.after["name"] == "市公安局"
    assert log.username == office.username
    session.expire_all()
    assert session.get(DataVersion, 1).version > v0


@pytest.mark.parametrize("role", [Role.leader, Role.inspector, Role.dept_head])
def test_only_office_manages_departments(session, role):
    _, actor = make_user(session, role=role)
    with pytest.raises(PermissionDenied):
        departments.create_department(session, actor=actor, name="新单位")
    assert session.exec(select(Department).where(Department.name == "新单位")).first() is None


def test_bad_input_is_refused_in_chinese_and_writes_nothing(session):
    _, office = make_user(session)
    n_before = len(session.exec(select(AuditLog)).all())
    with pytest.raises(ValidationFailed, match="名称：不能为空"):
        departments.create_department(session, actor=office, name="")
    with pytest.raises(ValidationFailed, match="取值不在允许范围内"):
        departments.create_department(session, actor=office, name="甲", kind="planet")
    departments.create_department(session, actor=office, name="甲")
    with pytest.raises(ValidationFailed, match="已存在"):
        departments.create_department(session, actor=office, name="甲")
    assert len(session.exec(select(AuditLog)).all()) == n_before + 1


def test_move_cannot_make_a_cycle(session):
    _, office = make_user(session)
    a = make_department(session)
    b = make_department(session, parent_id=a.id)
    with pytest.raises(ValidationFailed, match="下级"):
        departments.update_department(
            session, actor=office, department_id=a.id, expected_version=a.version, parent_id=b.id
        )
    tree = departments.department_tree([a, b])
    assert [(depth, d.id) for depth, d in tree] == [(0, a.id), (1, b.id)]


def test_stale_edit_is_refused(session):
    _, office = make_user(session)
    d = make_department(session)
    seen = d.version
    departments.update_department(
        session, actor=office, department_id=d.id, expected_version=seen, name="第一次改名"
    )
    with pytest.raises(StaleEdit, match="已被他人修改"):
        departments.update_department(
            session, actor=office, department_id=d.id, expected_version=seen, name="第二次改名"
        )
    session.expire_all()
    assert session.get(Department, d.id).name == "第一次改名"


def test_concurrent_update_detected_by_row_version(engine):
    """Two sessions load the same version; the slower commit is refused, not merged."""
    with Session(engine) as s:
        _, office = make_user(s)
        d = make_department(s)
        dept_id, v = d.id, d.version
    s1, s2 = Session(engine), Session(engine)
    departments.update_department(
        s1, actor=office, department_id=dept_id, expected_version=v, name="甲改"
    )
    with pytest.raises(StaleEdit):
        departments.update_department(
            s2, actor=office, department_id=dept_id, expected_version=v, name="乙改"
        )
    s1.close()
    s2.close()
    with Session(engine) as s:
        assert s.get(Department, dept_id).name == "甲改"
    assert threading  # keep import for clarity of intent


def test_unit_with_tasks_is_never_deleted(session):
    _, office = make_user(session)
    used = make_department(session)
    make_task(session, lead=used)
    with pytest.raises(ValidationFailed, match="只能停用"):
        departments.delete_department(session, actor=office, department_id=used.id)
    departments.set_department_active(
        session, actor=office, department_id=used.id, active=False, expected_version=used.version
    )
    session.refresh(used)
    assert used.active is False
    unused = make_department(session)
    departments.delete_department(session, actor=office, department_id=unused.id)
    assert session.get(Department, unused.id) is None


def test_users_create_update_reset_unlock(session):
    _, office = make_user(session)
    dept = make_department(session)
    with pytest.raises(ValidationFailed, match="必须指定所属单位"):
        users.create_user(
            session,
            actor=office,
            username="head1",
            display_name="负责人",
            role=Role.dept_head,
            password="long-enough",
        )
    with pytest.raises(ValidationFailed, match="至少需要 8"):
        users.create_user(
            session,
            actor=office,
            username="head1",
            display_name="负责人",
            role=Role.dept_head,
            department_id=dept.id,
            password="short",
        )
    u = users.create_user(
        session,
        actor=office,
        username="Head1",
        display_name="负责人",
        role=Role.dept_head,
        department_id=dept.id,
        password="long-enough",
    )
    assert u.username == "head1" and u.password_hash.startswith("$2b$")
    u = users.update_user(
        session, actor=office, user_id=u.id, expected_version=u.version, active=False
    )
    assert u.active is False
    users.unlock_user(session, actor=office, user_id=u.id)
    users.reset_password(session, actor=office, user_id=u.id, new_password="another-one")
    actions = [
        r.action
        for r in session.exec(
            select(AuditLog).where(
                AuditLog.object_type == "app_user", AuditLog.object_id == str(u.id)
            )
        ).all()
    ]
    assert actions == ["user.create", "user.update", "user.unlock", "user.reset_password"]
    assert "password_hash" not in str(session.exec(select(AuditLog)).all()[-1].after)


def test_office_cannot_lock_itself_out(session):
    me, office = make_user(session)
    with pytest.raises(ValidationFailed, match="自己"):
        users.update_user(
            session, actor=office, user_id=me.id, expected_version=me.version, active=False
        )
    assert session.get(AppUser, me.id).active


def test_active_users_listed_with_their_units_for_the_demo_login(session):
    dept = make_department(session)
    me, _ = make_user(session)
    head, _ = make_user(session, role=Role.dept_head, department_id=dept.id)
    make_user(session, role=Role.dept_head, department_id=dept.id, active=False)
    rows = users.list_active_users(session)
    assert [(u.id, d.name if d else None) for u, d in rows] == [
        (me.id, None),
        (head.id, dept.name),
    ]
    assert [u.id for u, _ in users.list_active_users(session, limit=1)] == [me.id]
