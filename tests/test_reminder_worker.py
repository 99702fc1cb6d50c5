"""The worker: jobs claimed once per slot on working days, a failing job recorded without
stopping the others; deliveries sent once through real local servers, retried with back-off,
a hanging channel not holding up the e-mail, a dead worker's claims taken back; two workers
racing on one database send every message exactly once."""

# ruff: noqa: F811 - the server fixtures are imported from tests.reminder_servers

import datetime as dt
import threading

from sqlalchemy import text
from sqlmodel import Session, SQLModel, col, select

from duban.core import clock
from duban.core import db as dbmod
from duban.reminders import channels_admin, outbox, worker
from duban.reminders.schedule import Job, every_working_day
from models import AppUser, CalendarDay, Channel, Delivery, JobRun, NotifyPreference, Role
from tests.factories import make_department, make_user
from tests.reminder_servers import (  # noqa: F401 - fixtures
    DING_SECRET,
    SMTP_PASSWORD,
    SMTP_USER,
    robots,
    smtp_server,
)

NOW = dt.datetime(2026, 12, 1, 9, 30)  # a Tuesday, a working day


def setup_world(session: Session, smtp_server, robots, *, users: int = 1) -> list[AppUser]:
    """A mail server, a signed DingTalk robot for a unit, and unit heads who want both."""
    unit = make_department(session)
    session.add(
        Channel(
            kind="smtp",
            name="邮件服务器",
            config={
                "host": smtp_server.host,
                "port": smtp_server.port,
                "security": "none",
                "username": SMTP_USER,
                "sender": "duban@example.org",
            },
            secret=SMTP_PASSWORD,
        )
    )
    session.add(
        Channel(
            kind="dingtalk",
            name="单位群",
            config={"url": robots.ding_url},
            secret=DING_SECRET,
            department_id=unit.id,
        )
    )
    people = []
    for i in range(users):
        user, _ = make_user(
            session, Role.dept_head, department_id=unit.id, email=f"head{i}@example.org"
        )
        session.add(
            NotifyPreference(user_id=user.id, email_on=True, robot_on=True, mobile="13800138000")
        )
        people.append(user)
    session.commit()
    return people


def remind(session: Session, user: AppUser, key: str = "task:1") -> None:
    note = outbox.enqueue(
        session,
        user=user,
        rule="due_soon",
        key=key,
        subject="任务即将到期",
        body="请及时报送进展。",
        link="my_tasks?task=1",
    )
    assert note is not None
    session.commit()


def deliveries(session: Session) -> list[Delivery]:
    session.expire_all()
    return list(session.exec(select(Delivery).order_by(col(Delivery.id))).all())


def test_due_deliveries_are_sent_once(engine, session, smtp_server, robots):
    with clock.frozen(NOW):
        [user] = setup_world(session, smtp_server, robots)
        remind(session, user)
        first = worker.run_once(engine, NOW, "w1", jobs=[], timeout=5)
        again = worker.run_once(engine, NOW + dt.timedelta(minutes=5), "w1", jobs=[], timeout=5)
    assert (first.sent, again.sent) == (2, 0)
    assert [rcpts for rcpts, _ in smtp_server.messages] == [["head0@example.org"]]
    [payload] = robots.of("dingtalk")
    assert "任务即将到期" in payload["markdown"]["text"]
    assert {(d.channel, d.status, d.attempts) for d in deliveries(session)} == {
        ("email", "sent", 1),
        ("dingtalk", "sent", 1),
    }


def test_failures_back_off_then_fail_and_the_office_retries(engine, session, smtp_server, robots):
    robots.mode["dingtalk"] = "errcode"
    with clock.frozen(NOW):
        [user] = setup_world(session, smtp_server, robots)
        remind(session, user)
        office, office_actor = make_user(session, Role.office)
    at = NOW
    waits = []
    for _ in range(4):
        worker.run_once(engine, at, "w1", jobs=[], timeout=5)
        robot = next(d for d in deliveries(session) if d.channel == "dingtalk")
        assert robot.status == "pending" and "310000" in (robot.last_error or "")
        waits.append(robot.next_attempt_at - at)
        # not due before its time
        assert (
            worker.run_once(
                engine, robot.next_attempt_at - dt.timedelta(seconds=1), "w1", jobs=[]
            ).retrying
            == 0
        )
        at = robot.next_attempt_at
    assert waits == [dt.timedelta(minutes=m) for m in (1, 5, 30, 120)]
    last = worker.run_once(engine, at, "w1", jobs=[], timeout=5)
    robot = next(d for d in deliveries(session) if d.channel == "dingtalk")
    assert (last.failed, robot.status, robot.attempts) == (1, "failed", 5)
    assert len(smtp_server.messages) == 1  # the e-mail went out at the first pass, once

    robots.mode["dingtalk"] = "ok"
    with clock.frozen(at):
        channels_admin.retry_delivery(session, actor=office_actor, delivery_id=robot.id)
        assert worker.run_once(engine, at, "w1", jobs=[], timeout=5).sent == 1
    robot = next(d for d in deliveries(session) if d.channel == "dingtalk")
    assert (robot.status, robot.attempts, robot.last_error) == ("sent", 1, None)
    assert len(robots.of("dingtalk")) == 1


def test_a_hanging_robot_does_not_hold_up_the_email(engine, session, smtp_server, robots):
    robots.mode["dingtalk"] = "hang"
    with clock.frozen(NOW):
        [user] = setup_world(session, smtp_server, robots)
        remind(session, user)
        summary = worker.run_once(engine, NOW, "w1", jobs=[], timeout=0.5)
    assert (summary.sent, summary.retrying) == (1, 1)
    assert len(smtp_server.messages) == 1
    robot = next(d for d in deliveries(session) if d.channel == "dingtalk")
    assert robot.status == "pending" and "超时" in (robot.last_error or "")


def test_a_dead_workers_claim_is_taken_back(engine, session, smtp_server, robots):
    with clock.frozen(NOW):
        [user] = setup_world(session, smtp_server, robots)
        remind(session, user)
    for d in deliveries(session):
        d.status, d.claimed_by, d.claimed_at = "sending", "dead:1", NOW - dt.timedelta(minutes=3)
        session.add(d)
    session.commit()
    assert worker.run_once(engine, NOW, "w1", jobs=[]).sent == 0  # still fresh: left alone
    later = NOW + dt.timedelta(minutes=worker.STALE_MINUTES)
    summary = worker.run_once(engine, later, "w1", jobs=[], timeout=5)
    assert (summary.released, summary.sent) == (2, 2)
    assert len(smtp_server.messages) == 1


def test_a_disabled_channel_is_skipped_with_the_reason(engine, session, smtp_server, robots):
    with clock.frozen(NOW):
        [user] = setup_world(session, smtp_server, robots)
        remind(session, user)
    robot = session.exec(select(Channel).where(Channel.kind == "dingtalk")).one()
    robot.enabled = False
    session.add(robot)
    session.commit()
    summary = worker.run_once(engine, NOW, "w1", jobs=[], timeout=5)
    assert (summary.sent, summary.skipped) == (1, 1)
    row = next(d for d in deliveries(session) if d.channel == "dingtalk")
    assert (row.status, row.last_error) == ("skipped", "通知渠道已停用")
    assert not robots.received


def test_jobs_run_once_per_slot_on_working_days_and_a_failure_stops_nothing(engine, session):
    ran: list[str] = []

    def good(s: Session, now: dt.datetime, cal) -> dict:
        ran.append(now.isoformat())
        return {"reminders": 3}

    def bad(s: Session, now: dt.datetime, cal) -> dict:
        raise RuntimeError("boom")

    jobs = [
        Job("bad", every_working_day(dt.time(9, 0)), bad),
        Job("good", every_working_day(dt.time(9, 0)), good),
    ]
    first = worker.run_once(engine, NOW, "w1", jobs=jobs)
    second = worker.run_once(engine, NOW + dt.timedelta(hours=1), "w2", jobs=jobs)
    assert (first.jobs_run, first.jobs_failed) == (["good"], ["bad"])
    assert sorted(second.jobs_skipped) == ["bad", "good"] and ran == [NOW.isoformat()]
    rows = {r.job: r for r in session.exec(select(JobRun)).all()}
    assert rows["good"].outcome == "ok" and rows["good"].detail == {"reminders": 3}
    assert rows["good"].slot == "2026-12-01T09:00" and rows["good"].claimed_by == "w1"
    assert rows["bad"].outcome == "failed" and "boom" in rows["bad"].detail["error"]
    assert rows["bad"].finished_at is not None
    # before 9:00, on a weekend and on a holiday the office added: nothing is due
    session.add(CalendarDay(day=dt.date(2026, 12, 2), is_workday=False, name="测试假日"))
    session.commit()
    for moment in (
        dt.datetime(2026, 12, 3, 8, 59),
        dt.datetime(2026, 12, 5, 10, 0),  # Saturday
        dt.datetime(2026, 12, 2, 10, 0),  # the added holiday
    ):
        assert worker.run_once(engine, moment, "w1", jobs=jobs).jobs_run == []
    assert len(ran) == 1
    # a Saturday the office made a working day (调休) has its 9:00 run
    session.add(CalendarDay(day=dt.date(2026, 12, 12), is_workday=True, name="调休上班"))
    session.commit()
    saturday = worker.run_once(engine, dt.datetime(2026, 12, 12, 9, 5), "w1", jobs=jobs)
    assert saturday.jobs_run == ["good"] and ran[-1] == "2026-12-12T09:05:00"


# ---------------------------------------------------------------- two workers racing


def _second_engines(engine, tmp_path):
    """Two engines of their own on one database: a file for SQLite, the test's schema on
    PostgreSQL."""
    if engine.dialect.name == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.db'}"
        first = dbmod.make_engine(url)
        SQLModel.metadata.create_all(first)
        with first.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO data_version (id, version, updated_at) VALUES (1, 0, CURRENT_TIMESTAMP)"
                )
            )
        return first, dbmod.make_engine(url)
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    args = {"options": f"-csearch_path={schema}"}
    return (
        dbmod.make_engine(engine.url.render_as_string(hide_password=False), connect_args=args),
        dbmod.make_engine(engine.url.render_as_string(hide_password=False), connect_args=args),
    )


def test_two_workers_racing_send_each_message_once(engine, tmp_path, smtp_server, robots):
    a, b = _second_engines(engine, tmp_path)
    try:
        with Session(a, expire_on_commit=False) as s, clock.frozen(NOW):
            people = setup_world(s, smtp_server, robots, users=6)
            for user in people:
                for k in range(3):
                    remind(s, user, key=f"task:{k}")
        runs: list[str] = []
        lock = threading.Lock()

        def job(s: Session, now: dt.datetime, cal) -> dict:
            with lock:
                runs.append(threading.current_thread().name)
            return {}

        jobs = [Job("digest", every_working_day(dt.time(9, 0)), job)]
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def race(eng, name: str) -> None:
            try:
                start.wait()
                for _ in range(12):
                    worker.run_once(eng, NOW, name, jobs=jobs, batch=3, timeout=5)
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)

        threads = [
            threading.Thread(target=race, args=(eng, name), name=name)
            for eng, name in ((a, "w1"), (b, "w2"))
        ]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert not errors, errors
        assert len(runs) == 1
        assert len(smtp_server.messages) == 18
        assert len({msg["Message-ID"] for _, msg in smtp_server.messages}) == 18
        assert len(robots.of("dingtalk")) == 18
        with Session(a) as s:
            rows = s.exec(select(Delivery)).all()
            assert len(rows) == 36 and {(d.status, d.attempts) for d in rows} == {("sent", 1)}
            assert len(s.exec(select(JobRun)).all()) == 1
            if engine.dialect.name == "postgresql":
                # both workers took part (SKIP LOCKED hands them disjoint batches)
                assert {d.claimed_by for d in rows} <= {"w1", "w2"}
    finally:
        a.dispose()
        b.dispose()


def test_cli_worker_once_at_a_given_moment(tmp_path, monkeypatch, capsys):
    from duban import cli
    from duban.core.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    try:
        assert cli.main(["init-db"]) == 0
        assert cli.main(["worker", "--now", "2026-12-01T09:30"]) == 0
        assert "消息：发送 0 条" in capsys.readouterr().out
        assert cli.main(["worker", "--now", "明天"]) == 2
        assert "时间格式不正确" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
