"""AppTest of 通知通报: an inspector drafts and issues an urging notice; the unit answers it."""

import datetime as dt

import pytest
from sqlmodel import Session, select

from duban.core.db import make_engine
from models import AppUser, Notice, NoticeRecipient
from tests.apptest import app_as, errors, page_as, shown


def _button(at, label):
    hits = [b for b in at.button if b.label == label]
    assert hits, [b.label for b in at.button]
    return hits[0]


def _tick(at, label_start):
    hits = [c for c in at.checkbox if c.label.startswith(label_start)]
    assert hits, [c.label for c in at.checkbox]
    return hits[0].check()


def test_inspector_goes_from_who_is_late_to_an_issued_notice(demo_db):
    at = page_as("notices", "inspector", "inspector")
    assert not at.exception and not errors(at), errors(at)
    assert [t.label for t in at.tabs] == ["谁在滞后 · 起草", "草稿", "已签发"]
    late = at.dataframe[0].value
    assert len(late) > 0 and "下一份督办等级" in late.columns
    first_unit = late.iloc[0]["单位"]
    assert at.selectbox(key="nt_kind").value == "urging"
    _button(at, "生成草稿").click().run()
    assert not at.exception and not errors(at), errors(at)
    title = [w for w in at.text_input if w.label == "标题"][0]
    assert first_unit in title.value
    title.input(f"关于{first_unit}加快推进逾期任务的督办通知").run()
    _button(at, "签发").click().run()
    # 签发 without the tick does nothing (not even a save)
    assert any("请先勾选“确认签发”" in e for e in errors(at)), errors(at)
    with Session(make_engine(demo_db)) as s:
        assert not s.exec(
            select(Notice).where(Notice.title == f"关于{first_unit}加快推进逾期任务的督办通知")
        ).all()
    _tick(at, "确认签发")
    _button(at, "签发").click().run()
    assert not at.exception and not errors(at), errors(at)
    assert any("已签发" in s.value for s in at.success)
    with Session(make_engine(demo_db)) as s:
        n = s.exec(
            select(Notice).where(Notice.title == f"关于{first_unit}加快推进逾期任务的督办通知")
        ).one()
        assert n.status == "issued" and n.doc_number.startswith("督办〔") and n.doc_seq == 2
        rec = s.exec(select(NoticeRecipient).where(NoticeRecipient.notice_id == n.id)).one()
        assert rec.delivered_at is not None
    # the issued notice is read-only: no title box, a Word download instead
    assert not [w for w in at.text_input if w.label == "标题"]
    assert any(b.label == "下载 Word" for b in at.get("download_button"))


def test_broken_interview_input_is_refused_in_chinese(demo_db):
    at = page_as("notices", "inspector", "inspector")
    at.selectbox(key="nt_kind").set_value("interview").run()
    _button(at, "生成草稿").click().run()
    assert any("约谈时间、地点和参加人员" in e for e in errors(at))


def test_interview_from_the_form_asks_the_list_before_the_day_and_names_the_contact(demo_db):
    at = page_as("notices", "inspector", "inspector")
    at.selectbox(key="nt_kind").set_value("interview").run()
    day = dt.date.today() + dt.timedelta(days=7)
    at.date_input(key="nt_iv_day").set_value(day).run()
    at.text_input(key="nt_place").input("三楼会议室").run()
    _button(at, "生成草稿").click().run()
    # no default contact in the rules yet: the form asks for one
    assert any("联系人和联系电话" in e for e in errors(at)), errors(at)
    at.text_input(key="nt_contact").input("李明").run()
    at.text_input(key="nt_phone").input("0571-87000000").run()
    _button(at, "生成草稿").click().run()
    assert not at.exception and not errors(at), errors(at)
    body = [w for w in at.text_area if w.label == "正文"][0].value
    assert "联系人：李明；联系电话：0571-87000000" in body
    assert f"{day.year}年{day.month}月{day.day}日" in body
    with Session(make_engine(demo_db)) as s:
        n = s.exec(select(Notice).where(Notice.kind == "interview")).one()
        assert n.reply_due < day and "不得委托他人代为参加" in n.body


def test_interview_attendees_default_to_the_notice_words_in_either_language(demo_db):
    at = app_as("inspector", "inspector")
    at.session_state["lang"] = "en"
    at.run()
    at.switch_page("pages/notices.py")
    at.run()
    at.selectbox(key="nt_kind").set_value("interview").run()
    assert at.text_input(key="nt_attendees").label == "Attendees"
    assert at.text_input(key="nt_attendees").value == "单位主要负责同志、分管负责同志"


def test_bulletin_offers_the_last_complete_period_first(demo_db):
    at = page_as("notices", "office", "office")
    at.selectbox(key="nt_kind").set_value("bulletin").run()
    options = at.selectbox(key="nt_period_start_month").options
    today = dt.date.today()
    last = today.replace(day=1) - dt.timedelta(days=1)
    assert options[0] == f"{last.year}年{last.month}月"
    assert options[-1].startswith(f"{today.year}年{today.month}月（截至")
    _button(at, "生成草稿").click().run()
    assert not at.exception and not errors(at), errors(at)
    title = [w for w in at.text_input if w.label == "标题"][0].value
    assert title.startswith(f"关于{last.year}年{last.month}月")


def test_accountability_draft_cannot_be_issued_until_its_basis_is_written(demo_db):
    at = page_as("notices", "office", "office")
    at.selectbox(key="nt_kind").set_value("accountability").run()
    _button(at, "生成草稿").click().run()
    assert not at.exception and not errors(at), errors(at)
    assert any("问责所依据的规定及条款" in w.value for w in at.warning)
    _tick(at, "确认签发")
    _button(at, "签发").click().run()
    assert any("还有待填写的内容" in e for e in errors(at)), errors(at)
    with Session(make_engine(demo_db)) as s:
        n = s.exec(select(Notice).where(Notice.kind == "accountability")).one()
        assert n.status == "draft" and n.doc_number is None


def test_dept_head_acknowledges_and_replies(demo_db):
    with Session(make_engine(demo_db)) as s:
        u = s.exec(select(AppUser).where(AppUser.username == "dept01")).one()
        n = Notice(
            kind="urging",
            level="blue",
            status="issued",
            title="测试督办通知",
            body="请加快推进。",
            doc_number="督办〔2099〕1号",
            doc_year=2099,
            doc_seq=1,
            reply_due=dt.date(2099, 1, 31),
        )
        s.add(n)
        s.flush()
        s.add(NoticeRecipient(notice_id=n.id, department_id=u.department_id))
        s.commit()
        nid = n.id
    at = page_as("notices", "dept01", "dept_head")
    assert not at.exception and not errors(at), errors(at)
    assert [t.label for t in at.tabs] == ["本单位通知", "整改事项"]
    at.button(key=f"nt_ack_{nid}").click().run()
    assert not errors(at), errors(at)
    at.text_area(key=f"nt_reply_text_{nid}").input("已召开专题会议，倒排工期加快推进。")
    at.button(key=f"nt_reply_{nid}").click().run()
    assert not errors(at), errors(at)
    with Session(make_engine(demo_db)) as s:
        rec = s.exec(select(NoticeRecipient).where(NoticeRecipient.notice_id == nid)).one()
        assert rec.acknowledged_at is not None and rec.reply_text.startswith("已召开")


@pytest.mark.parametrize("user,role", [("leader", "leader"), ("office", "office")])
def test_leader_reads_and_office_drafts(demo_db, user, role):
    at = page_as("notices", user, role)
    assert not at.exception and not errors(at), errors(at)
    if role == "leader":
        assert not at.tabs and not [b for b in at.button if b.label == "生成草稿"]
        assert len(at.dataframe[0].value) == 2  # the demo's two issued notices
    else:
        assert len(at.tabs) == 3


def test_office_edits_a_template_broken_one_is_refused_with_its_line(demo_db):
    from models import NoticeTemplate

    at = page_as("admin", "office", "office")
    assert "通知模板与规则" in [t.label for t in at.tabs]
    at.selectbox(key="tpl_kind").set_value("urging").run()
    src = at.text_area(key="tpl_src_urging_0")
    assert "经梳理" in src.value
    src.input("第一行\n{{ unit }}{% if tasks %}\n没有结束").run()
    assert any("第 3 行" in e for e in errors(at)), errors(at)  # the preview says where
    at.button(key="tpl_save").click().run()
    assert any("第 3 行" in e for e in errors(at))
    with Session(make_engine(demo_db)) as s:
        assert s.exec(select(NoticeTemplate)).first() is None  # nothing half-written
    at.text_area(key="tpl_src_urging_0").input("{{ unit }}：请加快推进{{ tasks|length }}项任务。")
    at.button(key="tpl_save").click().run()
    assert not errors(at), errors(at)
    with Session(make_engine(demo_db)) as s:
        assert s.get(NoticeTemplate, "urging").body.startswith("{{ unit }}")


def test_without_libreoffice_the_page_says_pdf_is_unavailable(demo_db, monkeypatch):
    from duban.documents import pdf as documents_pdf

    monkeypatch.setattr(documents_pdf.shutil, "which", lambda name: None)
    at = page_as("notices", "leader", "leader")
    assert not at.exception and not errors(at), errors(at)
    with Session(make_engine(demo_db)) as s:
        issued = s.exec(select(Notice).where(Notice.status == "issued")).first()
    at.selectbox(key="nt_issued_pick").set_value(issued.id).run()  # nothing opens unpicked
    pdf = [b for b in at.button if b.label == "生成 PDF"]
    assert pdf and all(b.disabled for b in pdf)
    assert any("未安装 LibreOffice" in c.value for c in at.caption)
    assert any(b.label == "下载 Word" for b in at.get("download_button"))


def _issued_to_dept01(url, **kw) -> int:
    with Session(make_engine(url)) as s:
        u = s.exec(select(AppUser).where(AppUser.username == "dept01")).one()
        n = Notice(
            kind="urging",
            level="blue",
            status=kw.pop("status", "issued"),
            title="测试督办通知",
            body="请加快推进。",
            doc_number="督办〔2099〕1号",
            doc_year=2099,
            doc_seq=1,
            reply_due=dt.date(2099, 1, 31),
            issued_at=dt.datetime(2026, 1, 5, 9),
            **kw,
        )
        s.add(n)
        s.flush()
        s.add(NoticeRecipient(notice_id=n.id, department_id=u.department_id))
        s.commit()
        return n.id


def test_office_withdraws_an_issued_notice_only_with_a_reason_and_a_tick(demo_db):
    nid = _issued_to_dept01(demo_db)
    at = page_as("notices", "office", "office")
    at.tabs[2].selectbox(key="nt_issued_pick").set_value(nid).run()
    assert not at.exception and not errors(at), errors(at)
    at.text_area(key=f"nt_issued_wd_reason_{nid}").input("发错单位，另行下发。")
    _button(at, "撤回").click().run()
    assert any("请先勾选“确认撤回”" in e for e in errors(at)), errors(at)
    with Session(make_engine(demo_db)) as s:
        assert s.get(Notice, nid).status == "issued"
    _tick(at, "确认撤回")
    _button(at, "撤回").click().run()
    assert not errors(at), errors(at)
    with Session(make_engine(demo_db)) as s:
        n = s.get(Notice, nid)
        assert n.status == "withdrawn" and n.withdraw_reason == "发错单位，另行下发。"
        assert n.doc_number == "督办〔2099〕1号"
    # still listed among the issued, marked; the page says it was withdrawn, and why
    table = at.tabs[2].dataframe[0].value
    assert "【已撤回】测试督办通知" in table["标题"].to_list()
    assert any("发错单位，另行下发。" in shown(w.value) for w in at.warning)
    assert not [b for b in at.button if b.label == "撤回"]


def test_unit_sees_a_withdrawn_notice_marked_with_nothing_to_do(demo_db):
    nid = _issued_to_dept01(
        demo_db,
        status="withdrawn",
        withdrawn_at=dt.datetime(2026, 1, 6, 9),
        withdraw_reason="数据有误，重新核实后再发。",
    )
    at = page_as("notices", "dept01", "dept_head")
    assert not at.exception
    label = next(e.label for e in at.expander if "测试督办通知" in e.label)
    assert label.startswith("🚫 【已撤回】")
    assert any(
        "数据有误，重新核实后再发。" in shown(w.value) and "无需签收" in shown(w.value)
        for w in at.warning
    )
    assert f"nt_ack_{nid}" not in [b.key for b in at.button]
    assert f"nt_reply_text_{nid}" not in [w.key for w in at.text_area]
    assert any(b.label == "下载 Word" for b in at.get("download_button"))
