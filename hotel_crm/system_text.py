"""Text the system writes, stored as a message key plus parameters and rendered in the reader's language.

A row that held "6 cases of “Noise” in room 2909 within 30 days." in English showed English on Chinese
pages. Now the row holds {"key": "complaints.repeat", "params": {...}} and the page renders it with the
active language's catalogue when it is displayed (ADR 0018). Apps register their keys (a key maps to a
gettext_lazy msgid with %(name)s placeholders) when their module is imported.

A parameter may be plain data (a number, a room number, a description someone typed), a nested
message {"key": ..., "params": ...}, a name in both languages {"en": ..., "zh": ...}, or a moment
{"moment": ..., "zone": ...} shown in the hotel's zone and the reader's date style.
"""

import datetime as dt
import zoneinfo
from typing import Any

from django.utils import timezone, translation
from django.utils.functional import Promise

from hotel_crm import dates

Message = dict[str, Any]

_messages: dict[str, Promise | str] = {}


def register(key: str, msgid: Promise | str) -> None:
    """Make `key` renderable; `msgid` is a gettext_lazy string with %(name)s placeholders."""
    _messages[key] = msgid


def message(key: str, **params: Any) -> Message:
    """What to store: the key and its parameters (JSON-serialisable)."""
    if key not in _messages:
        raise KeyError(f"unregistered system text {key!r}")
    return {"key": key, "params": params}


def bilingual(en: str, zh: str = "") -> dict[str, str]:
    """A name kept in both languages (a category, a department), chosen when rendered."""
    return {"en": en, "zh": zh}


def moment(value: dt.datetime, zone: str) -> dict[str, str]:
    """An aware date and time, shown in `zone` (the hotel's) in the reader's language and date style."""
    return {"moment": value.isoformat(), "zone": zone}


def moment_text(value: dict[str, str]) -> str:
    """A stored moment as the reader reads it; what was stored if it cannot be read."""
    try:
        when = dt.datetime.fromisoformat(value["moment"])
        zone = zoneinfo.ZoneInfo(value.get("zone") or "UTC")
    except (KeyError, TypeError, ValueError, zoneinfo.ZoneInfoNotFoundError):
        return str(value.get("moment", ""))
    with timezone.override(zone):
        return dates.format_moment(when)


def _param(value: Any) -> Any:
    if isinstance(value, dict):
        if "key" in value:
            return render(value)
        if "moment" in value:
            return moment_text(value)
        if "en" in value:
            chinese = (translation.get_language() or "").startswith("zh")
            return (value.get("zh") if chinese else "") or value.get("en", "")
    return value


def render(stored: Message | None) -> str:
    """The message in the active language; '' for nothing stored, the key itself if it is unknown."""
    if not stored:
        return ""
    key = stored.get("key", "")
    template = _messages.get(key)
    if template is None:
        return str(key)
    params = {name: _param(value) for name, value in (stored.get("params") or {}).items()}
    text = str(template)
    try:
        return text % params if params else text
    except (KeyError, TypeError, ValueError):
        # A translation with a broken placeholder must not break the page: fall back to English.
        with translation.override("en"):
            return str(template) % params if params else str(template)
