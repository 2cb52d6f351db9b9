"""Numbers and dates written the way the reader's locale writes them (from the request's Accept-Language).

Babel carries the CLDR data, so nothing is fetched. ``None`` is shown as ``unknown``: an unknown figure is
never written as 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

__all__ = ["DEFAULT_LOCALE", "UNKNOWN", "Formatter", "formatter_for", "preferred_locales"]

DEFAULT_LOCALE = "en"
UNKNOWN = "unknown"
_MAX_HEADER = 500


def preferred_locales(header: str | None) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first (``q=0`` dropped)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header[:_MAX_HEADER].split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


@lru_cache(maxsize=256)
def _locale(header: str | None) -> Locale:
    for tag in preferred_locales(header):
        try:
            return Locale.parse(tag.replace("_", "-"), sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    return Locale.parse(DEFAULT_LOCALE)


@dataclass(frozen=True)
class Formatter:
    """Writes numbers, percentages and dates for one locale."""

    locale: Locale

    @property
    def tag(self) -> str:
        """The BCP 47 tag for ``<html lang>``."""
        return str(self.locale).replace("_", "-")

    def number(self, value: float | int | None, digits: int = 0) -> str:
        """``12,345`` (en) or ``12 345`` (fr); ``unknown`` for ``None``."""
        if value is None:
            return UNKNOWN
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return str(format_decimal(value, format=pattern, locale=self.locale))

    def percent(self, value: float | None, digits: int = 0) -> str:
        """A share (0.25) as ``25%`` in the locale's way."""
        if value is None:
            return UNKNOWN
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
        return str(format_percent(value, format=pattern, locale=self.locale))

    def date(self, value: date | datetime | str | None) -> str:
        """A date in the locale's medium form (``26 Nov 2026``, ``26 nov. 2026``); ISO text is read first."""
        if value is None:
            return UNKNOWN
        if isinstance(value, str):
            text = value
            try:
                value = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
            except ValueError:
                return text  # a partial date as stored (``1990-05``): shown as it is
        if isinstance(value, datetime):
            value = value.date()
        return str(format_date(value, format="medium", locale=self.locale))

    def datetime(self, value: datetime | None) -> str:
        """A moment in the locale's medium form, in UTC."""
        if value is None:
            return UNKNOWN
        return str(format_datetime(value, format="medium", tzinfo=None, locale=self.locale)) + " UTC"


def formatter_for(accept_language: str | None) -> Formatter:
    """The formatter for a request's Accept-Language header (English when nothing there is known)."""
    return Formatter(_locale(accept_language))
