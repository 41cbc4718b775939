"""No user-visible English text in a template outside the translation tags."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# Text that is the same in every language: the product name, units, symbols.
ALLOWED = {"hotel_crm", "CNY", "VIP", "CSV", "JSON", "English", "h"}

_BLOCK_TRANS = re.compile(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", re.S)
_TAG = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
_HTML = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->|<[^>]+>", re.S | re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z_'’\-]{1,}")
# Attributes people read (or hear, with a screen reader).
_READ_ATTRIBUTES = re.compile(r'\b(?:placeholder|title|aria-label|alt)="([^"]*)"', re.I)


def _visible_text(source: str) -> str:
    text = _BLOCK_TRANS.sub(" ", source)
    text = _TAG.sub(" ", text)
    spoken = " ".join(_READ_ATTRIBUTES.findall(text))
    text = _HTML.sub(" ", text)
    return (text + " " + spoken).replace("&amp;", " ").replace("&nbsp;", " ").replace("&rsaquo;", " ")


# 500.html is static and bilingual on purpose: it must render even when translations are broken.
CHECKED = sorted(
    p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html") if p.name != "500.html"
)


@pytest.mark.parametrize("template", CHECKED, ids=str)
def test_no_untranslated_text_in_templates(template):
    words = [w for w in _WORD.findall(_visible_text((TEMPLATES / template).read_text())) if w not in ALLOWED]
    assert words == [], f"{template}: text outside translation tags: {words}"


def test_the_check_catches_untranslated_text():
    assert _WORD.findall(_visible_text("<p>Room board</p>{% translate 'Fine' %}")) == ["Room", "board"]
    assert (
        _WORD.findall(_visible_text("<p>{% blocktranslate %}Fine {{ x }}{% endblocktranslate %}</p>")) == []
    )
    assert _WORD.findall(_visible_text('<input placeholder="Find a guest">')) == ["Find", "guest"]
    assert _WORD.findall(_visible_text("<input placeholder=\"{% translate 'Find' %}\">")) == []
