"""Exports of a period: ranking and line rows, the Excel workbook, the 通报 (document, draft, DOCX).

The only place the assessment calls duban.notices and duban.documents.
"""

import io
from dataclasses import asdict

import xlsxwriter
from sqlmodel import Session, col, select

from duban.assessment import formula, periods, results, scoring
from duban.core import clock
from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor, require
from duban.documents import official, word
from duban.notices import drafting, reading
from duban.notices import rules as notice_rules
from models import Notice, NoticeKind, NoticeStatus

LINE_STATUS = {"counted": "计入", "withdrawn": "申诉成立已撤销"}


def _fmt_delta(v: float | int | None, *, points: bool = True) -> str:
    if v is None:
        return "—"
    if v == 0:
        return "持平"
    return f"{v:+.2f}" if points else (f"↑{v}" if v > 0 else f"↓{-v}")


def ranking_rows(result: scoring.PeriodResult) -> list[dict]:
    """The scorecard as plain rows (for tables, Excel and the bulletin)."""
    return [
        {
            "名次": u.rank,
            "单位": u.department_name,
            "得分": u.score,
            "较上期得分": _fmt_delta(u.delta),
            "名次变化": _fmt_delta(u.rank_change, points=False),
            "原始得分": u.raw_points,
            "任务负荷": u.load,
            "折算系数": u.factor,
            "明细条数": len(u.lines),
        }
        for u in sorted(result.units, key=lambda u: (u.rank, u.department_name))
    ]


def line_rows(unit: scoring.UnitResult) -> list[dict]:
    """One unit's lines as plain rows, with the source and the appeal status."""
    return [
        {
            "类别": ln["category"],
            "分值": ln["points"],
            "说明": ln["detail"],
            "来源": ln["source_ref"]
            + (f" · 填报 #{ln['report_id']}" if ln.get("report_id") else ""),
            "日期": ln["day"],
            "状态": LINE_STATUS.get(ln["status"], ln["status"])
            + (f"（原 {ln['original_points']:g}）" if ln.get("original_points") else ""),
            "明细编号": ln["key"],
        }
        for ln in unit.lines
    ]


def scorecard_xlsx(result: scoring.PeriodResult) -> bytes:
    """Excel workbook: the ranking, every line of every unit, and the formula used."""
    buf = io.BytesIO()
    # strings_to_formulas off: a unit name or a task title starting with "=" stays text
    # (=HYPERLINK(…) from user text would otherwise be a live formula in the office's Excel).
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    head = wb.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1})
    cell = wb.add_format({"border": 1})
    title = wb.add_format({"bold": True, "font_size": 14})
    status = periods.PERIOD_STATUS.get(result.status, result.status)

    def sheet(name: str, caption: str, rows: list[dict], widths: dict[str, int]) -> None:
        ws = wb.add_worksheet(name)
        ws.write(0, 0, caption, title)
        cols = list(rows[0]) if rows else list(widths)
        for j, c in enumerate(cols):
            ws.write(2, j, c, head)
            ws.set_column(j, j, widths.get(c, 12))
        for i, r in enumerate(rows, start=3):
            for j, c in enumerate(cols):
                ws.write(i, j, r.get(c), cell)
        ws.freeze_panes(3, 0)

    sheet(
        "成绩单",
        f"{result.label}考核成绩单（{result.start}至{result.end}，{status}）",
        ranking_rows(result),
        {"单位": 26, "较上期得分": 12, "名次变化": 10},
    )
    details = [
        {"单位": u.department_name, **row}
        for u in sorted(result.units, key=lambda u: u.rank)
        for row in line_rows(u)
    ]
    sheet(
        "得分明细",
        f"{result.label}得分明细（每条注明来源，可逐条核对）",
        details,
        {"单位": 26, "说明": 60, "来源": 40, "明细编号": 34, "状态": 18},
    )
    formula_rows = [
        {"项目": formula.FORMULA_FIELDS[k][1], "分值/系数": v, "说明": formula.FORMULA_FIELDS[k][2]}
        for k, v in result.formula.items()
        if k in formula.FORMULA_FIELDS
    ]
    sheet("评分规则", "本期使用的评分规则", formula_rows, {"项目": 26, "说明": 60})
    ws = wb.add_worksheet("计分方法")
    for i, text in enumerate(formula.explain_method(formula.Formula.from_dict(result.formula))):
        ws.write(i, 0, text)
    ws.set_column(0, 0, 140)
    wb.close()
    return buf.getvalue()


def scorecard_document(
    session: Session, *, actor: Actor, period_id: int
) -> official.OfficialDocument:
    """The published scorecard as an official-layout bulletin (frozen periods only)."""
    require(actor, "assessment.read_all")
    result = results.period_result(session, actor=actor, period_id=period_id)
    if result.status != "frozen":
        raise ValidationFailed("考核期冻结发布后才能生成正式通报，请先处理申诉并冻结。")
    rules = notice_rules.load_notice_rules(session)
    issuer = rules.get("issuer") or "市行政审批制度改革领导小组办公室"
    units = sorted(result.units, key=lambda u: (u.rank, u.department_name))
    scores = [u.score for u in units]
    mean = sum(scores) / len(scores) if scores else 0
    n = min(3, max(1, len(units) // 4)) if units else 0
    top = "、".join(f"{u.department_name}（{u.score:.2f}分）" for u in result.top(n))
    bottom = "、".join(f"{u.department_name}（{u.score:.2f}分）" for u in result.bottom(n))
    body = [
        f"根据考核办法，领导小组办公室对各成员单位{result.label}（{official.chinese_date(result.start)}"
        f"至{official.chinese_date(result.end)}）的任务落实情况进行了考核。考核结果已经申诉复核并冻结，"
        "现将有关情况通报如下。",
        f"一、总体情况。本期共考核{len(units)}个单位，平均得分{mean:.2f}分。",
        f"二、排名靠前的单位。{top}。" if top else "",
        f"三、排名靠后的单位。{bottom}。" if bottom else "",
        "四、考核方法。"
        + "".join(formula.explain_method(formula.Formula.from_dict(result.formula))[:4]),
        "五、有关要求。排名靠后的单位要认真分析原因，于10个工作日内将整改措施书面报领导小组办公室。"
        "各单位可登录督办台查看本单位每一条得分明细及其来源。",
    ]
    ranking = official.AttachmentTable(
        title=f"{result.label}各单位考核成绩单",
        columns=["名次", "单位", "得分", "较上期", "原始得分", "任务负荷"],
        rows=[
            [u.rank, u.department_name, f"{u.score:.2f}", _fmt_delta(u.delta), u.raw_points, u.load]
            for u in units
        ],
    )
    details = official.AttachmentTable(
        title=f"{result.label}各单位得分明细",
        columns=["单位", "类别", "分值", "说明", "来源"],
        rows=[
            [u.department_name, ln["category"], f"{ln['points']:g}", ln["detail"], ln["source_ref"]]
            for u in units
            for ln in u.lines
        ],
    )
    today = clock.today()
    return official.OfficialDocument(
        issuer=issuer,
        title=f"关于{result.label}各成员单位考核结果的通报",
        body=[b for b in body if b],
        addressees="各成员单位",
        attachments=[ranking, details],
        signature=rules.get("signature") or issuer,
        date=today,
        copy_to=rules.get("copy_to") or "",
        printed_by=issuer,
        printed_on=today,
    )


def scorecard_notice(session: Session, period_id: int) -> Notice | None:
    """The 通报 made from this period's scorecard in 通知通报 (draft or issued), if any."""
    candidates = session.exec(
        select(Notice).where(Notice.kind == NoticeKind.bulletin).order_by(col(Notice.id).desc())
    ).all()
    return next(
        (n for n in candidates if (n.extra or {}).get("assessment_period_id") == period_id), None
    )


def draft_scorecard_notice(session: Session, *, actor: Actor, period_id: int) -> Notice:
    """Put the frozen scorecard into 通知通报 as a 通报 draft: edited there, numbered on issue.

    The bulletin goes through the notices' own numbering (通报〔年〕N号), delivery and 签收, so a
    published scorecard is a real numbered document every unit receives.
    """
    require(actor, "assessment.manage")
    require(actor, "notice.draft")
    existing = scorecard_notice(session, period_id)
    if existing is not None:
        where = (
            f"已签发（{existing.doc_number}）"
            if existing.status == NoticeStatus.issued
            else "已生成草稿"
        )
        raise ValidationFailed(f"本期成绩单通报{where}，请到“通知通报”查看。")
    doc = scorecard_document(session, actor=actor, period_id=period_id)
    result = results.period_result(session, actor=actor, period_id=period_id)
    return drafting.create_draft(
        session,
        actor=actor,
        kind=NoticeKind.bulletin.value,
        title=doc.title,
        addressees=doc.addressees,
        body="\n".join(doc.body[:-1]),
        requirements=doc.body[-1],
        signature=doc.signature,
        copy_to=doc.copy_to,
        period_label=result.label,
        attachments=[asdict(official.AttachmentTable.of(t)) for t in doc.attachments],
        extra={"assessment_period_id": period_id, "source": "assessment"},
        recipients=[u.department_id for u in result.units],
    )


def scorecard_docx(session: Session, *, actor: Actor, period_id: int) -> bytes:
    """The bulletin DOCX: the issued, numbered 通报 once there is one, else an unnumbered draft."""
    doc = scorecard_document(session, actor=actor, period_id=period_id)
    issued = scorecard_notice(session, period_id)
    if issued is not None and issued.status == NoticeStatus.issued:
        return word.render_docx(
            reading.official_document(issued, notice_rules.load_notice_rules(session))
        )
    doc.doc_number = "（草稿，签发时编号）"
    return word.render_docx(doc)
