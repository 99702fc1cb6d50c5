"""Streamlit pieces of the notices page: who is late, draft editor, issue, lists, replies."""

import datetime as dt

import pandas as pd
import streamlit as st

from duban.core import clock
from duban.core.errors import DubanError
from duban.core.permissions import Actor, can
from duban.documents import pdf
from duban.notices import drafting, facts, issuing, labels, reading, replies
from duban.notices import rules as notice_rules
from duban.org import departments
from models import NoticeKind, NoticeStatus
from ui import selection
from ui.common import DATE_FORMAT, EMPTY_CELL, empty_state, flash, plain, plain_line, show_errors
from ui.context import data_version, lang, session, t, vocab
from ui.inbox import links

KIND_OPTIONS = ["urging", *(k.value for k in NoticeKind if k != "urging")]
UNIT_KINDS = {"urging", "reminder", "interview", "accountability"}
LEVEL_ICON = {"blue": "🔵", "yellow": "🟡", "red": "🔴"}


def _kind_label(kind: str) -> str:
    return vocab("notice_kind", NoticeKind(kind))


def _kind_labels() -> dict:
    """Kind → label, read once per run: a picker's format_func then needs no session state
    (AppTest calls it outside the script run, where the locale is not known)."""
    return {k.value: _kind_label(k.value) for k in NoticeKind}


def _fmt_dt(v: dt.datetime | dt.date | None) -> str:
    if v is None:
        return t("notices.no")
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    return v.isoformat()


@st.cache_data(show_spinner=False)
def _late(version: int, today: dt.date) -> list[dict]:
    with session() as s:
        return facts.late_units(s, today)


@st.cache_data(show_spinner=False)
def _units(version: int) -> dict[int, str]:
    with session() as s:
        return {d.id: d.name for d in departments.list_departments(s)}


# ---------------------------------------------------------------- who is late → draft


def late_units_view() -> list[dict]:
    rows = _late(data_version(), clock.today())
    st.caption(t("notices.late_caption"))
    if not rows:
        empty_state(t("notices.none_late"))
        return rows
    frame = pd.DataFrame(
        {
            t("notices.col_unit"): [r["name"] for r in rows],
            t("notices.col_overdue"): [r["overdue"] for r in rows],
            t("notices.col_max_wd"): [r["max_overdue_wd"] for r in rows],
            t("notices.col_red"): [r["red"] for r in rows],
            t("notices.col_yellow"): [r["yellow"] for r in rows],
            t("notices.col_ignored"): [r["ignored_notices"] for r in rows],
            t("notices.col_rect"): [r["overdue_rectifications"] for r in rows],
            t("cyw.col.missed_reports"): [r["missed_reports"] for r in rows],
            t("notices.col_level"): [
                f"{LEVEL_ICON[r['next_level']]} {vocab('notice_level', r['next_level'])}"
                for r in rows
            ],
            t("notices.col_why"): [facts.why_text(r["why"], lang()) for r in rows],
            t("notices.col_suggest"): [
                t("punct.enum").join(_kind_label(k) for k in r["suggest"]) for r in rows
            ],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch", placeholder=EMPTY_CELL)
    return rows


def generator(me: Actor, late: list[dict]) -> int | None:
    """Kind + parameters → a saved draft; returns its id."""
    st.subheader(t("notices.generate_title"))
    units = _units(data_version())
    unit_ids = [r["department_id"] for r in late] + [
        d for d in units if d not in {r["department_id"] for r in late}
    ]
    c1, c2 = st.columns([1, 2])
    kind = c1.selectbox(
        t("notices.kind"),
        KIND_OPTIONS,
        format_func=_kind_labels().get,
        key="nt_kind",
        placeholder=t("form.choose"),
    )
    params: dict = {}
    if kind in UNIT_KINDS:
        params["department_id"] = c2.selectbox(
            t("notices.unit"),
            unit_ids,
            format_func=lambda i: units.get(i, str(i)),
            key="nt_unit",
            placeholder=t("form.choose"),
        )
    elif kind == "bulletin":
        params.update(_period_fields(c2))
    else:
        chosen = c2.multiselect(
            t("notices.chosen_units"),
            list(units),
            format_func=lambda i: units.get(i, str(i)),
            key=f"nt_units_{kind}",
            placeholder=t("notices.by_rule"),
            select_all=False,
        )
        params["department_ids"] = chosen or None
    if kind == "interview":
        params.update(_interview_fields())
    if kind == "accountability":
        params["sanction"] = st.text_input(t("notices.sanction"), key="nt_sanction")
    if st.button(t("notices.generate"), type="primary", key="nt_generate"):
        with show_errors(), session() as s:
            n = drafting.draft_notice(s, actor=me, kind=kind, **params)
            flash(t("notices.generated"))
            return n.id
    return None


def _period_fields(col) -> dict:
    """The bulletin's rhythm and period: by default the last complete one."""
    a, b = col.columns(2)
    kind = a.selectbox(
        t("notices.period"),
        list(labels.PERIODS),
        index=1,
        format_func=lambda p: labels.PERIODS[p],
        key="nt_period",
        placeholder=t("form.choose"),
    )
    options = drafting.bulletin_periods(kind, clock.today())
    start = b.selectbox(
        t("notices.period_span"),
        [p.start for p in options],
        format_func=lambda d: next(p.label for p in options if p.start == d),
        key=f"nt_period_start_{kind}",
        placeholder=t("form.choose"),
    )
    return {"period": kind, "period_start": start}


def _interview_fields() -> dict:
    """When, where, who, and whom to call; the office may confirm the leading group agreed."""
    with session() as s:
        rules = notice_rules.load_notice_rules(s)
    a, b, c = st.columns(3)
    day = a.date_input(
        t("notices.interview_day"),
        clock.today() + dt.timedelta(days=3),
        min_value=clock.today() + dt.timedelta(days=1),
        key="nt_iv_day",
        format=DATE_FORMAT,
    )
    at = b.time_input(t("notices.interview_time"), dt.time(9, 0), key="nt_iv_time")
    place = c.text_input(t("notices.place"), key="nt_place")
    a, b, c = st.columns(3)
    # the notice's own words, Chinese whatever the page's language
    attendees = a.text_input(t("notices.attendees"), drafting.DEFAULT_ATTENDEES, key="nt_attendees")
    contact = b.text_input(t("notices.contact"), rules["contact_person"], key="nt_contact")
    phone = c.text_input(t("notices.phone"), rules["contact_phone"], key="nt_phone")
    agreed = st.checkbox(t("notices.agreed"), key="nt_agreed")
    return {
        "interview_at": dt.datetime.combine(day, at) if day and at else None,
        "place": place,
        "attendees": attendees,
        "contact": contact,
        "phone": phone,
        "agreed": agreed,
    }


# ---------------------------------------------------------------- draft editor


def draft_editor(me: Actor, notice_id: int, key: str) -> None:
    """Edit the draft's text, then save or issue; after issue show the downloads."""
    with session() as s:
        n = reading.get_notice(s, actor=me, notice_id=notice_id)
        recips = reading.recipients_of(s, notice_id)
    if n.status != NoticeStatus.draft:
        issued_view(me, notice_id, key)
        return
    st.markdown(f"#### {t('notices.editor', title=_kind_label(n.kind))}")
    if n.extra.get("level_reason"):
        st.caption(
            t("notices.level_reason", why=plain(facts.why_text(n.extra["level_reason"], lang())))
        )
    if "meets_rule" in n.extra:
        key_ = "notices.rule_met" if n.extra["meets_rule"] else "notices.rule_not_met"
        (st.caption if n.extra["meets_rule"] else st.warning)(t(key_, rule=plain(n.extra["rule"])))
    blanks = issuing.unfilled(n)
    if blanks:
        st.warning(t("notices.unfilled", what="、".join(plain_line(b) for b in blanks)))
    k = f"{key}_{n.id}_{n.version}"
    changes, chosen = _draft_fields(n, recips, k)
    _draft_buttons(me, n, k, key, changes, chosen)


def _draft_fields(n, recips: list[dict], k: str) -> tuple[dict, list[int]]:
    """The draft's editable fields; returns (the changes for update_draft, the recipients)."""
    title = st.text_input(t("notices.title"), n.title, key=f"nt_title_{k}")
    c1, c2, c3 = st.columns([3, 1, 1])
    addressees = c1.text_input(t("notices.addressees"), n.addressees, key=f"nt_addr_{k}")
    reply_due = c2.date_input(
        t("notices.reply_due"), n.reply_due, key=f"nt_due_{k}", format=DATE_FORMAT
    )
    level = n.level
    if n.kind == "urging":
        level = c3.selectbox(
            t("notices.level"),
            list(labels.LEVELS),
            index=labels.LEVELS.index(n.level or "blue"),
            format_func=lambda v: f"{LEVEL_ICON[v]} {vocab('notice_level', v)}",
            key=f"nt_level_{k}",
            placeholder=t("form.choose"),
        )
    body = st.text_area(t("notices.body"), n.body, height=300, key=f"nt_body_{k}")
    req = st.text_area(t("notices.requirements"), n.requirements, height=100, key=f"nt_req_{k}")
    c1, c2 = st.columns(2)
    signature = c1.text_input(t("notices.signature"), n.signature, key=f"nt_sig_{k}")
    copy_to = c2.text_input(t("notices.copy_to"), n.copy_to, key=f"nt_copy_{k}")
    units = _units(data_version())
    chosen = st.multiselect(
        t("notices.recipients"),
        list(units),
        default=[r["department_id"] for r in recips if r["department_id"] in units],
        format_func=lambda i: units.get(i, str(i)),
        key=f"nt_recips_{k}",
        placeholder=t("insp.choose_many"),
        select_all=False,
    )
    if n.attachments:
        st.caption(_attachments(n))
    changes = dict(
        title=title,
        addressees=addressees,
        body=body,
        requirements=req,
        signature=signature,
        copy_to=copy_to,
        reply_due=reply_due,
        level=level,
    )
    return changes, chosen


def _draft_buttons(me: Actor, n, k: str, key: str, changes: dict, chosen: list[int]) -> None:
    """Save, issue (after an explicit tick), download as DOCX, delete."""
    confirmed = st.checkbox(t("notices.confirm_issue"), key=f"nt_issue_ok_{k}")
    b1, b2, b3, b4 = st.columns(4)
    save = b1.button(t("notices.save"), key=f"nt_save_{k}", width="stretch")
    issue = b2.button(t("notices.issue"), type="primary", key=f"nt_issue_{k}", width="stretch")
    with session() as s:
        name, data = reading.notice_docx(s, actor=me, notice_id=n.id)
    b3.download_button(
        t("notices.docx"),
        data,
        file_name=name,
        key=f"nt_docx_{k}",
        width="stretch",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        on_click="ignore",
    )
    delete = b4.button(t("notices.delete"), key=f"nt_del_{k}", width="stretch")
    if issue and not confirmed:
        st.error(t("notices.confirm_issue_needed"))
        return
    if save or issue:
        with show_errors(), session() as s:
            n2 = drafting.update_draft(
                s,
                actor=me,
                notice_id=n.id,
                expected_version=n.version,
                recipients=chosen,
                **changes,
            )
            if issue:
                n2 = issuing.issue_notice(s, actor=me, notice_id=n.id, expected_version=n2.version)
                flash(t("notices.issued", number=plain(n2.doc_number or ""), n=len(chosen)))
            else:
                flash(t("notices.saved"))
            st.rerun()
    if delete:
        with show_errors(), session() as s:
            drafting.delete_draft(s, actor=me, notice_id=n.id)
            st.session_state.pop(f"{key}_open", None)
            flash(t("notices.deleted"))
            st.rerun()


def downloads(me: Actor, notice_id: int, key: str) -> None:
    with session() as s:
        name, data = reading.notice_docx(s, actor=me, notice_id=notice_id)
    c1, c2, c3 = st.columns([1, 1, 2])
    c1.download_button(
        t("notices.docx"),
        data,
        file_name=name,
        key=f"nt_dl_{key}_{notice_id}",
        width="stretch",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        on_click="ignore",
    )
    pdf_key = f"nt_pdf_{notice_id}"
    if pdf.libreoffice_binary() is None:  # say so up front rather than after a click
        c2.button(
            t("notices.pdf_make"), key=f"nt_pdfna_{key}_{notice_id}", disabled=True, width="stretch"
        )
        c3.caption(t("notices.pdf_missing"))
    elif pdf_key in st.session_state:
        c2.download_button(
            t("notices.pdf"),
            st.session_state[pdf_key],
            file_name=name.removesuffix(".docx") + ".pdf",
            mime="application/pdf",
            key=f"nt_pdfdl_{key}_{notice_id}",
            width="stretch",
            on_click="ignore",
        )
    elif c2.button(t("notices.pdf_make"), key=f"nt_pdfmk_{key}_{notice_id}", width="stretch"):
        try:
            pdf_data = pdf.docx_to_pdf(data)
        except DubanError as exc:
            c3.error(plain(exc))
            return
        if pdf_data is None:
            c3.warning(t("notices.pdf_missing"))
        else:
            st.session_state[pdf_key] = pdf_data
            st.rerun()


def _attachments(n) -> str:
    return t(
        "notices.attachments", names=t("punct.list").join(plain(a["title"]) for a in n.attachments)
    )


def _withdrawn_banner(n) -> None:
    if n.status == NoticeStatus.withdrawn:
        st.warning(
            t(
                "notices.withdrawn_banner",
                at=_fmt_dt(n.withdrawn_at),
                reason=plain(n.withdraw_reason or ""),
            ),
            icon="🚫",
        )


def _print(n) -> None:
    """The notice as read-only text, in the order it is printed (a withdrawn one says so
    first)."""
    _withdrawn_banner(n)
    head = f"**{plain(n.doc_number or '')}**"
    if n.level and n.kind == "urging":
        head += f"{t('punct.gap')}{LEVEL_ICON.get(n.level, '')} {vocab('notice_level', n.level)}"
    st.markdown(head)
    st.markdown(f"### {plain(n.title)}")
    if n.addressees:
        st.markdown(f"{plain(n.addressees)}：")
    for p in (n.body + "\n" + (n.requirements or "")).splitlines():
        if p.strip():
            st.markdown(f"　　{plain(p.strip())}")
    if n.attachments:
        st.caption(_attachments(n))
    st.markdown(f"{plain(n.signature)}  \n{_fmt_dt(n.issued_at)[:10]}", text_alignment="right")


def issued_view(me: Actor, notice_id: int, key: str) -> None:
    with session() as s:
        n = reading.get_notice(s, actor=me, notice_id=notice_id)
        recips = reading.recipients_of(s, notice_id)
    with st.container(border=True):
        _print(n)
    downloads(me, notice_id, key)
    if n.status == NoticeStatus.draft:
        return
    if n.status == NoticeStatus.issued and can(me, "notice.withdraw"):
        withdraw_form(me, n, key)
    st.markdown(f"##### {t('notices.recipient_status')}")
    st.dataframe(
        pd.DataFrame(
            {
                t("notices.col_unit"): [r["name"] for r in recips],
                t("notices.col_delivered"): [_fmt_dt(r["delivered_at"]) for r in recips],
                t("notices.col_ack"): [_fmt_dt(r["acknowledged_at"]) for r in recips],
                t("notices.col_replied"): [_fmt_dt(r["replied_at"]) for r in recips],
                t("notices.col_reply"): [r["reply_text"] for r in recips],
            }
        ),
        hide_index=True,
        width="stretch",
        placeholder=EMPTY_CELL,
    )


def withdraw_form(me: Actor, n, key: str) -> None:
    """撤回 an issued notice: a reason and an explicit tick; the number stays used."""
    with st.expander(t("notices.withdraw_title")):
        with st.form(f"{key}_wd_{n.id}_{n.version}"):
            reason = st.text_area(
                t("notices.withdraw_reason") + " *", key=f"{key}_wd_reason_{n.id}", height=68
            )
            confirmed = st.checkbox(t("notices.confirm_withdraw"), key=f"{key}_wd_ok_{n.id}")
            if st.form_submit_button(t("notices.withdraw")):
                if not confirmed:
                    st.error(t("notices.confirm_withdraw_needed"))
                    return
                with show_errors(), session() as s:
                    done = issuing.withdraw_notice(
                        s, actor=me, notice_id=n.id, expected_version=n.version, reason=reason
                    )
                    flash(t("notices.withdrawn_done", number=plain(done.doc_number or "")))
                    st.rerun()


# ---------------------------------------------------------------- lists


def notice_table(rows: list[reading.NoticeRow], issued: bool) -> None:
    data = {
        t("notices.col_number"): [r.notice.doc_number or "" for r in rows],
        t("notices.col_kind"): [
            _kind_label(r.notice.kind)
            + (f" {LEVEL_ICON.get(r.notice.level, '')}" if r.notice.level else "")
            for r in rows
        ],
        t("notices.col_title"): [
            (t("notices.withdrawn_mark") if r.notice.status == NoticeStatus.withdrawn else "")
            + r.notice.title
            for r in rows
        ],
    }
    if issued:
        data[t("notices.col_issued")] = [_fmt_dt(r.notice.issued_at) for r in rows]
        data[t("notices.col_reply_due")] = [_fmt_dt(r.notice.reply_due) for r in rows]
        data[t("notices.col_ack")] = [f"{r.acknowledged}/{r.recipients}" for r in rows]
        data[t("notices.col_replied")] = [  # only a notice with a reply date asks for one
            f"{r.replied}/{r.recipients}" if r.notice.reply_due else "—" for r in rows
        ]
        data[t("notices.col_pending")] = [
            t("punct.list").join(sorted(set(r.pending_ack) | set(r.pending_reply))) for r in rows
        ]
    else:
        data[t("notices.col_created")] = [_fmt_dt(r.notice.created_at) for r in rows]
    st.dataframe(pd.DataFrame(data), hide_index=True, width="stretch", placeholder=EMPTY_CELL)


def pick(rows: list[reading.NoticeRow], key: str) -> int | None:
    """The notice to open, chosen by the user: nothing at first, and a choice that the kind
    filter has taken out of the list is dropped rather than moved onto another notice."""
    if not rows:
        return None
    titles = {
        r.notice.id: f"{r.notice.doc_number or t('notices.tab_drafts')} · {r.notice.title}"
        for r in rows
    }
    selection.keep_choice(f"{key}_pick", [None, *titles])
    none = t("notices.pick_none")
    return st.selectbox(
        t("notices.pick"),
        [None, *titles],
        format_func=lambda i: titles.get(i, none),
        key=f"{key}_pick",
        placeholder=none,
    )


def list_and_open(me: Actor, status: str, key: str) -> None:
    kinds = [None, *KIND_OPTIONS]
    kind = st.selectbox(
        t("notices.filter_kind"),
        kinds,
        key=f"{key}_kind",
        format_func={None: t("notices.all"), **_kind_labels()}.get,
        placeholder=t("notices.all"),
    )
    with session() as s:
        rows = reading.list_notices(s, actor=me, kind=kind, status=status)
    if not rows:
        empty_state(t("notices.no_drafts" if status == "draft" else "notices.no_issued"))
        return
    notice_table(rows, issued=status == "issued")
    nid = pick(rows, key)
    if nid is not None:
        st.divider()
        if status == "draft":
            draft_editor(me, nid, key)
        else:
            issued_view(me, nid, key)


# ---------------------------------------------------------------- links from the inbox

LINKED_NOTICE = "nt_linked"  # the notice a unit arrived for (expanded in its list)


def follow_link(me: Actor) -> None:
    """`notices?notice=ID`: the office and inspectors land on the draft or the issued notice
    picked, a leader on the issued one; a unit on its notices with that one open."""
    nid = links.take("notice")
    if nid is None:
        return
    if not can(me, "notice.read_all"):
        st.session_state["nt_unit_tab"] = t("notices.tab_mine")
        st.session_state[LINKED_NOTICE] = nid
        return
    with session() as s:
        rows = reading.list_notices(s, actor=me)
    status = next((r.notice.status for r in rows if r.notice.id == nid), None)
    if status is None:
        return
    draft = status == NoticeStatus.draft
    key = "nt_drafts" if draft else "nt_issued"
    if can(me, "notice.draft"):
        st.session_state["nt_tab"] = t("notices.tab_drafts" if draft else "notices.tab_issued")
    st.session_state[f"{key}_kind"] = None
    st.session_state[f"{key}_pick"] = nid


def follow_finding_link(rect_tab: str) -> None:
    """`notices?finding=ID` (a unit): the 整改事项 tab with that item picked to answer."""
    fid = links.take("finding")
    if fid is not None:
        st.session_state["nt_unit_tab"] = rect_tab
        st.session_state["my_f_pick"] = fid


# ---------------------------------------------------------------- the unit's side


def my_notices(me: Actor) -> None:
    with session() as s:
        rows = reading.list_notices(s, actor=me)
    if not rows:
        empty_state(t("notices.none_mine"))
        return

    def _open(r) -> bool:
        if r.mine is None or r.notice.status != NoticeStatus.issued:
            return False  # a withdrawn notice asks for nothing
        if r.notice.reply_due is None:
            return r.mine.acknowledged_at is None
        return r.mine.replied_at is None

    pending = sum(1 for r in rows if _open(r))
    if pending:
        st.warning(t("notices.pending_badge", n=pending), icon="📌")
    for r in rows:
        n, mine = r.notice, r.mine
        done = not _open(r)
        icon = "✅" if done else ("📨" if not (mine and mine.acknowledged_at) else "⏳")
        mark = ""
        if n.status == NoticeStatus.withdrawn:
            icon, mark = "🚫", t("notices.withdrawn_mark")
        label = f"{icon} {mark}{plain_line(n.doc_number or '')} · {plain_line(n.title)}"
        linked = st.session_state.get(LINKED_NOTICE)
        first = linked is None and not done and r is rows[0]
        with st.expander(label, expanded=first or n.id == linked):
            _print(n)
            if mine:
                st.caption(
                    t(
                        "notices.my_status",
                        delivered=_fmt_dt(mine.delivered_at),
                        ack=_fmt_dt(mine.acknowledged_at),
                        replied=_fmt_dt(mine.replied_at),
                    )
                )
            downloads(me, n.id, "mine")
            if mine is None or n.status != NoticeStatus.issued:
                continue
            if mine.acknowledged_at is None and st.button(
                t("notices.acknowledge"), key=f"nt_ack_{n.id}", type="primary"
            ):
                with show_errors(), session() as s:
                    replies.acknowledge_notice(s, actor=me, notice_id=n.id)
                    flash(t("notices.acknowledged"))
                    st.rerun()
            if mine.replied_at is None and n.reply_due is not None:
                text = st.text_area(t("notices.reply_text"), key=f"nt_reply_text_{n.id}")
                if st.button(t("notices.reply"), key=f"nt_reply_{n.id}"):
                    with show_errors(), session() as s:
                        replies.reply_notice(s, actor=me, notice_id=n.id, text_=text)
                        flash(t("notices.replied"))
                        st.rerun()
            elif mine.reply_text:
                st.info(plain(mine.reply_text))
