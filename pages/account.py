"""个人设置: the user's own profile, reminder channels, signed-in browsers and password change."""

import streamlit as st

from ui import auth
from ui.common import header, plain_line, show_errors
from ui.context import actor, t, unit_name
from ui.reminders import messages, prefs

me = actor()
header("account.title")

st.subheader(t("account.profile"))
# Label over value, not st.metric: a unit's full name (often 12+ characters) must not be cut.
for col, label, value in zip(
    st.columns([1, 1, 2]),
    (t("col.display_name"), t("col.role"), t("col.unit")),
    (me.name, t(f"role.{me.role.value}"), unit_name(me.department_id) or "—"),
    strict=True,
):
    col.caption(label)
    col.markdown(f"**{plain_line(value)}**")

messages.render(me)
prefs.preferences(me)

auth.my_sessions(me)

st.subheader(t("account.change_pw"))
with st.form("change_password", clear_on_submit=False):
    old = st.text_input(t("account.old_pw"), type="password", key="pw_old")
    new = st.text_input(t("account.new_pw"), type="password", key="pw_new")
    repeat = st.text_input(t("account.repeat_pw"), type="password", key="pw_repeat")
    submitted = st.form_submit_button(t("account.save_pw"), type="primary")
# Outside the form: the new cookie is set by a component, which inside a form would not report.
if submitted:
    with show_errors():
        auth.change_password(me, old=old, new=new, repeat=repeat)
auth.password_notice()
