"""Exports of a period: ranking and line rows, the Excel workbook, the 通报 (document, draft, DOCX).

The only place the assessment calls duban.notices and duban.documents.
"""

import datetime as dt
from dataclasses import asdict

import polars as pl
from sqlmodel import Session, col, select

from duban.assessment import formula, labels, periods, results, scoring
from duban.core import clock, exports
from duban.core.errors import ValidationFailed
from duban.core.exports import Column
from duban.core.permissions import Actor, require
from duban.documents import official, word
from duban.i18n import t
from duban.notices import drafting, reading
from duban.notices import rules as notice_rules
from models import Notice, NoticeKind, NoticeStatus

# Chinese, as the Excel scorecard reads; the UI reads asm.line_status.<status> in its language.
LINE_STATUS = {s: t(f"asm.line_status.{s}") for s in ("counted", "withdrawn")}


def _fmt_delta(v: float | int | None, *, points: bool = True, lang: str = "zh") -> str:
    if v is None:
        return "—"
    if v == 0:
        return t("asm.unchanged", lang)
    return f"{v:+.2f}" if points else (f"↑{v}" if v > 0 else f"↓{-v}")


def ranking_rows(result: scoring.PeriodResult, lang: str = "zh") -> list[dict]:
    """The scorecard as plain rows, headed in `lang` (for the page's table)."""

    def col(key: str) -> str:
        return t(f"asm.col.{key}", lang)

    return [
        {
            col("rank"): u.rank,
            col("unit"): u.department_name,
            col("score"): u.score,
            col("delta"): _fmt_delta(u.delta, lang=lang),
            col("rank_change"): _fmt_delta(u.rank_change, points=False, lang=lang),
            col("raw"): u.raw_points,
            col("load"): u.load,
            col("factor"): u.factor,
            col("lines"): len(u.lines),
        }
        for u in sorted(result.units, key=lambda u: (u.rank, u.department_name))
    ]


def line_rows(unit: scoring.UnitResult, lang: str = "zh") -> list[dict]:
    """One unit's lines as plain rows, with the source and the appeal status, in `lang`."""

    def col(key: str) -> str:
        return t(f"asm.col.{key}", lang)

    def status(ln: dict) -> str:
        text = t(f"asm.line_status.{ln['status']}", lang)
        if ln.get("original_points"):
            text += t("asm.line_original", lang, points=f"{ln['original_points']:g}")
        return text

    return [
        {
            col("category"): labels.category_text(ln["category"], lang),
            col("points"): ln["points"],
            col("detail"): labels.detail_text(ln["detail"], lang),
            col("source"): labels.source_text(ln["source_ref"], lang)
            + (t("asm.line_report", lang, id=ln["report_id"]) if ln.get("report_id") else ""),
            col("day"): ln["day"],
            col("status"): status(ln),
            col("key"): ln["key"],
        }
        for ln in unit.lines
    ]


_RANKING = [
    Column("rank", "名次", "int"),
    Column("department_name", "单位"),
    Column("score", "得分", "decimal", places=2),
    Column("delta", "较上期得分", "decimal", places=2, fmt='+0.00;-0.00;"持平"'),
    Column("rank_change", "名次变化", "int", fmt='"↑"0;"↓"0;"持平"'),
    Column("raw_points", "原始得分", "decimal", places=2),
    Column("load", "任务负荷", "decimal", places=2),
    Column("factor", "折算系数", "decimal", places=4),
    Column("lines", "明细条数", "int"),
]
_LINES = [
    Column("department_name", "单位"),
    Column("n", "序号", "int"),
    Column("category", "类别"),
    Column("points", "分值", "decimal", places=2),
    Column("detail", "说明", width=60, wrap=True),
    Column("source", "来源"),  # what a person finds: 任务 四(二)、通知 督办〔2026〕1号 …
    Column("day", "日期", "date"),
    Column("status", "状态"),
]
_FORMULA = [
    Column("name", "项目"),
    Column("value", "分值/系数", "number"),
    Column("explain", "说明", width=70, wrap=True),
]


def scorecard_xlsx(
    result: scoring.PeriodResult, *, exported_by: str = "", exported_at: dt.datetime | None = None
) -> bytes:
    """Excel workbook: 说明, the ranking, every line of every unit, and the formula used."""
    status = periods.PERIOD_STATUS.get(result.status, result.status)
    units = sorted(result.units, key=lambda u: (u.rank, u.department_name))
    ranking = pl.DataFrame(
        [
            {
                "rank": u.rank,
                "department_name": u.department_name,
                "score": u.score,
                "delta": u.delta,
                "rank_change": u.rank_change,
                "raw_points": u.raw_points,
                "load": u.load,
                "factor": u.factor,
                "lines": len(u.lines),
            }
            for u in units
        ],
        schema={
            "rank": pl.Int64,
            "department_name": pl.String,
            "score": pl.Float64,
            "delta": pl.Float64,
            "rank_change": pl.Int64,
            "raw_points": pl.Float64,
            "load": pl.Float64,
            "factor": pl.Float64,
            "lines": pl.Int64,
        },
    )
    lines = pl.DataFrame(
        [
            {
                "department_name": u.department_name,
                "n": n,
                "category": ln["category"],
                "points": float(ln["points"]),
                "detail": ln["detail"],
                "source": ln["source_ref"]
                + (f" · 填报 #{ln['report_id']}" if ln.get("report_id") else ""),
                "day": ln["day"],
                "status": LINE_STATUS.get(ln["status"], ln["status"])
                + (f"（原 {ln['original_points']:g}）" if ln.get("original_points") else ""),
            }
            for u in units
            for n, ln in enumerate(u.lines, start=1)
        ],
        schema={
            "department_name": pl.String,
            "n": pl.Int64,
            "category": pl.String,
            "points": pl.Float64,
            "detail": pl.String,
            "source": pl.String,
            "day": pl.String,
            "status": pl.String,
        },
    )
    rules = pl.DataFrame(
        [
            {
                "name": formula.FORMULA_FIELDS[k][1],
                "value": v,
                "explain": formula.FORMULA_FIELDS[k][2],
            }
            for k, v in result.formula.items()
            if k in formula.FORMULA_FIELDS
        ],
        schema={"name": pl.String, "value": pl.Float64, "explain": pl.String},
    )
    method = pl.DataFrame(
        {"text": formula.explain_method(formula.Formula.from_dict(result.formula))},
        schema={"text": pl.String},
    )
    about = exports.About(
        title=f"{result.label}考核成绩单",
        filter_text=f"考核期：{result.label}（{result.start} 至 {result.end}）；单位：{len(units)} 个",
        exported_by=exported_by,
        exported_at=exported_at,
        extra=[
            ("考核期开始", result.start),
            ("考核期结束", result.end),
            ("状态", status),
            ("数据截至", result.as_of),
            *([("冻结时间", result.frozen_at)] if result.frozen_at else []),
        ],
        notes=["得分明细每条注明来源（任务编号、通知文号、督查、整改项），可逐条核对。"],
    )
    return exports.write_workbook(
        [
            exports.Sheet("成绩单", ranking, _RANKING),
            exports.Sheet("得分明细", lines, _LINES),
            exports.Sheet("评分规则", rules, _FORMULA),
            exports.Sheet("计分方法", method, [Column("text", "计分方法", width=120, wrap=True)]),
        ],
        about=about,
    )


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
    """The 通报 made from this period's scorecard in 通知通报 (draft or issued), if any; a
    withdrawn one is not (the office may draft the corrected scorecard anew)."""
    candidates = session.exec(
        select(Notice)
        .where(Notice.kind == NoticeKind.bulletin, Notice.status != NoticeStatus.withdrawn)
        .order_by(col(Notice.id).desc())
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
