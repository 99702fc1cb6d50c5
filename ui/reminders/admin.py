"""系统管理 tabs: 通知渠道 (the mail server, the group robots, 发送测试) and 发送记录 (what was
sent to whom, when, through which channel, and what failed, with 重试)."""

import pandas as pd
import streamlit as st

from duban.core.permissions import Actor
from duban.org import departments, users
from duban.reminders import channels, channels_admin
from duban.reminders.channels_admin import ChannelView
from models import Role
from ui.common import EMPTY_CELL, empty_state, flash, opened_version, plain, show_errors
from ui.context import lang, session, t

SECURITY_KEYS = {"none": "rem.sec_none", "starttls": "rem.sec_starttls", "ssl": "rem.sec_ssl"}
KIND_KEYS = {"dingtalk": "rem.kind_dingtalk", "wecom": "rem.kind_wecom", "email": "rem.kind_email"}
STATUS_KEYS = {
    "pending": "rem.st_pending",
    "sending": "rem.st_sending",
    "sent": "rem.st_sent",
    "failed": "rem.st_failed",
    "skipped": "rem.st_skipped",
}
ROLE_KEYS = {r.value: f"role.{r.value}" for r in Role}
TEST_RESULT = "_rem_test_result"


def _test_result(where: str) -> None:
    """The outcome of the 发送测试 just pressed here (kept over its rerun, shown once)."""
    result = st.session_state.get(TEST_RESULT)
    if not result or result[0] != where:
        return
    del st.session_state[TEST_RESULT]
    _, ok, error = result
    if ok:
        st.success(t("rem.test_ok"), icon="✅")
    else:
        st.error(plain(t("rem.test_failed", error=channels.reason_text(error, lang()))), icon="⚠️")


def _send_test(me: Actor, channel_id: int, where: str, to: str | None = None) -> None:
    with show_errors(), session() as db:
        result = channels_admin.send_test(db, actor=me, channel_id=channel_id, to=to)
        st.session_state[TEST_RESULT] = (where, result.ok, result.error)
        st.rerun()


# ---------------------------------------------------------------- 通知渠道


def channels_tab(me: Actor) -> None:
    _mail_server(me)
    st.divider()
    _robots(me)


def _mail_server(me: Actor) -> None:
    st.subheader(t("rem.smtp_title"), anchor=False)
    st.caption(t("rem.smtp_caption"))
    with session() as db:
        latest = channels_admin.mail_server_view(db, actor=me)
    version, view = opened_version("smtp", latest.version if latest else 0, lambda: latest)
    cfg = view.config if view else {}
    k = f"smtp_{version}"
    with st.form("smtp_form", border=True):
        c1, c2, c3 = st.columns([3, 1, 1])
        host = c1.text_input(t("rem.f_host"), cfg.get("host", ""), key=f"{k}_host")
        port = c2.number_input(
            t("rem.f_port"), 1, 65535, int(cfg.get("port") or 465), step=1, key=f"{k}_port"
        )
        security = c3.selectbox(
            t("rem.f_security"),
            list(SECURITY_KEYS),
            index=list(SECURITY_KEYS).index(cfg.get("security", "ssl")),
            format_func=lambda s: t(SECURITY_KEYS[s]),
            key=f"{k}_security",
        )
        c4, c5 = st.columns(2)
        username = c4.text_input(t("rem.f_username"), cfg.get("username", ""), key=f"{k}_user")
        password = c5.text_input(
            t("rem.f_password"),
            type="password",
            key=f"{k}_password",
            help=t("rem.password_kept") if view and view.has_secret else None,
        )
        c6, c7 = st.columns(2)
        sender = c6.text_input(t("rem.f_sender"), cfg.get("sender", ""), key=f"{k}_sender")
        sender_name = c7.text_input(
            t("rem.f_sender_name"), cfg.get("sender_name", "督办台"), key=f"{k}_sender_name"
        )
        clear = False
        if view and view.has_secret:
            st.caption(t("rem.password_kept"))
            clear = st.checkbox(t("rem.f_clear_password"), key=f"{k}_clear")
        saved = st.form_submit_button(t("rem.save"), type="primary")
    if saved:
        with show_errors(), session() as db:
            channels_admin.save_mail_server(
                db,
                actor=me,
                values={
                    "host": host,
                    "port": int(port),
                    "security": security,
                    "username": username,
                    "sender": sender,
                    "sender_name": sender_name,
                },
                password=password,
                clear_password=clear,
                expected_version=version or None,
            )
            flash(t("rem.saved"))
            st.rerun()
    if latest is None:
        st.caption(t("rem.smtp_none"))
        return
    _enable_toggle(me, latest, "smtp")
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    to = c1.text_input(t("rem.test_to"), key="smtp_test_to")
    if c2.button(t("rem.test"), key="smtp_test", width="stretch"):
        _send_test(me, latest.id, "smtp", to=to.strip() or None)
    _test_result("smtp")


def _enable_toggle(me: Actor, view: ChannelView, where: str) -> None:
    state = t("rem.state_on") if view.enabled else t("rem.state_off")
    c1, c2 = st.columns([3, 1], vertical_alignment="center")
    c1.caption(t("rem.state_line", state=state))
    label = t("rem.disable") if view.enabled else t("rem.enable")
    if c2.button(label, key=f"{where}_toggle_{view.id}", width="stretch"):
        with show_errors(), session() as db:
            channels_admin.set_enabled(
                db,
                actor=me,
                channel_id=view.id,
                enabled=not view.enabled,
                expected_version=view.version,
            )
            flash(t("rem.saved"))
            st.rerun()


def _robots(me: Actor) -> None:
    st.subheader(t("rem.robots_title"), anchor=False)
    st.caption(t("rem.robots_caption"))
    with session() as db:
        robots = [v for v in channels_admin.list_channels(db, actor=me) if v.kind != "smtp"]
        units = departments.list_departments(db)
    unit_names = {d.id: d.name for d in units}

    def scope(v: ChannelView) -> str:
        if v.department_id is not None:
            return unit_names.get(v.department_id, str(v.department_id))
        return t(ROLE_KEYS.get(v.role or "", "rem.any"))

    if robots:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("rem.col_name"): v.name,
                        t("rem.col_kind"): t(KIND_KEYS[v.kind]),
                        t("rem.col_scope"): scope(v),
                        t("rem.col_signed"): t("rem.yes") if v.has_secret else t("rem.no"),
                        t("rem.col_state"): t("rem.state_on") if v.enabled else t("rem.state_off"),
                    }
                    for v in robots
                ]
            ),
            hide_index=True,
            width="stretch",
            placeholder=EMPTY_CELL,
        )
    else:
        empty_state(t("rem.no_robots"))
    by_id = {v.id: v for v in robots}
    picked = st.selectbox(
        t("rem.robot_pick"),
        [0, *by_id],
        format_func=lambda i: (
            t("rem.robot_new") if i == 0 else f"{by_id[i].name} · {scope(by_id[i])}"
        ),
        key="robot_pick",
    )
    current = by_id.get(picked or 0)
    _robot_form(me, current, units)
    if current is not None:
        _enable_toggle(me, current, "robot")
        if st.button(t("rem.test"), key=f"robot_test_{current.id}"):
            _send_test(me, current.id, f"robot{current.id}")
        _test_result(f"robot{current.id}")


def _robot_form(me: Actor, current: ChannelView | None, units: list) -> None:
    k = f"robot_{current.id}_{current.version}" if current else "robot_new"
    active = [d for d in units if d.active]
    unit_ids = [d.id for d in active]
    names = {d.id: d.name for d in active}
    roles = list(ROLE_KEYS)
    with st.form(f"{k}_form", border=True):
        c1, c2 = st.columns(2)
        kind = c1.selectbox(
            t("rem.f_kind"),
            ["dingtalk", "wecom"],
            index=["dingtalk", "wecom"].index(current.kind) if current else 0,
            format_func=lambda s: t(KIND_KEYS[s]),
            key=f"{k}_kind",
        )
        name = c2.text_input(t("rem.f_name"), current.name if current else "", key=f"{k}_name")
        by_unit = current is None or current.department_id is not None
        scope = st.radio(
            t("rem.f_scope"),
            ["unit", "role"],
            index=0 if by_unit else 1,
            format_func=lambda s: t("rem.scope_unit") if s == "unit" else t("rem.scope_role"),
            horizontal=True,
            key=f"{k}_scope",
        )
        c3, c4 = st.columns(2)
        unit = c3.selectbox(
            t("rem.f_unit"),
            unit_ids,
            index=unit_ids.index(current.department_id)
            if current and current.department_id in unit_ids
            else None,
            format_func=names.get,
            placeholder=t("form.choose"),
            key=f"{k}_unit",
        )
        role = c4.selectbox(
            t("rem.f_role"),
            roles,
            index=roles.index(current.role) if current and current.role in roles else None,
            format_func=lambda r: t(ROLE_KEYS[r]),
            placeholder=t("form.choose"),
            key=f"{k}_role",
        )
        url = st.text_input(t("rem.f_url"), key=f"{k}_url")
        if current:
            # the address with its token cut, as code: a URL is not prose in either language
            st.caption(t("rem.url_kept"))
            st.code(current.config.get("url", ""), language=None)
        secret = st.text_input(t("rem.f_secret"), type="password", key=f"{k}_secret")
        clear = False
        if current and current.has_secret:
            st.caption(t("rem.secret_kept"))
            clear = st.checkbox(t("rem.f_clear_secret"), key=f"{k}_clear")
        saved = st.form_submit_button(t("rem.save") if current else t("rem.create"), type="primary")
    if saved:
        with show_errors(), session() as db:
            channels_admin.save_robot(
                db,
                actor=me,
                values={
                    "kind": kind,
                    "name": name,
                    "url": url,
                    "department_id": unit if scope == "unit" else None,
                    "role": role if scope == "role" else None,
                },
                secret=secret,
                clear_secret=clear,
                channel_id=current.id if current else None,
                expected_version=current.version if current else None,
            )
            flash(t("rem.saved"))
            st.rerun()


# ---------------------------------------------------------------- 发送记录


def log_tab(me: Actor) -> None:
    with session() as db:
        accounts = users.list_users(db)
    people = {u.id: f"{u.username} · {u.display_name}" for u in accounts}
    c1, c2, c3, c4 = st.columns([1, 2, 1, 2])
    days = c1.number_input(t("rem.log_days"), 1, 90, 7, step=1, key="rem_log_days")
    statuses = c2.multiselect(
        t("rem.log_status"),
        list(STATUS_KEYS),
        format_func=lambda s: t(STATUS_KEYS[s]),
        key="rem_log_status",
        placeholder=t("rem.any"),
        select_all=False,
    )
    channel = c3.selectbox(
        t("rem.log_channel"),
        list(KIND_KEYS),
        index=None,
        format_func=lambda s: t(KIND_KEYS[s]),
        placeholder=t("rem.any"),
        key="rem_log_channel",
    )
    user_id = c4.selectbox(
        t("rem.log_user"),
        list(people),
        index=None,
        format_func=people.get,
        placeholder=t("rem.any"),
        key="rem_log_user",
    )
    failures_first = st.toggle(t("rem.log_failures_first"), True, key="rem_log_failures_first")
    with session() as db:
        rows = channels_admin.delivery_log(
            db,
            actor=me,
            days=int(days),
            statuses=statuses or None,
            channel=channel,
            user_id=user_id,
            failures_first=failures_first,
        )
    failed = [r for r in rows if r.status == "failed"]
    st.caption(t("rem.log_count", n=len(rows), failed=len(failed)))
    if not rows:
        empty_state()
        return
    when = "YYYY-MM-DD HH:mm"
    st.dataframe(
        pd.DataFrame(
            [
                {
                    # what the office looks for first: who, how, did it go, and why not
                    t("rem.col_created"): r.created_at,
                    t("rem.col_user"): f"{r.username} · {r.display_name}",
                    t("rem.col_channel"): t(KIND_KEYS.get(r.channel, "rem.any")),
                    t("rem.col_status"): t(STATUS_KEYS.get(r.status, "rem.any")),
                    t("rem.col_error"): channels.reason_text(r.last_error, lang()),
                    t("rem.col_attempts"): r.attempts,
                    t("rem.col_next"): r.next_attempt_at if r.status == "pending" else None,
                    t("rem.col_sent"): r.sent_at,
                    t("rem.col_subject"): r.subject,
                    t("rem.col_target"): r.target,
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
        # as tall as its rows (a short log is not a tall empty grid), at most 15 rows
        height=38 + 35 * min(len(rows), 15),
        placeholder=EMPTY_CELL,
        column_config={
            t("rem.col_created"): st.column_config.DatetimeColumn(format=when),
            t("rem.col_next"): st.column_config.DatetimeColumn(format=when),
            t("rem.col_sent"): st.column_config.DatetimeColumn(format=when),
            t("rem.col_error"): st.column_config.TextColumn(width="medium"),
        },
    )
    if not failed:
        return
    by_id = {r.id: r for r in failed}
    c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
    pick = c1.selectbox(
        t("rem.retry_pick"),
        list(by_id),
        index=None,
        format_func=lambda i: (
            f"#{i} · {by_id[i].username} · {by_id[i].display_name}"
            f" · {t(KIND_KEYS.get(by_id[i].channel, 'rem.any'))}"
        ),
        placeholder=t("form.choose"),
        key="rem_retry_pick",
    )
    if c2.button(t("rem.retry"), key="rem_retry", disabled=pick is None, width="stretch"):
        with show_errors(), session() as db:
            channels_admin.retry_delivery(db, actor=me, delivery_id=pick)
            flash(t("rem.retried"))
            st.rerun()


TABS = [(60, "rem.tab_channels", channels_tab), (70, "rem.tab_log", log_tab)]
