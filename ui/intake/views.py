"""The plan import page's pieces: upload → preview/edit → unit mapping → commit; Excel sheets."""

import datetime as dt
import hashlib
import re

import pandas as pd
import streamlit as st

from duban.core.errors import DubanError
from duban.core.filenames import download_name
from duban.core.permissions import Actor
from duban.intake import drafts, excel, importer, matching
from duban.intake.parse import reader
from duban.intake.parse.model import PlanParseError
from duban.org import departments
from duban.tasks import reading
from ui.common import EMPTY_CELL, plain, plain_line, show_error, show_errors, upload_note
from ui.context import session, t
from ui.tasks import cycle_input

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_TYPES = ["docx", "txt", "htm", "html", "xlsx", "csv"]
PLAN_FILE_MB = 10  # a plan document or task sheet (evidence files follow MAX_UPLOAD_MB)
TEXT_COLS = [k for k, _ in drafts.COLUMNS if k not in ("deadline", "weight")]


def _upload(label_key: str, types: list[str], key: str, help_key: str) -> tuple[str, bytes] | None:
    f = st.file_uploader(
        t(label_key), type=types, key=key, help=t(help_key), max_upload_size=PLAN_FILE_MB
    )
    upload_note(PLAN_FILE_MB)
    if f is None:
        return None
    data = f.getvalue()
    if len(data) > reader.MAX_BYTES:
        st.error(t("imp.too_big", mb=len(data) / 1024 / 1024), icon="⚠️")
        return None
    return f.name, data


def _parsed(name: str, data: bytes, year: int | None) -> drafts.ImportDraft | None:
    """Parse once per (file, year); the draft is kept in session state while the user edits."""
    sig = f"{hashlib.sha256(data).hexdigest()}:{year}"
    cache = st.session_state.get("imp_parsed")
    if cache and cache[0] == sig:
        return cache[1]
    try:
        with st.spinner(t("imp.parsing")):
            draft = drafts.ImportDraft.from_parsed(reader.parse_plan_bytes(data, name, year=year))
    except PlanParseError as exc:
        st.error(t("imp.parse_failed", msg=plain(exc)), icon="⚠️")
        return None
    st.session_state["imp_parsed"] = (sig, draft)
    return draft


def _header_fields(draft: drafts.ImportDraft, key: str) -> drafts.ImportDraft:
    st.subheader(t("imp.step_header"))
    title = st.text_input(t("imp.title"), draft.title or "", key=f"{key}_title", max_chars=300)
    c1, c2, c3 = st.columns([2, 2, 1])
    issuer = c1.text_input(t("imp.issuer"), draft.issuer or "", key=f"{key}_issuer")
    doc = c2.text_input(t("imp.doc_number"), draft.doc_number or "", key=f"{key}_doc")
    issued = c3.date_input(
        t("imp.issued_on"),
        value=draft.issued_on,
        key=f"{key}_issued",
        min_value=dt.date(1990, 1, 1),
        max_value=dt.date(2100, 12, 31),
        format="YYYY-MM-DD",
    )
    phases = st.text_input(
        t("imp.phases"),
        "、".join(draft.phases),
        key=f"{key}_phases",
        help=t("imp.phases_help"),
        placeholder=t("imp.phases_none"),
    )
    cycle = st.text_input(
        t("cyc.plan_default"),
        draft.report_cycle,
        key=f"{key}_cycle",
        help=t("cyc.words_help"),
        placeholder=t("cyc.none_placeholder"),
        max_chars=30,
    )
    return drafts.ImportDraft(
        title=title.strip() or None,
        issuer=issuer.strip() or None,
        doc_number=doc.strip() or None,
        issued_on=issued,
        phases=[x.strip() for x in re.split(r"[、,，;；]", phases) if x.strip()],
        tasks=draft.tasks,
        warnings=draft.warnings,
        report_cycle=cycle.strip(),
    )


def _clean(v):
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, float) and pd.isna(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v


def _task_editor(
    draft: drafts.ImportDraft, key: str
) -> tuple[list[drafts.DraftTask], list[drafts.RowError]]:
    st.subheader(t("imp.step_tasks", n=len(draft.tasks)))
    st.caption(t("imp.tasks_help"))
    df = pd.DataFrame(
        [drafts.task_to_row(x, sep="；") for x in draft.tasks],
        columns=[k for k, _ in drafts.COLUMNS],
    )
    df["deadline"] = pd.to_datetime(df["deadline"]).dt.date
    df["weight"] = df["weight"].astype(float)
    cfg = {
        k: st.column_config.TextColumn(t(f"imp.c_{k}"), width=w)
        for k, w in [
            ("code", "small"),
            ("parent_code", "small"),
            ("title", "large"),
            ("description", "medium"),
            ("phase", "medium"),
            ("lead_units", "medium"),
            ("responsible_units", "medium"),
            ("report_cycle", "small"),
            ("milestones", "medium"),
            ("targets", "medium"),
        ]
    }
    cfg["deadline"] = st.column_config.DateColumn(t("imp.c_deadline"), format="YYYY-MM-DD")
    cfg["weight"] = st.column_config.NumberColumn(
        t("imp.c_weight"), min_value=0, max_value=100, width="small"
    )
    edited = st.data_editor(
        df,
        key=key,
        num_rows="dynamic",
        hide_index=True,
        column_config=cfg,
        column_order=[k for k, _ in drafts.COLUMNS if k != "description"] + ["description"],
        height=min(420, 38 + 35 * max(3, len(df) + 1)),
        placeholder=EMPTY_CELL,
    )
    rows = [{k: _clean(v) for k, v in rec.items()} for rec in edited.to_dict("records")]
    tasks, errors = drafts.rows_to_tasks(rows, first_row=1)
    missing = sum(1 for x in tasks if x.deadline is None)
    if missing:
        st.caption("⏳ " + t("imp.no_deadline", n=missing))
    return tasks, errors


def _error_table(errors: list[drafts.RowError]) -> None:
    row, problem = t("imp.col_row"), t("imp.col_problem")
    st.dataframe(
        pd.DataFrame({row: [e.row for e in errors], problem: [e.message for e in errors]}),
        hide_index=True,
        width="stretch",
        column_config={row: st.column_config.NumberColumn(row, width="small", format="%d")},
        placeholder=EMPTY_CELL,
    )


def _show_errors(errors: list[drafts.RowError]) -> None:
    if not errors:
        return
    st.error(t("imp.row_errors", n=len(errors)), icon="⚠️")
    _error_table(errors)


def _unit_mapping(names: list[str], key: str) -> tuple[dict, list[str]]:
    """Matched units in a table; a choice per unmatched name. Returns (mapping, undecided)."""
    st.subheader(t("imp.step_units"))
    if not names:
        st.caption(t("imp.units_none"))
        return {}, []
    with session() as s:
        matches = matching.match_units(s, names)
        depts = [(d.id, d.name) for d in departments.list_departments(s)]
    matched = [m for m in matches.values() if m.matched]
    todo = [m for m in matches.values() if not m.matched]
    if matched:
        with st.expander(t("imp.units_matched", n=len(matched)), expanded=not todo):
            st.dataframe(
                pd.DataFrame(
                    {
                        t("imp.col_name"): [m.name for m in matched],
                        t("imp.col_dept"): [m.department_name for m in matched],
                        t("imp.col_method"): [matching.METHOD_LABELS[m.method] for m in matched],
                    }
                ),
                hide_index=True,
                width="stretch",
                placeholder=EMPTY_CELL,
            )
    if not todo:
        return {}, []
    return _unmatched_choices(todo, depts, key)


def _unmatched_choices(
    todo: list[matching.UnitMatch], depts: list[tuple[int | None, str]], key: str
) -> tuple[dict, list[str]]:
    """A department, 新建 or 不导入 per unmatched name (one choice for the rest when many)."""
    st.info(t("imp.units_todo", n=len(todo)), icon="🧭")
    labels = dict(depts)
    special = {
        "": t("imp.unit_pick"),
        matching.CREATE: t("imp.unit_create"),
        matching.DROP: t("imp.unit_drop"),
    }
    rest = ""
    if len(todo) > 3:
        rest = st.selectbox(
            t("imp.unit_rest"),
            ["", matching.CREATE, matching.DROP],
            format_func=special.get,
            key=f"{key}_unit_rest",
            placeholder=t("form.choose"),
        )
    mapping: dict = {}
    undecided: list[str] = []
    for i, m in enumerate(todo):
        first = [d for d, _ in m.candidates]
        options = ["", matching.CREATE, matching.DROP, *first]
        options += [d for d, _ in depts if d not in first]
        default = options.index(matching.DROP) if m.generic else 0
        c1, c2 = st.columns([2, 3], vertical_alignment="center")
        hint = "、".join(plain(n) for _, n in m.candidates[:2])
        c1.markdown(
            f"**{plain(m.name)}**" + (f"  \n:gray[{t('imp.maybe', names=hint)}]" if hint else "")
        )
        choice = c2.selectbox(
            plain_line(m.name),
            options,
            index=default,
            key=f"{key}_unit_{i}_{m.name}",
            format_func=lambda v, sp=special: (
                sp.get(v) if v in sp else "→ " + labels.get(v, str(v))
            ),
            label_visibility="collapsed",
            placeholder=t("form.choose"),
        )
        if choice == "" and rest:
            mapping[m.name] = rest
        elif choice == "":
            undecided.append(m.name)
        else:
            mapping[m.name] = choice
    return mapping, undecided


def _commit(
    me: Actor,
    draft: drafts.ImportDraft,
    mapping: dict,
    name: str,
    data: bytes,
    *,
    blocked: bool,
    key: str,
    step_key: str = "imp.step_commit",
) -> None:
    st.subheader(t(step_key))
    with session() as s:
        prev = importer.find_previous_import(s, data)
    force = False
    if prev is not None:
        st.warning(t("imp.reimport", msg=plain(importer.reimport_message(prev))))
        force = st.checkbox(t("imp.force"), key=f"{key}_force")
    disabled = blocked or not draft.tasks or (prev is not None and not force)
    if not st.button(
        t("imp.commit", n=len(draft.tasks)), type="primary", disabled=disabled, key=f"{key}_go"
    ):
        return
    with st.status(t("imp.importing"), expanded=True) as status:
        bar = st.progress(0.0)

        def progress(done: int, total: int) -> None:
            bar.progress(done / max(total, 1), text=f"{done} / {total}")

        try:
            with session() as s:
                res = importer.commit_import(
                    s,
                    actor=me,
                    draft=draft,
                    mapping=mapping,
                    source_name=name,
                    source_bytes=data,
                    force=force,
                    progress=progress,
                )
        except DubanError as exc:
            status.update(label=plain_line(exc), state="error")
            show_error(exc)
            return
        status.update(label=t("imp.done_short"), state="complete", expanded=False)
    st.success(t("imp.done", title=plain(res.plan_title), **_counts(res)), icon="✅")
    if res.created_departments:
        names = "、".join(plain(n) for n in res.created_departments)
        st.caption(t("imp.done_units", names=names))
    if res.dropped_units:
        st.caption(t("imp.done_dropped", names="、".join(plain(n) for n in res.dropped_units)))
    st.caption(t("imp.done_next"))
    st.page_link("pages/tasks.py", label=t("imp.to_register"), icon="📋")


def _counts(res: importer.ImportResult) -> dict:
    return {
        "tasks": res.tasks,
        "assignments": res.assignments,
        "milestones": res.milestones,
        "targets": res.targets,
    }


_EVIDENCE_SHOWN = 200
_MARK = {"units": "orange", "deadline": "blue"}


def highlighted(source: str, evidence: list[tuple[str, str]]) -> str:
    """A task's words as Markdown with the pieces it was read from marked in colour.

    Every piece of text is escaped (`plain`): the colour directives around it are the only
    markup, and a document's text cannot add its own."""
    spans: list[tuple[int, int, str]] = []
    missing: list[tuple[str, str]] = []
    for kind, words in evidence:
        at = source.find(words)
        if at < 0 or any(s < at + len(words) and at < e for s, e, _ in spans):
            missing.append((kind, words))
            continue
        spans.append((at, at + len(words), kind))
    out: list[str] = []
    pos = 0
    for s, e, kind in sorted(spans):
        out.append(plain(source[pos:s]))
        piece = " ".join(source[s:e].split())
        out.append(f":{_MARK[kind]}-background[{plain(piece)}]")
        pos = e
    out.append(plain(source[pos:]))
    for kind, words in missing:  # read from a cell or a line not in the task's own words
        label = t("imp.evidence_units" if kind == "units" else "imp.evidence_deadline")
        out.append(f"  \n{label}: :{_MARK[kind]}-background[{plain(' '.join(words.split()))}]")
    return "".join(out)


def _evidence(tasks: list[drafts.DraftTask]) -> None:
    """Under the editor: each task's words with what its units and deadline were read from."""
    shown = [x for x in tasks if x.source]
    if not shown:
        return
    with st.expander(t("imp.evidence", n=len(shown)), icon="🔎"):
        st.caption(t("imp.evidence_help"))
        for x in shown[:_EVIDENCE_SHOWN]:
            st.markdown(f"**{plain_line(x.code)}** {plain_line(x.title)}")
            st.markdown(highlighted(x.source[:1500], x.evidence))
        if len(shown) > _EVIDENCE_SHOWN:
            st.caption(t("imp.evidence_more", n=len(shown) - _EVIDENCE_SHOWN))


def file_import(me: Actor) -> None:
    """Tab 「导入方案文件」."""
    c1, c2 = st.columns([4, 1])
    with c1:
        up = _upload("imp.upload", FILE_TYPES, "imp_file", "imp.upload_help")
    year = c2.number_input(
        t("imp.year"),
        min_value=1990,
        max_value=2100,
        value=None,
        step=1,
        key="imp_year",
        help=t("imp.year_help"),
        placeholder=t("imp.year_auto"),
    )
    if up is None:
        return
    name, data = up
    year_or_none = int(year) if year and year >= 1990 else None
    draft = _parsed(name, data, year_or_none)
    if draft is None:
        return
    if draft.warnings:
        with st.expander(t("imp.warnings", n=len(draft.warnings)), expanded=True):
            for w in draft.warnings:
                st.markdown(f"- {plain(w.replace('可用 --year 指定年份', t('imp.year_hint')))}")
    key = f"imp_{hashlib.sha256(data).hexdigest()[:10]}_{year_or_none or 0}"
    parsed_tasks = list(draft.tasks)
    draft = _header_fields(draft, key)
    tasks, errors = _task_editor(draft, f"{key}_editor")
    _evidence(parsed_tasks)
    draft.tasks = tasks
    errors = errors + drafts.validate_draft(draft)
    _show_errors(errors)
    mapping, undecided = _unit_mapping(draft.unit_names(), key)
    if undecided:
        st.warning(t("imp.unit_undecided", n=len(undecided)), icon="🧭")
    with show_errors():
        _commit(me, draft, mapping, name, data, blocked=bool(errors or undecided), key=key)


def _template() -> bytes:
    """The template with today's 事项来源 and custom-field columns."""
    with session() as s:
        return excel.template_bytes(s)


def _template_and_export(me: Actor) -> None:
    st.subheader(t("imp.template_title"))
    c1, c2, c3 = st.columns([1, 2, 1], vertical_alignment="bottom")
    c1.download_button(
        "📥 " + t("imp.template"),
        _template,  # built on click
        file_name=download_name("任务表模板", "xlsx"),
        mime=XLSX_MIME,
        key="imp_template",
        width="stretch",
        on_click="ignore",
    )
    with session() as s:
        plans = [(p.id, p.title) for p in reading.list_plans(s)]
    if not plans:
        c2.caption(t("imp.no_plans"))
        return
    labels = dict(plans)
    pid = c2.selectbox(
        t("imp.export_plan"),
        [p for p, _ in plans],
        format_func=labels.get,
        key="imp_export_plan",
        placeholder=t("form.choose"),
    )

    def export() -> bytes:  # built on click: a plan of 20,000 tasks takes seconds
        with session() as s:
            return excel.export_plan(s, pid, exported_by=me.name)

    c3.download_button(
        "📤 " + t("imp.export"),
        export,
        file_name=download_name(labels[pid], "xlsx", suffix="-任务表"),
        mime=XLSX_MIME,
        key="imp_export",
        width="stretch",
        on_click="ignore",
    )
    if pid is not None:  # the plan's default 报送频次, which the export carries
        cycle_input.plan_cycle_setter(me, pid, key="imp_plan_cycle")


def excel_import(me: Actor) -> None:
    """Tab 「Excel 任务表」: template, export, and a filled sheet imported with row checks."""
    _template_and_export(me)
    st.divider()
    up = _upload("imp.upload_sheet", ["xlsx"], "imp_sheet", "imp.sheet_help")
    if up is None:
        return
    name, data = up
    if not excel.is_task_sheet(data):
        st.error(t("imp.not_sheet"), icon="⚠️")
        return
    try:
        with session() as s:
            sheet = excel.read_task_sheet(data, s)
    except PlanParseError as exc:
        st.error(t("imp.parse_failed", msg=plain(exc)), icon="⚠️")
        return
    key = "imps_" + hashlib.sha256(data).hexdigest()[:10]
    draft = _header_fields(sheet.draft, key)
    for w in draft.warnings:
        st.caption("ℹ️ " + plain(w))
    st.subheader(t("imp.step_sheet", n=len(draft.tasks)))
    with st.expander(t("imp.sheet_preview"), expanded=False):
        st.dataframe(
            pd.DataFrame([drafts.task_to_row(x, sep="；") for x in draft.tasks]).rename(
                columns={k: t(f"imp.c_{k}") for k, _ in drafts.COLUMNS}
            ),
            hide_index=True,
            width="stretch",
            placeholder=EMPTY_CELL,
        )
    blocked = False
    if sheet.errors:
        rows = {e.row for e in sheet.errors}
        st.error(t("imp.sheet_errors", n=len(sheet.errors), rows=len(rows)), icon="⚠️")
        _error_table(sheet.errors)
        kept, dropped = drafts.drop_rows(draft.tasks, sheet.bad_rows)
        skip = st.checkbox(t("imp.skip_rows", n=len(dropped), m=len(kept)), key=f"{key}_skip")
        if skip:
            draft.tasks = kept
        blocked = not skip
    else:
        st.success(t("imp.sheet_ok", n=len(draft.tasks)), icon="✅")
    header_errors = [e for e in drafts.validate_draft(draft) if e.row is None]
    _show_errors(header_errors)
    with show_errors():
        _commit(
            me,
            draft,
            {},
            name,
            data,
            blocked=blocked or bool(header_errors),
            key=key,
            step_key="imp.step_commit_sheet",
        )
