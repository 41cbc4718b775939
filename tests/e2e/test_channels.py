"""The intake pages in a real browser: Chinese without English leftovers, hostile text inert, screenshots."""

import re

import pytest

from complaints import channels
from complaints.demo import load_departments
from tests import factories
from tests.e2e.test_browser import SCREENSHOTS, _ui_vocabulary

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def intake(sha):
    load_departments(sha)
    factories.front_desk_at(sha, username="desk")
    message, _ = channels.incoming_receive(
        prop=sha,
        data=channels.IncomingInput(
            channel="email",
            external_id="<e2e@guest.example>",
            sender="zhang@guest.example",
            sender_name="<img src=x onerror=window.__hacked=1>",
            subject="空调坏了 <script>window.__hacked=1</script>",
            body="我住在2310房间，空调一直不制冷。<b>请尽快</b>",
            raw=b"raw",
        ),
    )
    return message


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_intake_pages_render_inert_and_translated(page_for, live_server, intake, language):
    page = page_for("desk", factories.PASSWORD, language=language)
    base = live_server.url
    vocabulary = _ui_vocabulary()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in (
        ("intake", "/complaints/intake/"),
        ("intake-item", f"/complaints/intake/{intake.pk}/"),
    ):
        response = page.goto(base + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__hacked === undefined"), f"{path}: a guest's markup ran"
        assert "<script>window.__hacked=1</script>" in page.inner_text("body")  # shown as text
        if language == "zh-hans":
            words = {w.lower() for w in re.findall(r"[A-Za-z_]{3,}", page.inner_text("body"))}
            leftovers = sorted(
                (words & vocabulary) - {"desk", "zhang", "guest", "example", "script", "window"}
            )
            assert leftovers == [], f"{path}: English UI text in the Chinese page: {leftovers}"
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{language}-1280.png"), full_page=True)
