"""Office-edited settings kept as one versioned row each (warning rules, notice rules and
templates, the scoring formula): read with the version the editor saw, saved only if nobody
saved in between, audited in the caller's transaction."""

import logging
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session

from duban.core import audit, clock
from duban.core.errors import StaleEdit, ValidationFailed
from duban.core.permissions import Actor, require
from duban.core.services import check_version, write
from models import AppSetting, NoticeTemplate

# The tables edited as settings: one row per key, with version, updated_at and updated_by.
T = TypeVar("T", AppSetting, NoticeTemplate)
S = TypeVar("S")

log = logging.getLogger(__name__)

NOTHING_SAVED = 0
"""The version an editor sees while nothing is stored (the defaults apply)."""


def stored_setting(session: Session, key: str) -> tuple[dict | None, int]:
    """(the stored JSON value or None, its version; NOTHING_SAVED while there is none)."""
    row = session.get(AppSetting, key)
    if row is None:
        return None, NOTHING_SAVED
    return dict(row.value or {}), row.version


def load_setting(
    session: Session, key: str, *, parse: Callable[[dict], S], default: Callable[[], S], what: str
) -> tuple[S, int]:
    """The stored setting parsed, or the default while none is stored; and its version.

    A stored value that no longer parses (written by hand, or by an older version) must not take
    the pages down: the default applies, with a logged warning, until the office saves again.
    """
    value, version = stored_setting(session, key)
    if value is None:
        return default(), version
    try:
        return parse(value), version
    except (ValueError, ValidationFailed) as exc:
        log.warning("stored %s is invalid (%s); the defaults apply", what, exc)
        return default(), version


def save_versioned(
    session: Session,
    model: type[T],
    key: str,
    *,
    actor: Actor,
    values: dict[str, Any],
    expected_version: int | None,
    action: str,
) -> T:
    """Create or update the row `model(key)` with `values`; call inside ``write(session)``.

    ``expected_version`` is the version the editor read (NOTHING_SAVED if it saw no row);
    a row saved, changed or removed since is refused with StaleEdit and nothing is written.
    None skips the check (the command line and system jobs, which edit no form).
    """
    row = session.get(model, key)
    before = audit.snapshot(row)
    if row is None:
        if expected_version not in (None, NOTHING_SAVED):
            raise StaleEdit()
        pk = sa_inspect(model).primary_key[0].name
        row = model(**{pk: key, **values, "updated_by": actor.user_id})
    else:
        if expected_version == NOTHING_SAVED:
            raise StaleEdit()
        check_version(row, expected_version)
        changes = {**values, "updated_at": clock.now(), "updated_by": actor.user_id}
        for name, value in changes.items():
            setattr(row, name, value)
    session.add(row)
    audit.record(session, actor, action, row, before=before)
    return row


def save_setting(
    session: Session,
    *,
    actor: Actor,
    key: str,
    value: dict,
    expected_version: int | None,
    action: str,
) -> AppSetting:
    """``save_versioned`` for an ``app_setting`` row holding a JSON value."""
    return save_versioned(
        session,
        AppSetting,
        key,
        actor=actor,
        values={"value": value},
        expected_version=expected_version,
        action=action,
    )


class Rules(Protocol):
    """Office-edited rules kept as one setting: read from and written to a JSON dict."""

    def to_dict(self) -> dict: ...


R = TypeVar("R", bound=Rules)


def save_rules(
    session: Session,
    *,
    actor: Actor,
    key: str,
    parse: Callable[[dict], R],
    values: dict,
    expected_version: int | None,
    action: str,
) -> R:
    """Validate `values` with `parse` (ValueError → ValidationFailed) and store them as the
    setting `key` in one audited transaction; a save by someone else since
    `expected_version` is refused (StaleEdit). Bad values or a stale form change nothing."""
    require(actor, "settings.manage")
    try:
        rules = parse(dict(values))
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    with write(session):
        save_setting(
            session,
            actor=actor,
            key=key,
            value=rules.to_dict(),
            expected_version=expected_version,
            action=action,
        )
    return rules
