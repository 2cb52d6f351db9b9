"""Keeping secrets out of the server's logs: calendar feed addresses carry a token in their path.

uvicorn's access log (logger ``uvicorn.access``) writes each request's path and query. ``detente serve``
turns that log off, but anyone may run the app under uvicorn or another server with it on, so
:func:`install_log_redaction` (called by :func:`detente.web.mount.install_web`) adds
:class:`RedactFeedTokens` to that logger: every ``/calendar/<token>.ics`` in a log line becomes
``/calendar/[redacted].ics`` before any handler formats it.
"""

from __future__ import annotations

import logging
import re

__all__ = ["ACCESS_LOGGERS", "REDACTED", "RedactFeedTokens", "install_log_redaction", "redact"]

REDACTED = "[redacted]"
ACCESS_LOGGERS = ("uvicorn.access", "uvicorn.error", "gunicorn.access")
_FEED = re.compile(r"(/calendar/)[^/?#\s\"]+(\.ics)")


def redact(text: str) -> str:
    """``text`` with the token of every calendar feed address replaced by ``[redacted]``."""
    return _FEED.sub(rf"\g<1>{REDACTED}\g<2>", text)


class RedactFeedTokens(logging.Filter):
    """A logging filter that blanks feed tokens in a record's message and arguments (it drops nothing)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install_log_redaction() -> None:
    """Add :class:`RedactFeedTokens` to the access loggers (once, however many apps are built)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFeedTokens) for f in logger.filters):
            logger.addFilter(RedactFeedTokens())
