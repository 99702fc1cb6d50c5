"""Sign an AppTest in as a user the way a valid cookie would: a real server-side session
row (every run checks it, see duban.org.sessions), its id in the session state."""

from __future__ import annotations

from typing import Any


def sign_in(at: Any, url: str, username: str, role: str) -> None:
    from sqlmodel import select

    from duban.core.db import make_engine, session_scope
    from duban.org import sessions
    from models import AppUser
    from ui.auth import SID

    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            user = s.exec(select(AppUser).where(AppUser.username == username)).one()
            assert user.id is not None
            at.session_state[SID] = sessions.open_session(s, user_id=user.id, client="bench")
            at.session_state["name"] = user.display_name
    finally:
        engine.dispose()
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["roles"] = [role]
