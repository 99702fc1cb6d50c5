"""AppTest of 系统管理 and 个人设置: the office manages units and users; passwords change."""

from sqlmodel import Session, select

from duban.core.db import make_engine
from models import AppUser, AuditLog, Department
from tests.apptest import errors, page_as


def test_office_creates_a_department(demo_db):
    at = page_as("admin", "office", "office")
    labels = [t.label for t in at.tabs]  # other areas add their tabs in between
    assert labels[:2] == ["单位管理", "用户管理"] and labels[-1] == "操作日志"
    form_inputs = [w for w in at.text_input if w.label == "单位全称"]
    form_inputs[0].input("市数据局")
    [w for w in at.text_input if w.label == "简称"][0].input("数据局")
    [b for b in at.button if b.label == "创建"][0].click().run()
    assert not at.exception and not errors(at), errors(at)
    with Session(make_engine(demo_db)) as s:
        d = s.exec(select(Department).where(Department.name == "市数据局")).one()
        assert d.short_name == "数据局"
        assert s.exec(select(AuditLog).where(AuditLog.action == "department.create")).first()


def test_duplicate_department_name_is_refused(demo_db):
    at = page_as("admin", "office", "office")
    [w for w in at.text_input if w.label == "单位全称"][0].input("市公安局")
    [b for b in at.button if b.label == "创建"][0].click().run()
    assert any("已存在" in e for e in errors(at))


def test_audit_log_tab_lists_rows(demo_db):
    at = page_as("admin", "office", "office")
    assert any("共" in c.value for c in at.caption)


def test_office_creates_user_with_short_password_refused(demo_db):
    at = page_as("admin", "office", "office")
    [w for w in at.text_input if w.label.startswith("用户名")][0].input("newbie")
    [w for w in at.text_input if w.label == "姓名"][0].input("新人")
    [w for w in at.text_input if w.label == "初始密码"][0].input("123")
    [b for b in at.button if b.label == "创建"][1].click().run()
    assert any("至少需要 8" in e for e in errors(at))
    with Session(make_engine(demo_db)) as s:
        assert s.exec(select(AppUser).where(AppUser.username == "newbie")).first() is None


def test_account_change_password(demo_db):
    at = page_as("account", "dept01", "dept_head")
    at.text_input(key="pw_old").input("duban-demo")
    at.text_input(key="pw_new").input("brand-new-pw")
    at.text_input(key="pw_repeat").input("brand-new-pw")
    at.button[-1].click().run()
    assert not errors(at), errors(at)
    assert any("已修改" in s.value for s in at.success)
