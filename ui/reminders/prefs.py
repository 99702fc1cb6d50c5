"""个人设置 › 提醒方式: the user's own e-mail, e-mail and robot switches, and mobile."""

import streamlit as st

from duban.core.permissions import Actor
from duban.reminders import channels_admin
from ui.common import flash, opened_version, plain, show_errors, show_flash
from ui.context import session, t


def preferences(me: Actor) -> None:
    st.subheader(t("rem.prefs_title"))
    st.caption(t("rem.prefs_caption"))
    show_flash()  # the message of the save before the rerun
    with session() as db:
        latest = channels_admin.my_preferences(db, actor=me)
    version, current = opened_version("notify_prefs", latest.version, lambda: latest)
    k = f"prefs_{version}"
    with st.form("notify_prefs", border=True):
        c1, c2 = st.columns(2)
        email = c1.text_input(t("rem.f_email"), current.email, max_chars=120, key=f"{k}_email")
        mobile = c2.text_input(t("rem.f_mobile"), current.mobile, max_chars=20, key=f"{k}_mobile")
        email_on = c1.toggle(t("rem.f_email_on"), current.email_on, key=f"{k}_email_on")
        robot_on = c2.toggle(t("rem.f_robot_on"), current.robot_on, key=f"{k}_robot_on")
        saved = st.form_submit_button(t("rem.prefs_save"), type="primary")
    if not latest.mail_server:
        st.caption(t("rem.no_mail_server"))
    if latest.robots:
        st.caption(plain(t("rem.robots_reach", names=t("punct.enum").join(latest.robots))))
    else:
        st.caption(t("rem.no_robot"))
    if saved:
        with show_errors(), session() as db:
            channels_admin.save_preferences(
                db,
                actor=me,
                email=email,
                email_on=email_on,
                robot_on=robot_on,
                mobile=mobile,
                expected_version=version,
            )
            flash(t("rem.prefs_saved"))
            st.rerun()
