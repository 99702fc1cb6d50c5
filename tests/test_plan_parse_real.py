"""The plan parser on real plans found on the web (tests/fixtures/plans/real/).

Each fixture ``X.txt``/``X.docx`` has ``X.source.md`` (where it came from) and
``X.expected.json`` (what a careful reader extracts by hand: every task, its lead and
responsible units and deadline, and the plan's title, issuer, doc number and date).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from duban.intake.parse.model import ParsedPlan
from duban.intake.parse.reader import parse_plan_bytes

REAL = Path(__file__).parent / "fixtures" / "plans" / "real"
PLANS = sorted(p for p in REAL.iterdir() if p.suffix in (".txt", ".docx"))
# Plans the parser still gets wrong (strict: fixing one makes the test fail until it is removed).
KNOWN_WRONG: set[str] = set()


def _param(p: Path):  # noqa: ANN202
    marks = [pytest.mark.xfail(strict=True, reason="known gap")] if p.name in KNOWN_WRONG else []
    return pytest.param(p, id=p.name, marks=marks)


def _expected(path: Path) -> dict:
    stem = path.name.rsplit(".", 1)[0].removesuffix(".gbk")
    return json.loads((REAL / f"{stem}.expected.json").read_text(encoding="utf-8"))


def _actual(plan: ParsedPlan) -> dict:
    d = plan.to_json_dict()
    return {
        "title": d["title"],
        "issuer": d["issuer"],
        "doc_number": d["doc_number"],
        "issued_on": d["issued_on"],
        "tasks": [
            {
                "code": t["code"],
                "title": t["title"],
                "parent_code": t["parent_code"],
                "lead_units": t["lead_units"],
                "responsible_units": t["responsible_units"],
                "deadline": t["deadline"],
            }
            for t in d["tasks"]
        ],
    }


def _want(exp: dict) -> dict:
    keys = ("title", "issuer", "doc_number", "issued_on")
    return {**{k: exp[k] for k in keys}, "tasks": exp["tasks"]}


def test_every_fixture_has_provenance_and_expectations() -> None:
    assert len(PLANS) >= 6
    for path in PLANS:
        exp = _expected(path)
        assert (REAL / exp["source"]).is_file(), path.name
        assert exp["tasks"], path.name


@pytest.mark.parametrize("path", [_param(p) for p in PLANS])
def test_real_plan_parses_as_a_careful_reader_would(path: Path) -> None:
    plan = parse_plan_bytes(path.read_bytes(), path.name)
    got, want = _actual(plan), _want(_expected(path))
    # plan metadata
    assert {k: got[k] for k in ("title", "issuer", "doc_number", "issued_on")} == {
        k: want[k] for k in ("title", "issuer", "doc_number", "issued_on")
    }
    # every task found, in order, nothing extra
    assert [t["code"] for t in got["tasks"]] == [t["code"] for t in want["tasks"]]
    # exact units, deadlines, titles, per task
    for g, w in zip(got["tasks"], want["tasks"], strict=True):
        assert g == w, g["code"]


def test_gbk_fixture_is_really_gbk() -> None:
    data = (REAL / "sichuan_circulation_2022.gbk.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "责任单位" in data.decode("gbk")


# The 完成时限 values seen in real plans, in the trailing-line layout of the 立山区 plan
# (synthetic: the stored real plans above carry few deadlines).
_DEADLINE_VARIANTS = [
    ("2024年6月底前", "2024-06-30"),
    ("2024年底前", "2024-12-31"),
    ("2025年12月", "2025-12-31"),
    ("9月30日前", "2024-09-30"),
    ("全年", "2024-12-31"),
    ("长期坚持", None),
    ("持续推进", None),
    ("每季度", None),
    ("常态化开展", None),
]


def test_deadline_values_seen_in_real_plans() -> None:
    lines = ["某区2024年重点工作任务分工方案", "某区人民政府", "2024年2月1日", "一、重点任务"]
    for i, (value, _) in enumerate(_DEADLINE_VARIANTS, 1):
        lines += [
            f"{i}.推进第{i}项工作。",
            "牵头单位:区发改局",
            "责任单位:各街道",
            f"完成时限:{value}",
        ]
    plan = parse_plan_bytes("\n".join(lines).encode("gb18030"), "plan.txt")
    got = [(t.code, t.deadline.isoformat() if t.deadline else None) for t in plan.tasks]
    assert got == [(f"一{i}", want) for i, (_, want) in enumerate(_DEADLINE_VARIANTS, 1)]
    assert all(t.lead_units == ["区发改局"] for t in plan.tasks)
    ongoing = [w for w in plan.warnings if "长期、持续或定期" in w]
    assert ongoing and ongoing[0].endswith("一6、一7、一8、一9")


def test_several_dates_in_one_deadline_field_keep_their_own_words() -> None:
    text = (
        "某区2024年重点工作任务分工方案\n某区人民政府\n2024年2月1日\n一、重点任务\n"
        "1.建设平台。\n牵头单位:区数据局\n"
        "完成时限:2024年9月底前完成建设,12月底前上线运行\n"
        "2.清理事项。\n牵头单位:区政务服务中心\n完成时限:2024年6月底前\n"
    )
    t1, t2 = parse_plan_bytes(text.encode(), "plan.txt").tasks
    assert t1.deadline.isoformat() == "2024-12-31"
    assert [(m.date.isoformat(), m.text) for m in t1.milestones] == [
        ("2024-09-30", "2024年9月底前完成建设"),
        ("2024-12-31", "12月底前上线运行"),
    ]
    assert t2.deadline.isoformat() == "2024-06-30" and t2.milestones == []
