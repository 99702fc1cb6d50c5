"""Streamlit pieces of inspections: the record form, the list, rectification answer and re-check."""

import datetime as dt

import pandas as pd
import polars as pl
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from duban.core import clock, uploads
from duban.core.permissions import Actor, can
from duban.inspections import reading, records
from duban.org import departments
from models import InspectionMethod, InspectionResult, RectificationStatus
from ui import evidence, selection
from ui.common import (
    DATE_FORMAT,
    EMPTY_CELL,
    empty_state,
    flash,
    plain,
    show_errors,
    show_flash,
    upload_note,
)
from ui.context import data_version, lang, session, settings, t, vocab
from ui.inbox import links

UPLOAD_TYPES = uploads.ACCEPT_EXTENSIONS


@st.cache_data(show_spinner=False)
def _choices(version: int) -> tuple[dict[int, str], dict[int, str]]:
    with session() as s:
        units = {d.id: d.name for d in departments.list_departments(s)}
        tasks = reading.task_choices(s)
    return units, tasks


def _files(uploaded) -> list[tuple[str, UploadedFile]]:
    """The picked files as (name, file): the service streams each from it in chunks."""
    return [(f.name, f) for f in uploaded or []]


# ---------------------------------------------------------------- record


def inspection_form(me: Actor) -> None:
    units, tasks = _choices(data_version())
    n = st.session_state.get("insp_form_n", 0)  # bump to clear the form after saving
    k = f"insp_{n}"
    c1, c2, c3 = st.columns(3)
    day = c1.date_input(
        t("insp.date"), clock.today(), max_value=clock.today(), key=f"{k}_date", format=DATE_FORMAT
    )
    method = c2.selectbox(
        t("insp.method"),
        list(InspectionMethod),
        format_func=lambda m: vocab("inspection_method", m),
        key=f"{k}_m",
        placeholder=t("form.choose"),
    )
    # No default result: the inspector must choose one, not leave a silent "好".
    result = c3.selectbox(
        t("insp.result"),
        list(InspectionResult),
        format_func=lambda r: vocab("inspection_result", r),
        key=f"{k}_r",
        index=None,
        placeholder=t("insp.choose"),
    )
    who = st.text_input(t("insp.inspectors"), me.name, key=f"{k}_who")
    unit_ids = st.multiselect(
        t("insp.units"),
        list(units),
        format_func=units.get,
        key=f"{k}_u",
        placeholder=t("insp.choose_many"),
        select_all=False,
    )
    task_ids = st.multiselect(
        t("insp.tasks"),
        list(tasks),
        format_func=tasks.get,
        key=f"{k}_t",
        placeholder=t("insp.choose_many"),
        select_all=False,
    )
    narrative = st.text_area(t("insp.narrative"), key=f"{k}_n", height=120)
    edited = _findings_editor(k, units, tasks)
    files = st.file_uploader(
        t("insp.files"),
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key=f"{k}_files",
        max_upload_size=settings().max_upload_mb,
    )
    upload_note(settings().max_upload_mb, settings().max_files_per_submission)
    if st.button(t("insp.save"), type="primary", key=f"{k}_save"):
        findings = _findings(edited, units, tasks)
        with show_errors(), session() as s:
            records.record_inspection(
                s,
                actor=me,
                inspected_on=day,
                method=method,
                result=result,
                inspectors=who,
                narrative=narrative,
                department_ids=unit_ids,
                task_ids=task_ids,
                findings=findings,
                files=_files(files),
            )
            st.session_state["insp_form_n"] = n + 1
            flash(t("insp.saved", n=len(findings)))
            st.rerun()


def _findings_editor(k: str, units: dict[int, str], tasks: dict[int, str]) -> pd.DataFrame:
    """The problems found, one row each: unit, task, description, due date."""
    st.markdown(f"**{t('insp.findings')}**")
    unit_names = list(units.values())
    task_names = [""] + list(tasks.values())
    blank = pd.DataFrame(
        {
            t("insp.f_unit"): pd.Series([], dtype="object"),
            t("insp.f_task"): pd.Series([], dtype="object"),
            t("insp.f_desc"): pd.Series([], dtype="object"),
            t("insp.f_due"): pd.Series([], dtype="object"),
        }
    )
    edited = st.data_editor(
        blank,
        num_rows="dynamic",
        width="stretch",
        key=f"{k}_f",
        column_config={
            t("insp.f_unit"): st.column_config.SelectboxColumn(options=unit_names, required=True),
            t("insp.f_task"): st.column_config.SelectboxColumn(options=task_names),
            t("insp.f_desc"): st.column_config.TextColumn(width="large", required=True),
            t("insp.f_due"): st.column_config.DateColumn(min_value=dt.date(2000, 1, 1)),
        },
        placeholder=EMPTY_CELL,
    )
    return edited


def _findings(
    edited: pd.DataFrame, units: dict[int, str], tasks: dict[int, str]
) -> list[records.FindingInput]:
    """The editor's non-blank rows as the service takes them (names back to ids)."""
    by_name = {v: i for i, v in units.items()}
    task_by_name = {v: i for i, v in tasks.items()}
    return [
        records.FindingInput(
            department_id=by_name.get(r[t("insp.f_unit")]),
            description=str(r[t("insp.f_desc")] or ""),
            due_date=pd.to_datetime(r[t("insp.f_due")]).date()
            if r[t("insp.f_due")] is not None and not pd.isna(r[t("insp.f_due")])
            else None,
            task_id=task_by_name.get(r[t("insp.f_task")] or ""),
        )
        for r in edited.to_dict("records")
        if any(v is not None and str(v).strip() and not pd.isna(v) for v in r.values())
    ]


# ---------------------------------------------------------------- list


PICK_MAX = 500  # records in the picker under the list (the table shows them all)


@st.cache_data(show_spinner=False, max_entries=16)
def _inspection_table(
    version: int, me: Actor, date_from, date_to, method, result, unit, locale: str
):
    """(the list as a frame, {id: picker label}) — read once per data version, filter,
    actor (the actor is part of the key: the service checks its permission) and UI language
    (the frame holds words: the method, the result, the list punctuation)."""
    with session() as s:
        rows = reading.list_inspections(
            s,
            actor=me,
            date_from=date_from,
            date_to=date_to,
            method=method,
            result=result,
            department_id=unit,
        )
    frame = pl.DataFrame(
        {
            "date": [r.inspection.inspected_on for r in rows],
            "method": [vocab("inspection_method", r.inspection.method) for r in rows],
            "result": [vocab("inspection_result", r.inspection.result) for r in rows],
            "units": [t("punct.enum").join(r.units) for r in rows],
            "tasks": [t("punct.list").join(r.tasks) for r in rows],
            "findings": [r.findings for r in rows],
            "open": [r.open_findings for r in rows],
            "inspectors": [r.inspection.inspectors for r in rows],
        },
        schema_overrides={"date": pl.Date, "findings": pl.Int64, "open": pl.Int64},
    )
    labels = {
        r.inspection.id: f"{r.inspection.inspected_on} · {t('punct.enum').join(r.units)}"
        for r in rows
    }
    return frame, labels


def inspections_list(me: Actor) -> None:
    units, _ = _choices(data_version())
    c1, c2, c3, c4, c5 = st.columns(5)
    date_from = c1.date_input(t("insp.filter_from"), None, key="insp_from", format=DATE_FORMAT)
    date_to = c2.date_input(t("insp.filter_to"), None, key="insp_to", format=DATE_FORMAT)
    method = c3.selectbox(
        t("insp.method"),
        [None, *InspectionMethod],
        key="insp_fm",
        format_func=lambda m: t("notices.all") if m is None else vocab("inspection_method", m),
        placeholder=t("notices.all"),
    )
    result = c4.selectbox(
        t("insp.result"),
        [None, *InspectionResult],
        key="insp_fr",
        format_func=lambda r: t("notices.all") if r is None else vocab("inspection_result", r),
        placeholder=t("notices.all"),
    )
    unit = c5.selectbox(
        t("insp.units"),
        [None, *units],
        key="insp_fu",
        format_func=lambda u: t("notices.all") if u is None else units[u],
        placeholder=t("notices.all"),
    )
    frame, labels = _inspection_table(
        data_version(), me, date_from, date_to, method, result, unit, lang()
    )
    if not labels:
        empty_state(t("insp.none"))
        return
    headers = {
        "date": "insp.col_date",
        "method": "insp.method",
        "result": "insp.result",
        "units": "insp.col_units",
        "tasks": "insp.tasks",
        "findings": "insp.col_findings",
        "open": "insp.col_open",
        "inspectors": "insp.inspectors",
    }
    # An Arrow table goes to the browser as is (pandas would cost a second at 10,000 rows).
    table = frame.rename({k: t(v) for k, v in headers.items()}).to_arrow()
    st.dataframe(table, hide_index=True, width="stretch", placeholder=EMPTY_CELL)
    ids = list(labels)[:PICK_MAX]
    chosen = st.session_state.get("insp_pick")
    if chosen in labels and chosen not in ids:
        ids.append(chosen)  # the record already open stays open
    # Nothing open until the user picks; a pick the filters took out of the list is dropped.
    selection.keep_choice("insp_pick", [None, *ids])
    none = t("notices.pick_none")
    chosen = st.selectbox(
        t("notices.pick"),
        [None, *ids],
        format_func=lambda i: labels.get(i, none),
        key="insp_pick",
        placeholder=none,
    )
    if len(labels) > PICK_MAX:
        st.caption(t("limits.records_capped", shown=PICK_MAX, total=len(labels)))
    if chosen is None:
        return
    with session() as s:
        insp, findings, files = reading.inspection_detail(s, actor=me, inspection_id=chosen)
    with st.container(border=True):
        st.markdown(plain(insp.narrative or ""))
        evidence.evidence_list(files, f"insp_{insp.id}", title=t("insp.evidence"))
        findings_table(findings)


# ---------------------------------------------------------------- rectification


def findings_table(rows: list[reading.FindingRow]) -> None:
    if not rows:
        empty_state(t("insp.no_findings"))
        return
    frame = pd.DataFrame(
        {
            t("insp.f_unit"): [r.unit for r in rows],
            t("insp.f_task"): [r.task for r in rows],
            t("insp.f_desc"): [r.finding.description for r in rows],
            t("insp.f_due"): [r.finding.due_date for r in rows],
            t("insp.col_status"): [vocab("rectification", r.finding.status) for r in rows],
            t("insp.col_overdue"): ["⚠️" if r.overdue else "" for r in rows],
            t("insp.col_answer"): [r.finding.answer_text or "" for r in rows],
            t("insp.col_recheck"): [r.finding.recheck_note or "" for r in rows],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch", placeholder=EMPTY_CELL)


def _finding_filters(key: str) -> tuple[str | None, bool]:
    c1, c2 = st.columns([2, 1])
    status = c1.selectbox(
        t("insp.f_status"),
        [None, *RectificationStatus],
        key=f"{key}_st",
        format_func=lambda s: t("notices.all") if s is None else vocab("rectification", s),
        placeholder=t("notices.all"),
    )
    overdue = c2.checkbox(t("insp.f_overdue"), key=f"{key}_od")
    return status, overdue


def _pick_finding(rows, key: str):
    """The finding to act on, chosen by the user: none at first, and a choice the filters
    took out of the list is dropped rather than moved onto another finding."""
    label = {
        r.finding.id: f"{vocab('rectification', r.finding.status)} · {r.unit} · "
        f"{r.finding.description[:30]}"
        for r in rows
    }
    selection.keep_choice(f"{key}_pick", [None, *label])
    none = t("insp.pick_none")
    fid = st.selectbox(
        t("insp.pick_finding"),
        [None, *label],
        format_func=lambda i: label.get(i, none),
        key=f"{key}_pick",
        placeholder=none,
    )
    return next((r for r in rows if r.finding.id == fid), None)


def follow_link() -> None:
    """`inspections?finding=ID` (from the inbox): the rectification tab, no filters, that
    answered item picked for its re-check."""
    fid = links.take("finding")
    if fid is not None:
        st.session_state["insp_tab"] = t("insp.tab_findings")
        st.session_state["fx_st"] = None
        st.session_state["fx_od"] = False
        st.session_state["fx_re_pick"] = fid


def findings_tracker(me: Actor) -> None:
    """The inspector's view: every rectification item; re-check the answered ones."""
    status, overdue = _finding_filters("fx")
    with session() as s:
        rows = reading.list_findings(s, actor=me, status=status, overdue_only=overdue)
    findings_table(rows)
    answered = [r for r in rows if r.finding.status == RectificationStatus.answered]
    if not answered or not can(me, "finding.recheck"):
        return
    st.divider()
    row = _pick_finding(answered, "fx_re")
    if row is None:
        return
    f = row.finding
    with session() as s:
        files = uploads.list_attachments(s, records.FINDING_OWNER, f.id)
    st.markdown(f"**{t('insp.col_answer')}**{t('punct.colon')}{plain(f.answer_text)}")
    evidence.evidence_list(files, f"fx_{f.id}", title=t("insp.evidence"))
    note = st.text_input(t("insp.recheck_note"), key=f"fx_note_{f.id}_{f.version}")
    c1, c2 = st.columns(2)
    for col, accepted, label in ((c1, True, "insp.accept"), (c2, False, "insp.reject")):
        if col.button(t(label), key=f"fx_{accepted}_{f.id}", width="stretch"):
            with show_errors(), session() as s:
                records.recheck_finding(
                    s,
                    actor=me,
                    finding_id=f.id,
                    expected_version=f.version,
                    accepted=accepted,
                    note=note,
                )
                flash(t("insp.rechecked"))
                st.rerun()


def open_rectification_count(me: Actor) -> int:
    """How many of the unit's rectification items wait for its answer (the tab's count)."""
    if me.department_id is None:
        return 0
    with session() as s:
        return len(reading.unit_open_rectifications(s, actor=me, department_id=me.department_id))


def my_findings(me: Actor) -> None:
    """A unit's rectification items: answer the open ones with what was done and evidence."""
    show_flash()
    with session() as s:
        rows = reading.list_findings(s, actor=me)
    findings_table(rows)
    open_rows = [r for r in rows if r.finding.status == RectificationStatus.open]
    if not open_rows:
        return
    st.divider()
    row = _pick_finding(open_rows, "my_f")
    if row is None:
        return
    f = row.finding
    if f.recheck_note:
        st.warning(f"{t('insp.recheck_note')}{t('punct.colon')}{plain(f.recheck_note)}")
    k = f"my_f_{f.id}_{f.version}"
    text = st.text_area(t("insp.answer_text"), key=f"{k}_text")
    files = st.file_uploader(
        t("insp.answer_files"),
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key=f"{k}_files",
        max_upload_size=settings().max_upload_mb,
    )
    upload_note(settings().max_upload_mb, settings().max_files_per_submission)
    if st.button(t("insp.answer"), type="primary", key=f"{k}_send"):
        with show_errors(), session() as s:
            records.answer_finding(
                s,
                actor=me,
                finding_id=f.id,
                expected_version=f.version,
                text_=text,
                files=_files(files),
            )
            flash(t("insp.answered"))
            st.rerun()
