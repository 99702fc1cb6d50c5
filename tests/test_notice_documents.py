"""Every notice kind and the scorecard bulletin, generated from the demo through the services
and issued, then converted to PDF by LibreOffice: the GB/T 9704 points are measured on each,
and the scorecard's figures are checked against its frozen snapshot.

(tests/test_document_layout.py measures every point on one constructed document; this file
checks that what the notices really produce is laid out the same way.)"""

import datetime as dt
import re
from collections import defaultdict

import pytest
from sqlmodel import Session, select

from bench.notice_samples import issue_every_kind
from duban.core import db as dbmod
from duban.documents import pdf as documents_pdf
from duban.documents.layout import title_lines
from duban.documents.pdf import docx_to_pdf
from duban.seed import demo
from models import AssessmentPeriod, AssessmentSnapshot, Department
from tests.test_documents import _pdf_pages
from tests.test_notice_claims import check_wording

pytestmark = [
    pytest.mark.skipif(
        documents_pdf.libreoffice_binary() is None
        or documents_pdf.shutil.which("pdftotext") is None,
        reason="LibreOffice or poppler-utils not installed",
    ),
    pytest.mark.xdist_group("pdf"),
]

PT = 25.4 / 72  # mm per point
TOP, BOTTOM, LEFT, RIGHT = 37.0, 37.0 + 225.0, 28.0, 28.0 + 156.0  # the 版心, mm
KINDS = [
    "urging",
    "reminder",
    "bulletin",
    "commendation",
    "criticism",
    "interview",
    "accountability",
    "scorecard",
]


class Issued:
    """The demo's notices of every kind, issued, and their PDFs as lines of words (mm)."""

    def __init__(self, tmp_path_factory) -> None:
        path = tmp_path_factory.mktemp("kinds") / "demo.db"
        self.engine = dbmod.make_engine(f"sqlite:///{path}")
        dbmod.upgrade(self.engine)
        with Session(self.engine, expire_on_commit=False) as s:
            demo.seed_demo(s)
            docs, self.notices = issue_every_kind(s)
        self.pages = {}
        self.heights: dict[str, list[float]] = {}
        for kind, docx in docs.items():
            pdf = docx_to_pdf(docx)
            assert pdf is not None
            pages = _pdf_pages(pdf)
            self.heights[kind] = [height * PT for height, _ in pages]
            self.pages[kind] = [
                [(w, x0 * PT, y0 * PT, x1 * PT, y1 * PT) for w, x0, y0, x1, y1 in words]
                for _, words in pages
            ]

    def text_bottom(self, kind: str, page: int) -> float:
        """The 版心's bottom edge: 262 mm on a portrait page, 184 mm on a landscape one (a
        wide attachment table; its 版心 is the portrait one turned with the sheet)."""
        return BOTTOM if self.heights[kind][page - 1] > 250 else 28.0 + 156.0

    def lines(self, kind: str, page: int) -> list[dict]:
        """The page's lines top down: text, top and bottom of the glyph boxes, left, right."""
        rows = defaultdict(list)
        for w in self.pages[kind][page - 1]:
            rows[round(w[2], 0)].append(w)
        out = []
        for _, ws in sorted(rows.items()):
            ws.sort(key=lambda w: w[1])
            out.append(
                {
                    "text": "".join(w[0] for w in ws),
                    "top": min(w[2] for w in ws),
                    "bottom": max(w[4] for w in ws),
                    "left": ws[0][1],
                    "right": ws[-1][3],
                    "height": max(w[4] - w[2] for w in ws),
                }
            )
        return out


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    return Issued(tmp_path_factory)


def _title(issued: Issued, kind: str) -> str:
    if kind == "scorecard":
        month = dt.date.today().replace(day=1) - dt.timedelta(days=1)
        return f"关于{month.year}年{month.month}月各成员单位考核结果的通报"
    return issued.notices[kind].title


def test_every_kind_was_issued(issued):
    assert sorted(issued.pages) == sorted(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_header_title_and_page_numbers_of_every_kind(issued, kind):
    lines = issued.lines(kind, 1)
    issuer = next(ln for ln in lines if ln["text"] == "市行政审批制度改革领导小组办公室")
    # 发文机关标志: its top 35 mm under the 版心's top edge (the glyph box starts a hair above
    # the em box), centred
    assert TOP + 35 - 2 < issuer["top"] < TOP + 35 + 1.5, issuer
    assert abs((issuer["left"] - LEFT) - (RIGHT - issuer["right"])) < 1.5
    # the title: 2号 lines, each the line title_lines planned (nothing spilled, no break
    # inside a word), centred
    planned = title_lines(_title(issued, kind))
    big = [ln for ln in lines if ln["height"] > 22 * 1.2 * PT and ln is not issuer]
    assert [ln["text"] for ln in big] == planned
    for ln in big:
        assert abs((ln["left"] - LEFT) - (RIGHT - ln["right"])) < 2, ln
    # page numbers "— n —" on every page, one after the other; the dash 7 mm under the 版心
    # (its glyph box starts 3.3 mm above the dash: test_document_layout measures the ink)
    for number, _ in enumerate(issued.pages[kind], start=1):
        bottom = issued.text_bottom(kind, number)
        foot = [ln for ln in issued.lines(kind, number) if ln["top"] > bottom + 1]
        assert [ln["text"] for ln in foot] == [f"—{number}—"], (kind, number, foot)
        assert bottom + 7 - 4.2 < foot[0]["top"] < bottom + 7 - 2.4


def test_wide_task_lists_are_landscape(issued):
    for kind in ("urging", "criticism"):
        assert any(h < 250 for h in issued.heights[kind]), kind


@pytest.mark.parametrize("kind", KINDS[:-1])  # the scorecard bulletin has no 版记 of its own
def test_imprint_at_the_foot_of_the_last_page(issued, kind):
    n = len(issued.pages[kind])
    assert issued.heights[kind][-1] > 250  # the 版记 page is portrait
    last = issued.lines(kind, n)
    printing = next(ln for ln in last if ln["text"].endswith("印发"))
    assert BOTTOM - 12 < printing["bottom"] <= BOTTOM + 1.5, printing
    copy = next(ln for ln in last if ln["text"].startswith("抄送："))
    assert "组长" not in copy["text"] and copy["bottom"] < printing["top"]


def test_the_scorecard_states_its_snapshot(issued):
    text = "".join(ln["text"] for p in range(1, 3) for ln in issued.lines("scorecard", p))
    check_wording(text)
    with Session(issued.engine) as s:
        # the month published here (the demo published the month before too)
        period = s.exec(
            select(AssessmentPeriod)
            .where(AssessmentPeriod.status == "frozen")
            .order_by(AssessmentPeriod.start.desc())
        ).first()
        snaps = s.exec(
            select(AssessmentSnapshot).where(AssessmentSnapshot.period_id == period.id)
        ).all()
        names = {d.id: d.name for d in s.exec(select(Department)).all()}
    mean = sum(x.score for x in snaps) / len(snaps)
    assert f"本期共考核{len(snaps)}个单位，平均得分{mean:.2f}分" in text
    best = min(snaps, key=lambda x: (x.rank, names[x.department_id]))
    assert f"{names[best.department_id]}（{best.score:.2f}分）" in text


@pytest.mark.parametrize("kind", KINDS[:-1])
def test_the_issued_texts_carry_no_software_phrasing(issued, kind):
    n = issued.notices[kind]
    check_wording(n.title + n.body + n.requirements)
    assert not re.search(r"【待填写", n.body)
