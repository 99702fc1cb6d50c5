"""Administration tab: notice templates (edit with a preview) and the notice rules."""

import json

import streamlit as st

from duban.core.errors import DubanError
from duban.core.permissions import Actor
from duban.notices import labels, templates
from duban.notices import rules as notice_rules
from models import NoticeKind
from ui.common import flash, opened_version, plain, show_error, show_errors
from ui.context import session, t, vocab


def _kind_label(kind: str) -> str:
    return vocab("notice_kind", NoticeKind(kind))


def templates_section(me: Actor) -> None:
    st.subheader(t("notices.admin_templates"))
    st.caption(t("notices.admin_template_help"))
    kind = st.selectbox(
        t("notices.kind"),
        [k.value for k in NoticeKind],
        format_func={k.value: _kind_label(k.value) for k in NoticeKind}.get,
        key="tpl_kind",
        placeholder=t("form.choose"),
    )
    with session() as s:
        latest, overridden, latest_version = templates.template_source(s, kind)
    # Saved against the version the editor opened with (a save by someone else since is
    # refused, and the text typed stays in the editor).
    version, source = opened_version(f"tpl_{kind}", latest_version, lambda: latest)
    st.caption(t("notices.admin_overridden" if overridden else "notices.admin_default"))
    left, right = st.columns(2)
    text = left.text_area(
        t("notices.admin_template_label"),
        source,
        height=420,
        key=f"tpl_src_{kind}_{version}",
        label_visibility="collapsed",
    )
    with right:
        st.markdown(f"**{t('notices.admin_preview')}**")
        try:
            preview = templates.check_template(kind, text)
        except DubanError as exc:
            show_error(exc)
        else:
            with st.container(border=True, height=380):
                for line in preview.splitlines():
                    if line.strip():
                        st.markdown(f"　　{plain(line.strip())}")
    c1, c2, _ = st.columns([1, 1, 2])
    if c1.button(t("notices.admin_save_tpl"), type="primary", key="tpl_save", width="stretch"):
        with show_errors(), session() as s:
            templates.save_template(s, actor=me, kind=kind, source=text, expected_version=version)
            flash(t("notices.admin_saved"))
            st.rerun()
    if overridden and c2.button(t("notices.admin_reset_tpl"), key="tpl_reset", width="stretch"):
        with show_errors(), session() as s:
            templates.reset_template(s, actor=me, kind=kind)
            st.rerun()
    with st.expander(t("notices.admin_vars")):
        st.code(
            json.dumps(templates.sample_context(kind), ensure_ascii=False, indent=1, default=str),
            language="json",
        )


def rules_section(me: Actor) -> None:
    st.subheader(t("notices.admin_rules"))
    with session() as s:
        latest = notice_rules.load_notice_rules(s)
        latest_version = notice_rules.rules_version(s)
    version, rules = opened_version("notice_rules", latest_version, lambda: latest)
    k = f"nr_{version}"
    new = dict(rules)
    c1, c2 = st.columns(2)
    new["issuer"] = c1.text_input(t("notices.admin_issuer"), rules["issuer"], key=f"{k}_iss")
    new["signature"] = c2.text_input(t("notices.signature"), rules["signature"], key=f"{k}_sig")
    new["copy_to"] = st.text_input(t("notices.copy_to"), rules["copy_to"], key=f"{k}_copy")
    c1, c2 = st.columns(2)
    new["contact_person"] = c1.text_input(
        t("notices.admin_contact"), rules["contact_person"], key=f"{k}_contact"
    )
    new["contact_phone"] = c2.text_input(
        t("notices.admin_phone"), rules["contact_phone"], key=f"{k}_phone"
    )
    c1, c2 = st.columns(2)
    new["accountability_to"] = c1.text_input(
        t("notices.admin_accountability_to"), rules["accountability_to"], key=f"{k}_acc_to"
    )
    new["basis"] = {
        "accountability": c2.text_input(
            t("notices.admin_basis"), rules["basis"]["accountability"], key=f"{k}_basis"
        )
    }
    cols = st.columns(2)
    for i, key in enumerate(notice_rules.RULE_LABELS):
        col = cols[i % 2]
        label = t(f"notices.rule.{key}")
        if key == "praise_on_time_rate":
            new[key] = col.number_input(
                label, 0.0, 1.0, float(rules[key]), step=0.05, key=f"{k}_{key}"
            )
        else:
            new[key] = int(col.number_input(label, 1, 365, int(rules[key]), key=f"{k}_{key}"))
    st.markdown(f"**{t('notices.admin_prefixes')}**")
    cols = st.columns(len(rules["prefixes"]))
    new["prefixes"] = {
        kind: cols[i].text_input(_kind_label(kind), p, key=f"{k}_pre_{kind}")
        for i, (kind, p) in enumerate(rules["prefixes"].items())
    }
    st.markdown(f"**{t('notices.admin_reply_days')}**")
    cols = st.columns(len(rules["reply_working_days"]))
    level_words = {v: vocab("notice_level", v) for v in labels.LEVELS} | {
        "other": t("notices.other_kinds")
    }
    new["reply_working_days"] = {
        lvl: int(
            cols[i].number_input(level_words.get(lvl, lvl), 1, 60, int(n), key=f"{k}_rd_{lvl}")
        )
        for i, (lvl, n) in enumerate(rules["reply_working_days"].items())
    }
    with st.expander(t("notices.admin_requirements")):
        new["requirements"] = {
            kind: st.text_area(_kind_label(kind), txt, key=f"{k}_req_{kind}", height=90)
            for kind, txt in rules["requirements"].items()
        }
    if st.button(t("notices.admin_save_rules"), type="primary", key="nr_save"):
        with show_errors(), session() as s:
            notice_rules.save_rules(s, actor=me, rules=new, expected_version=version)
            flash(t("notices.admin_saved"))
            st.rerun()


def render(me: Actor) -> None:
    templates_section(me)
    st.divider()
    rules_section(me)


TABS = [(50, "notices.admin_tab", render)]
