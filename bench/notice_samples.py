"""One page of every notice kind and of the scorecard bulletin, generated from the demo through
the app's own services, issued, converted to PDF by LibreOffice and rasterised: what an
official will see (docs/notices/*.png).

    python -m bench.notice_samples [--out docs/notices] [--dpi 60]

The office's own inputs a draft cannot know (the regulation an accountability proposal cites,
the contact person of an interview) are filled in as the office would, with sample values.
"""

import argparse
import datetime as dt
import subprocess
import tempfile
from pathlib import Path

from sqlmodel import Session, select

from duban.assessment import appeals, freezing, periods
from duban.assessment import exports as assessment_exports
from duban.core import clock, db
from duban.core.errors import ValidationFailed
from duban.core.permissions import Actor
from duban.documents.pdf import docx_to_pdf
from duban.inspections import records
from duban.notices import drafting, facts, issuing, reading
from duban.notices import rules as notice_rules
from duban.seed import demo
from models import AppUser, Finding, Notice, RectificationStatus, Role

SAMPLE_RULES = {
    "basis": {"accountability": "《示例市重点工作督查问责暂行办法》第十二条"},
    "contact_person": "李明",
    "contact_phone": "0571-87000000",
}


def _attachment_page(pdf: bytes) -> list[int]:
    """The first page that begins with 附件 (an attachment's first page), if any."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    for number, page in enumerate(text.split("\f"), start=1):
        if page.strip().startswith("附件"):
            return [number]
    return []


def _pages(pdf: bytes, out: Path, name: str, pages: list[int], dpi: int) -> list[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "doc.pdf"
        src.write_bytes(pdf)
        written = []
        for page in pages:
            target = out / (f"{name}.png" if page == 1 else f"{name}-attachment.png")
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    str(dpi),
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    "-singlefile",
                    str(src),
                    str(target.with_suffix("")),
                ],
                check=True,
            )
            written.append(target)
        return written


def _close_rectifications(s: Session) -> None:
    """The units answer their open rectification items and the inspector accepts them (so a
    unit without other shortcomings can be praised in the sample)."""
    inspector = Actor.of(s.exec(select(AppUser).where(AppUser.username == "inspector")).one())
    for f in s.exec(select(Finding).where(Finding.status == RectificationStatus.open)).all():
        head = s.exec(
            select(AppUser).where(
                AppUser.department_id == f.department_id, AppUser.role == Role.dept_head
            )
        ).first()
        if head is None:
            continue
        f = records.answer_finding(
            s,
            actor=Actor.of(head),
            finding_id=f.id,
            expected_version=f.version,
            text_="已补全办事指南要素，相关材料已在窗口公示。",
        )
        records.recheck_finding(
            s, actor=inspector, finding_id=f.id, expected_version=f.version, accepted=True
        )


def issue_every_kind(s: Session) -> tuple[dict[str, bytes], dict[str, Notice]]:
    """On a freshly seeded demo: every kind drafted from the data and issued by the office,
    and the last month's scorecard frozen; returns the DOCX of each (kind → bytes, plus
    "scorecard") and the issued notices."""
    office = Actor.of(s.exec(select(AppUser).where(AppUser.username == "office")).one())
    rules = notice_rules.load_notice_rules(s)
    notice_rules.save_rules(
        s,
        actor=office,
        rules={**rules, **SAMPLE_RULES},
        expected_version=notice_rules.rules_version(s),
    )
    today = clock.today()
    _close_rectifications(s)
    late = facts.late_units(s, today)
    worst = late[0]["department_id"]
    day = today + dt.timedelta(days=3)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    records_now = facts.unit_records(s, today)
    fit = [r.department_id for r in records_now if r.completed_on_time and not r.has_shortcomings]
    by_rule = facts.praised_units(records_now, rules)
    requests: dict[str, dict | None] = {
        "urging": {"department_id": worst},
        "reminder": None,
        "bulletin": {"period": "month"},
        "commendation": {} if by_rule else ({"department_ids": fit[:2]} if fit else None),
        "criticism": {},
        "interview": {
            "department_id": worst,
            "interview_at": dt.datetime.combine(day, dt.time(9, 30)),
            "place": "市政务服务中心三楼第一会议室",
            "attendees": "单位主要负责同志、分管负责同志",
        },
        "accountability": {"department_id": worst},
    }
    for u in late:  # a unit with a task due soon
        try:
            drafting.generate(s, kind="reminder", department_id=u["department_id"])
        except ValidationFailed:
            continue
        requests["reminder"] = {"department_id": u["department_id"]}
        break
    docs: dict[str, bytes] = {}
    issued: dict[str, Notice] = {}
    for kind, params in requests.items():
        if params is None:
            print(f"{kind}: no unit in the demo to write it about")
            continue
        n = drafting.draft_notice(s, actor=office, kind=kind, **params)
        n = issuing.issue_notice(s, actor=office, notice_id=n.id, expected_version=n.version)
        issued[kind] = n
        docs[kind] = reading.notice_docx(s, actor=office, notice_id=n.id)[1]
    # last month: the demo opens it with an appeal pending (decided here), or it is created
    month = today.replace(day=1) - dt.timedelta(days=1)
    start = periods.period_bounds("month", month)[0]
    p = next((x for x in periods.list_periods(s, "month") if x.start == start), None)
    if p is None:
        p = periods.create_period(s, actor=office, kind="month", day=month)
    for a in appeals.list_appeals(s, actor=office, period_id=p.id):
        if a.status == "pending":
            appeals.decide_appeal(
                s, actor=office, appeal_id=a.id, accept=False, note="扣分依据充分，不予采纳。"
            )
    if p.status == "open":
        freezing.freeze_period(s, actor=office, period_id=p.id, expected_version=p.version)
    docs["scorecard"] = assessment_exports.scorecard_docx(s, actor=office, period_id=p.id)
    return docs, issued


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="docs/notices")
    ap.add_argument("--dpi", type=int, default=60)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = db.make_engine(f"sqlite:///{tmp}/samples.db")
        db.upgrade(engine)
        with Session(engine, expire_on_commit=False) as s:
            demo.seed_demo(s)
            docs, _ = issue_every_kind(s)
        engine.dispose()
    for kind, docx in docs.items():
        pdf = docx_to_pdf(docx)
        assert pdf is not None, "LibreOffice is needed"
        pages = [1, *_attachment_page(pdf)] if kind in ("bulletin", "criticism") else [1]
        written += _pages(pdf, out, kind, pages, args.dpi)
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
