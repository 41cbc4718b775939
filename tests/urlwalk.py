"""Every URL the project serves, with placeholder ids, for crawling tests."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

_CONVERTERS = {
    "int": "1",
    "id": "1",  # hotel_crm.inputs.IdConverter
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def _fill(pattern: str) -> str:
    text = re.sub(r"<(?:(\w+):)?\w+>", lambda m: _CONVERTERS.get(m.group(1) or "str", "x"), pattern)
    # regex patterns (admin): drop anchors and groups crudely
    text = re.sub(r"\(\?P<\w+>[^)]*\)", "1", text)
    return text.replace("^", "").replace("$", "").replace("\\", "")


def all_paths(resolver=None, prefix: str = "") -> list[str]:
    resolver = resolver or get_resolver()
    paths: list[str] = []
    for entry in resolver.url_patterns:
        here = prefix + _fill(str(entry.pattern))
        if isinstance(entry, URLResolver):
            paths += all_paths(entry, here)
        elif isinstance(entry, URLPattern):
            paths.append("/" + here)
    return sorted(set(paths))
