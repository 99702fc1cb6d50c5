"""The demo data set (`seed-demo`): a believable six-month-old plan, relative to today."""

import datetime as dt
import random

from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel, func, select

from duban.core import audit, clock, db
from duban.core.permissions import Actor
from duban.fields import categories
from duban.seed import _oversight, _scores, _story
from duban.seed._world import found_world, id_of
from models import AppUser


def database_is_empty(session: Session) -> bool:
    """True while no user exists (a fresh database the demo may fill)."""
    return session.exec(select(func.count()).select_from(AppUser)).one() == 0


def reset(engine: Engine) -> None:
    """Drop every table and migrate again: an empty database with the current schema.

    Rows are not deleted: the audit log is append-only (a trigger refuses DELETE), and a
    demo reset is the one time the whole history may go.
    """
    with engine.begin() as conn:
        SQLModel.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.upgrade(engine)


def seed_demo(
    session: Session, *, today: dt.date | None = None, rng_seed: int = 42
) -> dict[str, int]:
    """A believable six-month-old plan: some tasks done, some late, some stagnant, and the
    last two months assessed.

    Nothing is stamped after the seeding moment: now, or the end of `today` when another day
    is asked for.
    """
    now = clock.now()
    if today is not None and today != now.date():
        now = dt.datetime.combine(today, dt.time(23, 59))
    categories.ensure_defaults(session)  # the common 督办事项来源, each weighing 1
    world = found_world(session, now=now, rng=random.Random(rng_seed))
    _story.add_tasks(world)
    _story.add_subtasks(world)
    _story.classify(world)
    _story.assign_units(world)
    _story.report_progress(world)
    _story.add_targets(world)
    _story.add_milestones(world)
    _story.extend_deadlines(world)
    _oversight.give_instructions(world)
    _oversight.inspect_and_rectify(world)
    _oversight.issue_notices(world)
    session.commit()  # the story is in: the assessment services read it and commit themselves
    _scores.assess_last_months(world)
    departments = len(world.departments) + len(world.sections)
    audit.record(
        session,
        Actor.system(),
        "seed.demo",
        object_type="plan",
        object_id=id_of(world.plan),
        after={"tasks": len(world.tasks), "departments": departments},
        note="生成演示数据",
    )
    session.commit()
    return {
        "departments": departments,
        "users": len(world.users),
        "tasks": len(world.tasks),
        "assignments": len(world.assignments),
        "reports": len(world.reports),
    }
