"""Logging, configured once per process: Duban's messages (fallbacks, failures) go to stderr.

Modules log through ``logging.getLogger(__name__)``; the app and the command line call
``configure_logging`` at start with the level from the settings.
"""

import logging

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _DubanHandler(logging.StreamHandler):
    """Marks the handler we add, so that configuring twice does not print everything twice."""


def configure_logging(level: str = "INFO") -> None:
    """Send the ``duban`` loggers to stderr at `level` (idempotent)."""
    logger = logging.getLogger("duban")
    logger.setLevel(level)
    if not any(isinstance(h, _DubanHandler) for h in logger.handlers):
        handler = _DubanHandler()
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(handler)
