"""A guest's name, wherever a page shows it, comes with its pinyin in the English UI (issue #21): through
includes/guest_name.html (the block) or includes/guest_name_inline.html (inside a line of text)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from complaints.models import LogCategory
from complaints.services import shift as shift_services
from tests import factories

# Where a bare name is right: a page's <title> and a heading sentence (no markup allowed inside).
BARE_NAME_ALLOWED = {
    "templates/guests/guest_detail.html": "{% block title %}{{ guest.display_name }}{% endblock %}",
    "templates/guests/guest_form.html": "{% blocktranslate with name=guest.display_name %}",
}


def test_templates_show_a_guests_name_only_through_the_name_includes():
    root = Path(settings.BASE_DIR)
    bare = []
    for path in (root / "templates").rglob("*.html"):
        relative = str(path.relative_to(root))
        if relative.startswith("templates/includes/guest_name"):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"\.display_name\b", line) and BARE_NAME_ALLOWED.get(relative, "\0") not in line:
                bare.append(f"{relative}: {line.strip()[:120]}")
    assert not bare, bare


@pytest.mark.django_db
def test_the_duty_log_shows_a_chinese_name_with_its_pinyin_in_english(sha, clerk, login):
    guest = factories.make_guest("王", "芳")
    assert guest.romanised_name
    shift_services.duty_log_write(
        prop=sha, author=clerk, category=LogCategory.GUEST, text="Asked for a late check-out", guest=guest
    )
    client = login(clerk)
    with translation.override("en"):
        english = client.get("/complaints/shift/log/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "王芳" in english and guest.romanised_name in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = client.get("/complaints/shift/log/").content.decode()
    assert "王芳" in chinese and guest.romanised_name not in chinese
