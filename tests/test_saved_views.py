"""Saved register views: who saves, shares, sees, edits and deletes; stale edits; audit rows;
a stored state applied leniently (what no longer exists is dropped)."""

import datetime as dt

import pytest
from sqlmodel import select

from duban.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from duban.fields import definitions
from duban.tasks import views
from duban.tasks.register import FieldFilter, RegisterFilter
from models import AuditLog, Role, SavedView
from tests.factories import make_user


def _state(**kw) -> dict:
    return views.state_of(RegisterFilter(**kw), columns=["code", "title"], sort="deadline")


def test_a_leader_saves_a_private_view_but_cannot_share(session):
    _, leader = make_user(session, Role.leader)
    _, other_leader = make_user(session, Role.leader)
    v = views.save_view(session, actor=leader, name="我的红灯", state=_state(colours=["red"]))
    assert v.shared_role is None and v.owner_id == leader.user_id
    with pytest.raises(PermissionDenied, match="共享视图"):
        views.save_view(session, actor=leader, name="共享", state={}, shared_role="leader")
    assert [x.id for x in views.list_views(session, actor=leader)] == [v.id]
    assert views.list_views(session, actor=other_leader) == []
    with pytest.raises(NotFound, match="未共享给您"):
        views.get_view(session, actor=other_leader, view_id=v.id)
    assert views.get_view(session, actor=leader, view_id=v.id).id == v.id


def test_a_view_shared_with_leaders_is_seen_by_leaders_only(session):
    _, office = make_user(session, Role.office)
    _, leader = make_user(session, Role.leader)
    _, inspector = make_user(session, Role.inspector)
    _, other_office = make_user(session, Role.office)
    _, unit = make_user(session, Role.dept_head)
    shared = views.save_view(
        session, actor=office, name="领导关注", state=_state(text="网上"), shared_role="leader"
    )
    mine = views.save_view(session, actor=office, name="办公室自用", state=_state())
    assert [v.id for v in views.list_views(session, actor=leader)] == [shared.id]
    assert views.list_views(session, actor=inspector) == []
    assert views.list_views(session, actor=unit) == []
    assert views.list_views(session, actor=other_office) == []  # private stays private
    assert {v.id for v in views.list_views(session, actor=office)} == {shared.id, mine.id}
    with pytest.raises(NotFound):
        views.get_view(session, actor=inspector, view_id=shared.id)
    with pytest.raises(NotFound):
        views.get_view(session, actor=unit, view_id=shared.id)
    # a unit's head, who never sees the register, cannot be shared with
    with pytest.raises(ValidationFailed, match="不使用任务台账"):
        views.save_view(session, actor=office, name="单位", state={}, shared_role="dept_head")
    # the leader may read the shared view but not change or delete it
    with pytest.raises(PermissionDenied):
        views.update_view(
            session, actor=leader, view_id=shared.id, expected_version=shared.version, name="改"
        )
    with pytest.raises(PermissionDenied):
        views.delete_view(session, actor=leader, view_id=shared.id, expected_version=1)
    # another office user manages a shared view, but not a private one
    views.update_view(
        session, actor=other_office, view_id=shared.id, expected_version=1, name="领导关注2"
    )
    with pytest.raises(PermissionDenied):
        views.delete_view(session, actor=other_office, view_id=mine.id, expected_version=1)


def test_rename_overwrite_unshare_delete_with_versions_and_audit(session):
    _, office = make_user(session, Role.office)
    _, leader = make_user(session, Role.leader)
    v = views.save_view(session, actor=office, name="甲", state=_state(), shared_role="leader")
    views.update_view(session, actor=office, view_id=v.id, expected_version=1, name="乙")
    with pytest.raises(StaleEdit):  # edited from an old read
        views.update_view(
            session, actor=office, view_id=v.id, expected_version=1, state=_state(text="x")
        )
    session.refresh(v)
    assert v.name == "乙" and v.state["text"] == ""
    views.update_view(
        session, actor=office, view_id=v.id, expected_version=v.version, state=_state(text="社保")
    )
    session.refresh(v)
    assert v.state["text"] == "社保"
    views.update_view(
        session, actor=office, view_id=v.id, expected_version=v.version, shared_role=None
    )
    assert views.list_views(session, actor=leader) == []
    with pytest.raises(ValidationFailed, match="已有名为"):
        views.save_view(session, actor=office, name="乙", state={})
    with pytest.raises(StaleEdit):
        views.delete_view(session, actor=office, view_id=v.id, expected_version=v.version - 1)
    views.delete_view(session, actor=office, view_id=v.id, expected_version=v.version)
    assert session.exec(select(SavedView)).all() == []
    actions = session.exec(
        select(AuditLog.action, AuditLog.object_id)
        .where(AuditLog.object_type == "saved_view")
        .order_by(AuditLog.id)
    ).all()
    assert actions == [
        ("view.create", str(v.id)),
        ("view.update", str(v.id)),
        ("view.update", str(v.id)),
        ("view.update", str(v.id)),
        ("view.delete", str(v.id)),
    ]


def test_bad_input_changes_nothing(session):
    _, office = make_user(session, Role.office)
    for name in ("", " ", "名" * 61):
        with pytest.raises(ValidationFailed):
            views.save_view(session, actor=office, name=name, state={})
    with pytest.raises(ValidationFailed):
        views.save_view(session, actor=office, name="坏", state={"deadline_from": "明天"})
    assert session.exec(select(SavedView)).all() == []
    assert session.exec(select(AuditLog)).all() == []


def test_a_stored_state_is_applied_without_what_no_longer_exists(session):
    _, office = make_user(session, Role.office)
    money = definitions.create_field(session, actor=office, label="投资额", kind="number")
    gone = definitions.create_field(session, actor=office, label="旧字段", kind="text")
    f = RegisterFilter(
        statuses=["in_progress"],
        deadline_from=dt.date(2026, 1, 1),
        categories=[0, 5],
        custom={money.id: FieldFilter(low=10), gone.id: FieldFilter(contains="x")},
    )
    state = views.state_of(
        f, columns=["code", f"cf_{gone.id}", "nonsense", f"cf_{money.id}"], sort=f"cf_{gone.id}"
    )
    state["statuses"].append("flying")
    state["unknown_key"] = 1
    definitions.set_retired(
        session, actor=office, field_id=gone.id, expected_version=1, retired=True
    )
    fields = definitions.list_fields(session)
    read = views.applied(views.read_state(state), fields=fields, categories=[1, 2])
    assert read.columns == ["code", f"cf_{money.id}"]
    assert read.sort is None and read.statuses == ["in_progress"]
    assert read.categories == [0]
    flt = views.to_filter(read)
    assert list(flt.custom) == [money.id] and flt.custom[money.id].low == 10
    assert flt.deadline_from == dt.date(2026, 1, 1)
    # a state that cannot be read at all opens the plain register
    assert views.read_state({"deadline_from": "坏", "text": "社保"}).text == "社保"
    assert views.read_state("not json").columns == []
