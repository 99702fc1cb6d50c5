"""图表 under AppTest: every role renders it; the office builds and saves a chart; a leader
pins a chart and the dashboard shows it; another user's private chart by link is refused."""

import pytest
from sqlmodel import Session, select

from duban.charts import saved
from duban.core.db import make_engine
from duban.core.permissions import Actor
from models import AppUser, SavedChart
from tests.apptest import DEMO_USERS, errors, page_as


def _actor(url: str, username: str) -> tuple:
    engine = make_engine(url)
    s = Session(engine, expire_on_commit=False)
    user = s.exec(select(AppUser).where(AppUser.username == username)).one()
    return s, engine, Actor.of(user)


@pytest.mark.parametrize("username", list(DEMO_USERS))
def test_charts_page_renders_for_every_role(demo_db, username):
    at = page_as("charts", username, DEMO_USERS[username])
    assert not at.exception, at.exception
    assert at.selectbox(key="ch_dataset").value == "tasks"
    # the chart's data table is on the page (what a reader, and the browser test, reads)
    assert at.dataframe, "no data table"
    table = at.dataframe[0].value
    assert table.shape[0] > 0
