"""`make eval-plans`: score the plan parser on the real plans with hand-written expectations.

For every `tests/fixtures/plans/real/X.{txt,docx}` with its `X.expected.json`, prints task
recall (tasks found, matched by code), lead exact match, responsible-unit F1 and deadline
exact match over the matched tasks, and the plan metadata fields (title, issuer, doc number,
date) right — per file and pooled. `--json OUT` also writes the figures, so two revisions of
the parser can be compared file by file (a gain on one plan must not cost another).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from duban.intake.parse.reader import parse_plan_bytes

REAL = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "plans" / "real"
META = ("title", "issuer", "doc_number", "issued_on")


@dataclass
class Score:
    expected: int = 0  # tasks a careful reader finds
    found: int = 0  # of those, found by the parser (same code)
    extra: int = 0  # tasks the parser made up
    lead_exact: int = 0
    resp_tp: int = 0
    resp_fp: int = 0
    resp_fn: int = 0
    deadline_exact: int = 0
    meta_right: int = 0
    meta_total: int = 0

    def add(self, other: Score) -> None:
        for k, v in asdict(other).items():
            setattr(self, k, getattr(self, k) + v)

    def figures(self) -> dict[str, float]:
        f = self.found or 1
        p = self.resp_tp + self.resp_fp
        r = self.resp_tp + self.resp_fn
        prec = self.resp_tp / p if p else 1.0
        rec = self.resp_tp / r if r else 1.0
        return {
            "recall": self.found / (self.expected or 1),
            "lead": self.lead_exact / f,
            "resp_f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
            "deadline": self.deadline_exact / f,
        }


def plans() -> list[Path]:
    return sorted(p for p in REAL.iterdir() if p.suffix in (".txt", ".docx"))


def expected_for(path: Path) -> dict:
    stem = path.name.rsplit(".", 1)[0].removesuffix(".gbk")
    return json.loads((REAL / f"{stem}.expected.json").read_text(encoding="utf-8"))


def score(path: Path) -> Score:
    want = expected_for(path)
    got = parse_plan_bytes(path.read_bytes(), path.name).to_json_dict()
    s = Score(meta_total=len(META))
    s.meta_right = sum(got[k] == want[k] for k in META)
    by_code = {t["code"]: t for t in got["tasks"]}
    wanted = {t["code"] for t in want["tasks"]}
    s.extra = sum(code not in wanted for code in by_code)
    for w in want["tasks"]:
        s.expected += 1
        g = by_code.get(w["code"])
        if g is None:
            s.resp_fn += len(w["responsible_units"])
            continue
        s.found += 1
        s.lead_exact += g["lead_units"] == w["lead_units"]
        s.deadline_exact += g["deadline"] == w["deadline"]
        have, need = set(g["responsible_units"]), set(w["responsible_units"])
        s.resp_tp += len(have & need)
        s.resp_fp += len(have - need)
        s.resp_fn += len(need - have)
    return s


def _line(name: str, s: Score) -> str:
    f = s.figures()
    return (
        f"{name:42} {s.found:>3}/{s.expected:<3} +{s.extra:<2} {f['recall']:6.3f} "
        f"{f['lead']:6.3f} {f['resp_f1']:6.3f} {f['deadline']:6.3f} {s.meta_right}/{s.meta_total}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="also write the per-file figures here")
    args = ap.parse_args(argv)
    pooled, out = Score(), {}
    print(
        f"{'plan':42} {'tasks':>7} {'extra':4} {'recall':>6} {'lead':>6} {'resp':>6} {'dl':>6} meta"
    )
    for path in plans():
        s = score(path)
        pooled.add(s)
        out[path.name] = {**asdict(s), **s.figures()}
        print(_line(path.name, s))
    print(_line(f"pooled ({len(out)} plans)", pooled))
    if args.json:
        out["pooled"] = {**asdict(pooled), **pooled.figures()}
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
