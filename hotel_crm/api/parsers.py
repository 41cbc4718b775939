"""The API's JSON parser: size, depth and NUL characters are checked before anything is built.

Python's json module recurses once per nesting level: a body of a few kB of `[[[[…` raised
RecursionError (a 500) on every write endpoint. Size is read with a cap (the body is never read
whole past it), depth is counted on the raw bytes outside strings, and a NUL character anywhere in a
string is refused: no text column (PostgreSQL's text and jsonb refuse it too) may receive one.
"""

import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def json_depth(raw: bytes) -> int:
    """The deepest nesting of objects and arrays in a JSON text (brackets inside strings not counted)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class CheckedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_JSON_MAX_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge(_("The request body is larger than %(limit)d bytes.") % {"limit": limit})
        if json_depth(raw) > settings.API_JSON_MAX_DEPTH:
            raise exceptions.ParseError(
                _("The JSON is nested more than %(depth)d levels deep.")
                % {"depth": settings.API_JSON_MAX_DEPTH}
            )
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(_("The body is not valid JSON: %(error)s") % {"error": exc}) from exc
        if _has_nul(data):
            raise exceptions.ParseError(_("Text may not contain NUL characters (\\u0000)."))
        return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")
