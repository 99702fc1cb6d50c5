"""Uncaught errors: redacted in the browser, logged with their traceback on the server
(issue 11 #5: a NUL byte showed the SELECT of app_user, password_hash included)."""

import os
import re
import subprocess
import sys
from pathlib import Path

from streamlit import config
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
SECRET = "SELECT app_user.password_hash FROM app_user WHERE /srv/duban/app.py"


def test_streamlit_run_from_the_project_reads_show_error_details_none():
    """The setting lives in .streamlit/config.toml, so every `streamlit run` (make run, the
    deployment command in the README) gets it, in demo and in production mode alike."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    shown = subprocess.run(
        [sys.executable, "-m", "streamlit", "config", "show"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert '\nshowErrorDetails = "none"\n' in shown


def test_an_uncaught_error_is_redacted_for_the_user_and_logged_with_its_traceback(tmp_path, capfd):
    assert config.get_option("client.showErrorDetails") == "none"
    script = tmp_path / "boom.py"
    script.write_text(f"import streamlit as st\nst.write('ok')\nraise RuntimeError({SECRET!r})\n")
    at = AppTest.from_file(str(script)).run()
    [box] = at.exception
    assert "This app has encountered an error" in box.message
    assert SECRET not in box.message and not box.stack_trace
    captured = capfd.readouterr()
    logged = re.sub(r"\x1b\[[0-9;]*m", "", captured.out + captured.err)  # rich's colours
    assert "Traceback" in logged and "boom.py" in logged and SECRET in logged
