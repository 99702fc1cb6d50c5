"""The register with custom fields and 督办事项来源: filters and sort in polars checked against a
plain-Python reading of the stored values; the filter in words; the typed Excel columns."""

import datetime as dt
import io
import random

import openpyxl
import polars as pl
import pytest

from duban.fields import categories, definitions
from duban.tasks import register
from duban.tasks.register import NO_CATEGORY, FieldFilter, RegisterFilter
from models import Role
from tests.factories import make_department, make_plan, make_task, make_user

LEVELS = ["市级", "区级", "县级"]


@pytest.fixture
def seeded(session, engine):
    """40 tasks with random values of a number, a date, a multiple choice, a department, a
    yes/no and a text field, some left empty; random categories, some none."""
    rng = random.Random(16)
    _, office = make_user(session, Role.office)
    plan = make_plan(session)
    depts = [make_department(session, name=f"市单位{i}") for i in range(4)]
    f = {
        "money": definitions.create_field(
            session, actor=office, label="投资额", kind="number", unit="万元"
        ),
        "start": definitions.create_field(session, actor=office, label="开工日期", kind="date"),
        "level": definitions.create_field(
            session, actor=office, label="层级", kind="multi_choice", options=LEVELS
        ),
        "partner": definitions.create_field(
            session, actor=office, label="配合单位", kind="department"
        ),
        "key": definitions.create_field(session, actor=office, label="重点", kind="boolean"),
        "note": definitions.create_field(session, actor=office, label="备注", kind="text"),
    }
    categories.ensure_defaults(session)
    cats = categories.list_categories(session)
    stored: dict[int, dict] = {}
    cat_of: dict[int, int | None] = {}
    for i in range(40):
        custom: dict[str, object] = {}
        if rng.random() < 0.8:
            custom[str(f["money"].id)] = round(rng.uniform(0, 1000), 1)
        if rng.random() < 0.8:
            day = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365))
            custom[str(f["start"].id)] = day.isoformat()
        if rng.random() < 0.8:
            chosen = set(rng.sample(LEVELS, rng.randint(1, 3)))
            custom[str(f["level"].id)] = [o for o in LEVELS if o in chosen]
        if rng.random() < 0.8:
            custom[str(f["partner"].id)] = rng.choice(depts).id
        if rng.random() < 0.8:
            custom[str(f["key"].id)] = rng.random() < 0.5
        if rng.random() < 0.8:
            custom[str(f["note"].id)] = rng.choice(["项目推进", "资金到位", "前期工作"])
        cat = rng.choice([None, *[c.id for c in cats[:3]]])
        task = make_task(
            session,
            plan=plan,
            lead=rng.choice(depts),
            sort_key=f"00.{i:03d}",
            custom=custom,
            category_id=cat,
        )
        stored[task.id] = custom
        cat_of[task.id] = cat
    df = register.base_frame(engine)
    return {"df": df, "f": f, "stored": stored, "cat_of": cat_of, "cats": cats, "depts": depts}


def _ids(df: pl.DataFrame) -> list[int]:
    return df["task_id"].to_list()


def test_filters_match_a_plain_python_reading(seeded):
    df, f, stored = seeded["df"], seeded["f"], seeded["stored"]
    cats, depts, cat_of = seeded["cats"], seeded["depts"], seeded["cat_of"]
    order = _ids(df)

    def expect(keep) -> list[int]:
        return [i for i in order if keep(stored[i], cat_of[i])]

    def key(name):
        return str(f[name].id)

    cases = [
        (
            RegisterFilter(custom={f["money"].id: FieldFilter(low=200, high=700)}),
            lambda c, _: key("money") in c and 200 <= c[key("money")] <= 700,
        ),
        (
            RegisterFilter(custom={f["money"].id: FieldFilter(low=500)}),
            lambda c, _: key("money") in c and c[key("money")] >= 500,
        ),
        (
            RegisterFilter(
                custom={f["start"].id: FieldFilter(low=dt.date(2026, 3, 1), high="2026-08-31")}
            ),
            lambda c, _: key("start") in c and "2026-03-01" <= c[key("start")] <= "2026-08-31",
        ),
        (
            RegisterFilter(custom={f["level"].id: FieldFilter(any_of=["县级"])}),
            lambda c, _: "县级" in c.get(key("level"), []),
        ),
        (
            RegisterFilter(custom={f["level"].id: FieldFilter(any_of=["市级", "县级"])}),
            lambda c, _: bool({"市级", "县级"} & set(c.get(key("level"), []))),
        ),
        (
            RegisterFilter(custom={f["partner"].id: FieldFilter(any_of=[depts[1].id])}),
            lambda c, _: c.get(key("partner")) == depts[1].id,
        ),
        (
            RegisterFilter(custom={f["key"].id: FieldFilter(any_of=[False])}),
            lambda c, _: c.get(key("key")) is False,
        ),
        (
            RegisterFilter(custom={f["note"].id: FieldFilter(contains="资金")}),
            lambda c, _: "资金" in c.get(key("note"), ""),
        ),
        (
            RegisterFilter(categories=[cats[0].id, NO_CATEGORY]),
            lambda _, cat: cat in (cats[0].id, None),
        ),
        (
            RegisterFilter(
                categories=[cats[1].id],
                custom={
                    f["money"].id: FieldFilter(high=800),
                    f["level"].id: FieldFilter(any_of=["区级"]),
                },
            ),
            lambda c, cat: (
                cat == cats[1].id
                and key("money") in c
                and c[key("money")] <= 800
                and "区级" in c.get(key("level"), [])
            ),
        ),
    ]
    for flt, keep in cases:
        want = expect(keep)
        got = _ids(register.apply_filters(df, flt))
        assert got == want, flt
        assert 0 < len(want) < len(order), flt  # each case really narrows the seeded register


def test_a_filter_on_a_field_the_register_no_longer_has_is_ignored(seeded):
    df = seeded["df"]
    flt = RegisterFilter(
        custom={99999: FieldFilter(any_of=["x"]), seeded["f"]["note"].id: FieldFilter()}
    )
    assert _ids(register.apply_filters(df, flt)) == _ids(df)
    assert RegisterFilter(custom={1: FieldFilter(), 2: FieldFilter(low=1)}).custom_active() == 1


def test_sort_by_custom_columns_matches_python(seeded):
    df, f, stored = seeded["df"], seeded["f"], seeded["stored"]
    order = _ids(df)
    pos = {t: i for i, t in enumerate(order)}
    for name in ("money", "start", "partner"):
        k = str(f[name].id)
        for desc in (False, True):
            got = _ids(register.sort_view(df, f"cf_{f[name].id}", descending=desc))
            # equal values keep the register order, empty values go last
            have = sorted(
                (t for t in order if k in stored[t]),
                key=lambda t: (_neg(stored[t][k]) if desc else _pos(stored[t][k]), pos[t]),
            )
            assert got == have + [t for t in order if k not in stored[t]], (name, desc)
    assert _ids(register.sort_view(df, None)) == order
    assert _ids(register.sort_view(df, "cf_99999")) == order


def _pos(v):
    return dt.date.fromisoformat(v).toordinal() if isinstance(v, str) else v


def _neg(v):
    if isinstance(v, str):  # ISO date: order by its reversed ordinal
        return -dt.date.fromisoformat(v).toordinal()
    return -v


def test_the_filter_in_words_names_fields_and_categories(seeded):
    f, cats, depts = seeded["f"], seeded["cats"], seeded["depts"]
    flt = RegisterFilter(
        categories=[cats[0].id, NO_CATEGORY],
        custom={
            f["money"].id: FieldFilter(low=100),
            f["start"].id: FieldFilter(high=dt.date(2026, 6, 30)),
            f["partner"].id: FieldFilter(any_of=[depts[0].id]),
            f["key"].id: FieldFilter(any_of=[True]),
            f["note"].id: FieldFilter(contains="资金"),
        },
    )
    words = register.describe_filter(
        flt,
        plans={},
        departments={d.id: d.name for d in depts},
        category_names={c.id: c.name for c in cats},
        fields=list(f.values()),
    )
    assert f"事项来源：{cats[0].name}、未分类" in words
    assert "投资额：100 万元 至 不限" in words
    assert "开工日期：不限 至 2026-06-30" in words
    assert f"配合单位：{depts[0].name}" in words
    assert "重点：是" in words
    assert "备注：包含“资金”" in words


def test_export_has_typed_field_columns(seeded):
    df, f, stored, depts = seeded["df"], seeded["f"], seeded["stored"], seeded["depts"]
    data = register.export_excel(
        df, fields=list(f.values()), departments={d.id: d.name for d in depts}
    )
    ws = openpyxl.load_workbook(io.BytesIO(data))["任务台账"]
    header = [c.value for c in ws[1]]
    for h in ("事项来源", "投资额（万元）", "开工日期", "层级", "配合单位", "重点", "备注"):
        assert h in header
    col = {h: header.index(h) for h in header}
    first = _ids(df)[0]
    row = [c.value for c in ws[2]]
    c = stored[first]
    money = c.get(str(f["money"].id))
    assert row[col["投资额（万元）"]] == money
    assert money is None or isinstance(row[col["投资额（万元）"]], int | float)
    start = c.get(str(f["start"].id))
    cell = row[col["开工日期"]]
    assert (cell is None) if start is None else cell.date().isoformat() == start
    names = {d.id: d.name for d in depts}
    assert row[col["配合单位"]] == names.get(c.get(str(f["partner"].id)))
    key = c.get(str(f["key"].id))
    assert row[col["重点"]] == (None if key is None else ("是" if key else "否"))
    level = c.get(str(f["level"].id))
    assert row[col["层级"]] == ("、".join(level) if level else None)
    back = pl.read_excel(io.BytesIO(data), sheet_name="任务台账")
    assert back.schema["投资额（万元）"] == pl.Float64
