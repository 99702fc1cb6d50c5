"""Login sessions (the server side of the login cookie) and login attempts (for throttling)."""

from pydantic import NaiveDatetime
from sqlmodel import Field, SQLModel

from models.common import local_now


class UserSession(SQLModel, table=True):
    """One signed-in browser. The cookie carries a random id; only its SHA-256 is stored, so
    a copy of the database does not hold usable cookies. Revoked rows stay for the record."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: NaiveDatetime = Field(default_factory=local_now)
    last_seen_at: NaiveDatetime = Field(default_factory=local_now)
    client: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=200)
    revoked_at: NaiveDatetime | None = Field(default=None, index=True)
    revoked_reason: str | None = Field(default=None, max_length=20)


class LoginAttempt(SQLModel, table=True):
    """Every submitted login, known name or not; also the office's lifts (reason "lifted").

    Rows are only ever inserted, so parallel attempts are all counted."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    at: NaiveDatetime = Field(default_factory=local_now, index=True)
    username: str | None = Field(default=None, max_length=64, index=True)
    user_id: int | None = Field(default=None, index=True)
    source: str | None = Field(default=None, max_length=64, index=True)
    ok: bool = False
    reason: str = Field(max_length=20)
