"""The warm-up of the shared caches at server start (issue 14): once per process, in the
background, never under AppTest, and a failure only logged."""

import logging

import streamlit as st

from tests.apptest import fresh_app
from ui import context


def test_apptest_runs_start_no_warm_up(demo_db, monkeypatch):
    """Tests (and bench.pages) control the caches: no thread may read the database behind
    their back."""
    started: list[object] = []
    monkeypatch.setattr(context, "_start_warm_up", started.append)
    at = fresh_app()
    at.run()
    assert not at.exception
    assert at.text_input(key="login_username")  # the run got past the warm-up call
    assert started == []


def test_the_work_runs_once_per_process_and_a_failure_is_only_logged(caplog):
    st.cache_resource.clear()
    calls: list[int] = []

    def work() -> None:
        calls.append(1)
        raise RuntimeError("database gone")

    with caplog.at_level(logging.WARNING, logger="duban.warm"):
        first = context._start_warm_up(work)
        second = context._start_warm_up(work)
        first.join(10)
    assert first is second and first.name == context.WARM_THREAD
    assert calls == [1]
    assert "warm-up failed" in caplog.text
    st.cache_resource.clear()
