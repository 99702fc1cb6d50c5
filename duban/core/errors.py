"""Domain errors; each carries a message a user can read (Chinese)."""


class DubanError(Exception):
    """Base of every error a service raises on purpose; `str(e)` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PermissionDenied(DubanError):
    """The acting user may not do this."""


class StaleEdit(DubanError):
    """Someone else changed the record since the user read it."""

    def __init__(self, message: str = "该记录已被他人修改，请刷新后重新编辑（您的修改未保存）。"):
        super().__init__(message)


class NotFound(DubanError):
    """The record does not exist (or is not visible to the user)."""


class ValidationFailed(DubanError):
    """Input that cannot be accepted; nothing was written."""


class DatabaseNotReady(DubanError):
    """The database is missing, unreachable, or not at the latest migration."""


class SettingsError(DubanError, ValueError):
    """A configuration error, with a message for the person starting the app.

    Also a ValueError, so that pydantic reports it from a settings validator.
    """
